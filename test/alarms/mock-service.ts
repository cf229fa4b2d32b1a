import { App, Stack } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * A stack whose app skips the built-in CloudFormation validation (seconds per synth) and uses
 * the CodeDeploy feature flag the example app uses.
 */
export function alarmTestStack(id = 'OrdersStack', context: Record<string, unknown> = {}): Stack {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { '@aws-cdk/aws-codedeploy:removeAlarmsFromDeploymentGroup': true, ...context },
  });
  return new Stack(app, id);
}

/** What {@link mockService} builds. */
export interface MockService {
  readonly vpc: ec2.Vpc;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly blue: elbv2.ApplicationTargetGroup;
  readonly green: elbv2.ApplicationTargetGroup;
  readonly service: ecs.FargateService;
  readonly logGroup: logs.LogGroup;
  readonly deploymentGroup: codedeploy.EcsDeploymentGroup;
}

/**
 * A blue/green Fargate service from plain aws-cdk-lib constructs: an ALB with a production
 * listener on blue and a test listener on green, a service with the CODE_DEPLOY controller in a
 * cluster that leaves Container Insights to the account default unless told otherwise, its log
 * group, and an EcsDeploymentGroup over both target groups.
 */
export function mockService(stack: Stack, options: { autoRollback?: codedeploy.AutoRollbackConfig; ignorePollAlarmsFailure?: boolean;
  ignoreAlarmConfiguration?: boolean; containerInsights?: ecs.ContainerInsights; } = {}): MockService {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, containerInsightsV2: options.containerInsights });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'LoadBalancer', { vpc, internetFacing: true });
  const targetGroupProps: elbv2.ApplicationTargetGroupProps = { vpc, port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.IP };
  const blue = new elbv2.ApplicationTargetGroup(stack, 'Blue', targetGroupProps);
  const green = new elbv2.ApplicationTargetGroup(stack, 'Green', targetGroupProps);
  const listener = loadBalancer.addListener('Production', { port: 80, defaultTargetGroups: [blue] });
  const testListener = loadBalancer.addListener('Test', { port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, defaultTargetGroups: [green] });

  const logGroup = new logs.LogGroup(stack, 'Logs');
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TaskDefinition');
  taskDefinition.addContainer('web', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    portMappings: [{ containerPort: 8080 }],
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'web' }),
  });
  const service = new ecs.FargateService(stack, 'Service', {
    cluster,
    taskDefinition,
    deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY },
    minHealthyPercent: 100,
  });
  service.attachToApplicationTargetGroup(blue);

  const deploymentGroup = new codedeploy.EcsDeploymentGroup(stack, 'DeploymentGroup', {
    service,
    blueGreenDeploymentConfig: { blueTargetGroup: blue, greenTargetGroup: green, listener, testListener },
    autoRollback: options.autoRollback,
    ignorePollAlarmsFailure: options.ignorePollAlarmsFailure,
    ignoreAlarmConfiguration: options.ignoreAlarmConfiguration,
  });
  return { vpc, loadBalancer, blue, green, service, logGroup, deploymentGroup };
}
