/**
 * The options a platform team sets on day one: architecture, capacity providers, ECS Exec,
 * health checks, physical names, deletion protection and a WAF web ACL.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BlueGreenService, BlueGreenServiceProps, DeploymentEngine, SharedLoadBalancer } from '../../lib';
import { synthesisMessages } from '../synth-errors';
import { testImage } from '../util';

const WEB_ACL = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/orders/1a2b3c4d-5678-90ab-cdef-EXAMPLE11111';

function build(props: Partial<BlueGreenServiceProps> = {}): { app: App; stack: Stack; service: BlueGreenService } {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Options', { env: { account: '123456789012', region: 'eu-west-1' } });
  const service = new BlueGreenService(stack, 'Orders', { image: testImage, serviceName: 'orders-api', ...props });
  return { app, stack, service };
}

const templateOf = (props: Partial<BlueGreenServiceProps>) => Template.fromStack(build(props).stack);

describe('day-one service options', () => {
  test('ARM64 tasks: the task definition names the architecture; without it the task definition stays as it was', () => {
    templateOf({ cpuArchitecture: ecs.CpuArchitecture.ARM64 }).hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    templateOf({}).hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: Match.absent() });
  });

  test('capacity providers: the service takes the strategy instead of the launch type, and a cluster created here gets Fargate\'s providers', () => {
    const strategies = [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 }];
    const template = templateOf({ capacityProviderStrategies: strategies });
    template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Base: 1, Weight: 1 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 3 }],
      LaunchType: Match.absent(),
    });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', { CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']) });
  });

  test('ECS Exec: on the service, its four ssmmessages actions in the task role\'s acknowledged wildcard policy, not its default policy', () => {
    const { app, stack } = build({ enableExecuteCommand: true });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::Service', { EnableExecuteCommand: true });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^OrdersTaskDefinitionTaskRole') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(['ssmmessages:CreateControlChannel', 'ssmmessages:OpenDataChannel']), Resource: '*' })] },
    });
    const defaultPolicies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^OrdersTaskDefinitionTaskRole') }] } });
    expect(JSON.stringify(defaultPolicies)).not.toContain('ssmmessages');
    const findings = new AwsSolutionsChecks(app).validateScope(app).violations.filter((v) => v.ruleName.includes('IAM5')
      && v.violatingResources.some((r) => (r.constructPath ?? '').includes('TaskRole')));
    expect(findings).toEqual([]);
  });

  test('health checks: grace period, thresholds and success codes', () => {
    const template = templateOf({ healthCheckGracePeriod: Duration.minutes(3), healthyThresholdCount: 3, unhealthyThresholdCount: 5, healthyHttpCodes: '200,204' });
    template.hasResourceProperties('AWS::ECS::Service', { HealthCheckGracePeriodSeconds: 180 });
    template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthyThresholdCount: 3, UnhealthyThresholdCount: 5, Matcher: { HttpCode: '200,204' },
    }, 2);
  });

  test('physical names for the task role, the execution role and the log group', () => {
    const template = templateOf({ taskRoleName: 'orders-api-task', executionRoleName: 'orders-api-execution', logGroupName: '/ecs/orders-api' });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'orders-api-task' });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'orders-api-execution' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/ecs/orders-api' });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      TaskRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersTaskRole'), 'Arn'] },
      ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersExecutionRole'), 'Arn'] },
    });
  });

  test('deletion protection and a WAF web ACL on the load balancer, the service\'s own or a shared one', () => {
    const template = templateOf({ deletionProtection: true, webAclArn: WEB_ACL });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: { Ref: Match.stringLikeRegexp('^OrdersLoadBalancer') }, WebACLArn: WEB_ACL });

    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Network');
    new SharedLoadBalancer(stack, 'Edge', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }), deletionProtection: true, webAclArn: WEB_ACL });
    Template.fromStack(stack).resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
});

describe('day-one service option input', () => {
  const loadBalancerOf = (stack: Stack) => new elbv2.ApplicationLoadBalancer(stack, 'Given', { vpc: new ec2.Vpc(stack, 'GivenVpc', { maxAzs: 2, natGateways: 1 }) });
  test.each<[string, Partial<BlueGreenServiceProps>, string]>([
    ['an EC2 capacity provider', { capacityProviderStrategies: [{ capacityProvider: 'my-asg', weight: 1 }] },
      'Options/Orders: invalid capacityProviderStrategies: names \'my-asg\', but a Fargate service runs on FARGATE or FARGATE_SPOT only'],
    ['a provider twice', { capacityProviderStrategies: [{ capacityProvider: 'FARGATE', weight: 1 }, { capacityProvider: 'FARGATE', weight: 2 }] },
      'Options/Orders: invalid capacityProviderStrategies: names a capacity provider twice; give each one once'],
    ['two bases', { capacityProviderStrategies: [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', base: 1, weight: 1 }] },
      'Options/Orders: invalid capacityProviderStrategies: gives a base to more than one capacity provider; ECS takes a base for one only'],
    ['no weight', { capacityProviderStrategies: [{ capacityProvider: 'FARGATE_SPOT' }] },
      'Options/Orders: invalid capacityProviderStrategies: gives every capacity provider weight 0, so no task beyond the base would be placed; give one a weight, e.g. 1'],
    ['a threshold of 1', { healthyThresholdCount: 1 },
      'Options/Orders: invalid healthyThresholdCount: must be an integer between 2 and 10, got 1; the load balancer counts 2 to 10 checks in a row'],
    ['success codes above 499', { healthyHttpCodes: '200-599' },
      'Options/Orders: invalid healthyHttpCodes: \'200-599\' is not what the load balancer takes: HTTP codes from 200 to 499, or ranges, comma-separated, e.g. \'200\', \'200-299\' or \'200,302\''],
    ['a reversed range', { healthyHttpCodes: '299-200' },
      'Options/Orders: invalid healthyHttpCodes: \'299-200\' is not what the load balancer takes: HTTP codes from 200 to 499, or ranges, comma-separated, e.g. \'200\', \'200-299\' or \'200,302\''],
    ['a role name with a space', { taskRoleName: 'orders task' },
      'Options/Orders: invalid taskRoleName: \'orders task\' is not a valid name; IAM takes 1-64 letters, digits and +=,.@_-, e.g. \'orders-api-task\''],
    ['a log group name with a colon', { logGroupName: 'ecs:orders' },
      'Options/Orders: invalid logGroupName: \'ecs:orders\' is not a valid name; CloudWatch Logs takes 1-512 letters, digits and ._-/#, e.g. \'/ecs/orders-api\''],
    ['a CloudFront web ACL', { webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/orders/1a2b' },
      'Options/Orders: invalid webAclArn: \'arn:aws:wafv2:us-east-1:123456789012:global/webacl/orders/1a2b\' is not the ARN of a regional AWS WAF web ACL, '
      + 'which a load balancer takes; e.g. arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/orders/1a2b3c4d-5678-90ab-cdef-EXAMPLE11111 (a CLOUDFRONT web ACL cannot be associated)'],
    ['a grace period of a fraction of a second', { healthCheckGracePeriod: Duration.millis(1500) }, 'Options/Orders: invalid healthCheckGracePeriod: '],
  ])('%s is refused, naming the prop and the fix', (_, props, message) => {
    const { app } = build(props);
    const messages = synthesisMessages(app);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(message);
  });

  test('deletion protection for a load balancer given to the service is refused: the library cannot set it there', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Options');
    const loadBalancer = loadBalancerOf(stack);
    new BlueGreenService(stack, 'Orders', { image: testImage, vpc: loadBalancer.vpc, loadBalancer, deletionProtection: true, engine: DeploymentEngine.ecs() });
    expect(synthesisMessages(app)).toEqual([
      'Options/Orders: invalid deletionProtection: applies to a load balancer created here, and loadBalancer is given; set it on that load balancer, or remove it',
    ]);
  });
});
