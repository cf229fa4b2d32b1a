import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * What a user writes with aws-cdk-lib L2 constructs alone to get the resources of one
 * `BlueGreenService` with the library's defaults: the baseline the synth benchmark compares to.
 */
export class HandwrittenBlueGreenStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs', {
        retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.RETAIN,
      })),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.RETAIN });
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', { cpu: 256, memoryLimitMiB: 512 });
    taskDefinition.addContainer('web', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
      environment: { LOG_LEVEL: 'info' },
      portMappings: [{ containerPort: 8080 }],
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'orders-api' }),
    });

    const alb = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', { vpc, internetFacing: true, dropInvalidHeaderFields: true });
    const targetGroupProps: elbv2.ApplicationTargetGroupProps = {
      vpc,
      port: 8080,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { path: '/health', interval: Duration.seconds(15), healthyThresholdCount: 2, unhealthyThresholdCount: 3, healthyHttpCodes: '200-399' },
    };
    const blue = new elbv2.ApplicationTargetGroup(this, 'Blue', targetGroupProps);
    const green = new elbv2.ApplicationTargetGroup(this, 'Green', targetGroupProps);
    const listener = alb.addListener('Production', { port: 80, defaultTargetGroups: [blue], open: true });
    const testListener = alb.addListener('Test', { port: 8080, defaultTargetGroups: [green], open: false });
    alb.connections.allowFrom(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(8080));

    const service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: 2,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY },
      assignPublicIp: false,
    });
    service.attachToApplicationTargetGroup(blue);
    service.connections.allowFrom(alb, ec2.Port.tcp(8080));

    const deploymentGroup = new codedeploy.EcsDeploymentGroup(this, 'DeploymentGroup', {
      service,
      deploymentConfig: codedeploy.EcsDeploymentConfig.CANARY_10PERCENT_5MINUTES,
      blueGreenDeploymentConfig: {
        blueTargetGroup: blue,
        greenTargetGroup: green,
        listener,
        testListener,
        terminationWaitTime: Duration.minutes(30),
      },
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    deploymentGroup.node.addDependency(listener, testListener);

    // Rollback alarms over both target groups, since blue and green swap on every deployment.
    const metric = (tg: elbv2.ApplicationTargetGroup, name: string, statistic: string) => new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: name,
      statistic,
      period: Duration.minutes(1),
      dimensionsMap: { LoadBalancer: alb.loadBalancerFullName, TargetGroup: tg.targetGroupFullName },
    });
    const alarmProps = { evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING };
    const errorRate = new cloudwatch.MathExpression({
      expression: 'MAX([IF(FILL(r1, 0) >= 20, 100 * FILL(e1, 0) / r1, 0), IF(FILL(r2, 0) >= 20, 100 * FILL(e2, 0) / r2, 0)])',
      usingMetrics: {
        r1: metric(blue, 'RequestCount', 'Sum'), e1: metric(blue, 'HTTPCode_Target_5XX_Count', 'Sum'),
        r2: metric(green, 'RequestCount', 'Sum'), e2: metric(green, 'HTTPCode_Target_5XX_Count', 'Sum'),
      },
      period: Duration.minutes(1),
    });
    const p99 = new cloudwatch.MathExpression({
      expression: 'MAX([IF(FILL(r1, 0) >= 20, FILL(l1, 0), 0), IF(FILL(r2, 0) >= 20, FILL(l2, 0), 0)])',
      usingMetrics: {
        r1: metric(blue, 'RequestCount', 'Sum'), l1: metric(blue, 'TargetResponseTime', 'p99'),
        r2: metric(green, 'RequestCount', 'Sum'), l2: metric(green, 'TargetResponseTime', 'p99'),
      },
      period: Duration.minutes(1),
    });
    const unhealthy = new cloudwatch.MathExpression({
      expression: 'MAX([FILL(u1, 0), FILL(u2, 0)])',
      usingMetrics: { u1: metric(blue, 'UnHealthyHostCount', 'Maximum'), u2: metric(green, 'UnHealthyHostCount', 'Maximum') },
      period: Duration.minutes(1),
    });
    const fatalMetric = { metricNamespace: 'EcsRelease', metricName: 'FatalLogLines', metricValue: '1', defaultValue: 0 };
    new logs.MetricFilter(this, 'FatalText', { logGroup, filterPattern: logs.FilterPattern.literal('"FATAL"'), ...fatalMetric });
    const fatalJson = new logs.MetricFilter(this, 'FatalJson', {
      logGroup, filterPattern: logs.FilterPattern.literal('{ ($.level = "fatal") || ($.level = "FATAL") }'), ...fatalMetric,
    });
    const alarms = [
      errorRate.createAlarm(this, 'ErrorRate', { ...alarmProps, threshold: 1, alarmName: 'orders-api: 5xx rate > 1% for 2 min' }),
      new cloudwatch.Alarm(this, 'Latency', {
        ...alarmProps,
        metric: new cloudwatch.MathExpression({ expression: 'ANOMALY_DETECTION_BAND(m0, 3)', usingMetrics: { m0: p99 }, period: Duration.minutes(1) }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
      }),
      unhealthy.createAlarm(this, 'Unhealthy', { ...alarmProps, threshold: 0 }),
      fatalJson.metric({ statistic: 'Sum', period: Duration.minutes(1) }).createAlarm(this, 'Fatal', {
        evaluationPeriods: 1, threshold: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      }),
      new cloudwatch.MathExpression({
        expression: 'IF(desired > 0, 100 * running / desired, 100)',
        usingMetrics: {
          running: new cloudwatch.Metric({ namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', statistic: 'Average',
            dimensionsMap: { ClusterName: cluster.clusterName, ServiceName: service.serviceName } }),
          desired: new cloudwatch.Metric({ namespace: 'ECS/ContainerInsights', metricName: 'DesiredTaskCount', statistic: 'Average',
            dimensionsMap: { ClusterName: cluster.clusterName, ServiceName: service.serviceName } }),
        },
        period: Duration.minutes(1),
      }).createAlarm(this, 'RunningTasks', {
        evaluationPeriods: 3, datapointsToAlarm: 3, threshold: 100, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      }),
    ];
    alarms.forEach((alarm) => deploymentGroup.addAlarm(alarm));

    new CfnOutput(this, 'Url', { value: `http://${alb.loadBalancerDnsName}` });
    new CfnOutput(this, 'TestUrl', { value: `http://${alb.loadBalancerDnsName}:8080` });
  }
}
