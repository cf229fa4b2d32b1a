import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BlueGreenService, BlueGreenServiceProps, DeploymentEngine, DeploymentEngineKind, TrafficShifting } from '../../lib';
import { mockCluster, serviceIn, testImage, testStack } from '../util';

/** A service on the Amazon ECS engine, synthesized once per describe that reads it. */
interface EcsFixture {
  readonly stack: Stack;
  readonly service: BlueGreenService;
  readonly template: Template;
}

function ecsFixture(props: Partial<BlueGreenServiceProps> = {}): EcsFixture {
  const stack = testStack();
  const service = serviceIn(stack, { engine: DeploymentEngine.ecs(), ...props });
  return { stack, service, template: Template.fromStack(stack) };
}

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

/** The one ECS service of the template with the logical id `id`. */
function serviceProperties(template: Template, id: string): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return template.toJSON().Resources[id].Properties;
}

describe('BlueGreenService on the Amazon ECS engine', () => {
  let fixture: EcsFixture;
  let serviceId: string;
  beforeAll(() => {
    fixture = ecsFixture();
    serviceId = logicalId(fixture.stack, fixture.service.service);
  });

  test('uses the ECS deployment controller with the default canary of 10% for 5 minutes and a bake time of 60 minutes', () => {
    const { service, template } = fixture;
    expect(service.engine.kind).toBe(DeploymentEngineKind.ECS);
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentController: { Type: 'ECS' },
      DeploymentConfiguration: Match.objectLike({
        Strategy: 'CANARY',
        CanaryConfiguration: { CanaryPercent: 10, CanaryBakeTimeInMinutes: 5 },
        LinearConfiguration: Match.absent(),
        BakeTimeInMinutes: 60,
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      }),
    });
  });

  test('creates nothing of CodeDeploy, and links to the service\'s deployments in the Amazon ECS console', () => {
    const { stack, service, template } = fixture;
    const codeDeploy = Object.values(template.toJSON().Resources as Record<string, { Type: string }>)
      .filter((resource) => resource.Type.startsWith('AWS::CodeDeploy::'));
    expect(codeDeploy).toEqual([]);
    expect(service.deploymentGroup).toBeUndefined();
    expect(service.application).toBeUndefined();
    expect(service.deploymentGroupConsoleUrl).toBeUndefined();

    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs.filter((id) => id.includes('DeploymentsConsoleUrl'))).toHaveLength(1);
    expect(outputs.filter((id) => id.includes('DeploymentGroupConsoleUrl'))).toEqual([]);

    const url = JSON.stringify(stack.resolve(service.deploymentsConsoleUrl));
    expect(url).toContain('.console.aws.amazon.com/ecs/v2/clusters/');
    expect(url).toContain('/deployments?region=');
    expect(url).toContain(JSON.stringify({ 'Fn::GetAtt': [serviceId, 'Name'] }));
    expect(url).not.toContain('codedeploy');
  });

  test('registers blue as the target group and green as the alternate one, shifted on the two rules with the deployment role', () => {
    const { stack, service, template } = fixture;
    const loadBalancers = serviceProperties(template, serviceId).LoadBalancers;
    expect(loadBalancers).toEqual([{
      ContainerName: 'web',
      ContainerPort: 8080,
      TargetGroupArn: { Ref: logicalId(stack, service.blueTargetGroup) },
      AdvancedConfiguration: {
        AlternateTargetGroupArn: { Ref: logicalId(stack, service.greenTargetGroup) },
        ProductionListenerRule: { Ref: logicalId(stack, service.productionListenerRule!) },
        TestListenerRule: { Ref: logicalId(stack, service.testListenerRule!) },
        RoleArn: { 'Fn::GetAtt': [logicalId(stack, service.deploymentRole as iam.Role), 'Arn'] },
      },
    }]);
  });

  test('the deployment role is trusted by Amazon ECS and carries the load balancer policy AWS documents for it', () => {
    const { stack, service, template } = fixture;
    const role = template.toJSON().Resources[logicalId(stack, service.deploymentRole as iam.Role)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' } },
    ]);
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain(':iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers');
    expect(role.Properties.ManagedPolicyArns).toHaveLength(1);
  });

  test('both listeners answer 404 by default, so that only the rules ECS shifts route anything', () => {
    const { stack, service, template } = fixture;
    for (const listener of [service.productionListener, service.testListener]) {
      const properties = template.toJSON().Resources[logicalId(stack, listener)].Properties;
      expect(properties.DefaultActions).toEqual([{
        Type: 'fixed-response',
        FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'no route' },
      }]);
    }
  });

  test('each listener has one rule, priority 1 on /*, forwarding to blue weighted 100 and green weighted 0', () => {
    const { stack, service, template } = fixture;
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 2);
    const rules: Array<[elbv2.ApplicationListenerRule, elbv2.ApplicationListener]> = [
      [service.productionListenerRule!, service.productionListener],
      [service.testListenerRule!, service.testListener],
    ];
    for (const [rule, listener] of rules) {
      expect(template.toJSON().Resources[logicalId(stack, rule)].Properties).toEqual({
        ListenerArn: { Ref: logicalId(stack, listener) },
        Priority: 1,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        Actions: [{
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: { Ref: logicalId(stack, service.blueTargetGroup) }, Weight: 100 },
              { TargetGroupArn: { Ref: logicalId(stack, service.greenTargetGroup) }, Weight: 0 },
            ],
          },
        }],
      });
    }
  });

  test('the service waits for both rules: ECS refuses a target group no listener forwards to', () => {
    const { stack, service, template } = fixture;
    const dependsOn = template.toJSON().Resources[serviceId].DependsOn as string[];
    expect(dependsOn).toEqual(expect.arrayContaining([
      logicalId(stack, service.productionListenerRule!),
      logicalId(stack, service.testListenerRule!),
    ]));
  });

  test('the rollback alarms are the service\'s deployment alarms, by their literal names, with rollback', () => {
    const { service, template } = fixture;
    const alarms = serviceProperties(template, serviceId).DeploymentConfiguration.Alarms;
    expect(alarms).toEqual({ AlarmNames: expect.any(Array), Enable: true, Rollback: true });
    // Literal strings: a reference to the running-task alarm, which refers to the service, would be a cycle.
    expect(alarms.AlarmNames.every((name: unknown) => typeof name === 'string')).toBe(true);
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties.AlarmName);
    expect(alarms.AlarmNames).toEqual(names);
    expect(alarms.AlarmNames).toContain('orders-api: 5xx rate > 1% for 2 min (TestStack)');
    expect(service.rollbackAlarms!.deploymentGroupAlarms).toHaveLength(names.length);
  });

  test('keeps no task-set guard: ECS has no task sets, and its deployment alarms see a failing revision', () => {
    const { service, template } = fixture;
    expect(service.rollbackAlarms!.failedTaskSetGuard).toBeUndefined();
    const ids = Object.keys(template.toJSON().Resources);
    expect(ids.filter((id) => /TaskSetGuard/i.test(id))).toEqual([]);
    const handlers = Object.values(template.findResources('AWS::Lambda::Function'))
      .map((fn) => JSON.stringify(fn.Properties.Code) + String(fn.Properties.Handler));
    expect(handlers.filter((text) => text.includes('task-set-guard'))).toEqual([]);
  });

  test('previewAppSpec() and the pipeline\'s _renderAppSpec() throw: a release on the Amazon ECS engine is a stack update, not an AppSpec', () => {
    expect(() => fixture.service.previewAppSpec()).toThrow(
      'TestStack/Orders: previewAppSpec() has no AppSpec to render on the Amazon ECS engine');
    expect(() => fixture.service._renderAppSpec()).toThrow(
      'TestStack/Orders: _renderAppSpec() has no AppSpec to render on the Amazon ECS engine');
  });
});

describe('the deployment strategy on the Amazon ECS engine', () => {
  // One stack for the strategies, each service on the same cluster: one synthesis serves them all.
  let template: Template;
  let ids: Record<'linear' | 'allAtOnce' | 'canary', string>;
  beforeAll(() => {
    const stack = testStack();
    const { cluster } = mockCluster(stack);
    const service = (id: string, props: Partial<BlueGreenServiceProps>) => new BlueGreenService(stack, id, {
      cluster, image: testImage, engine: DeploymentEngine.ecs(), ...props,
    });
    const linear = service('Linear', { trafficShifting: TrafficShifting.linear(20, Duration.minutes(2)), terminationWait: Duration.minutes(10) });
    const allAtOnce = service('AllAtOnce', { trafficShifting: TrafficShifting.allAtOnce(), terminationWait: Duration.minutes(0) });
    const canary = service('Canary', { trafficShifting: TrafficShifting.canary(25, Duration.minutes(15)), terminationWait: Duration.hours(24) });
    template = Template.fromStack(stack);
    ids = {
      linear: logicalId(stack, linear.service),
      allAtOnce: logicalId(stack, allAtOnce.service),
      canary: logicalId(stack, canary.service),
    };
  });

  test('linear(20, 2 minutes) is LINEAR with steps of 20% baked 2 minutes each, and the termination wait is the bake time', () => {
    const configuration = serviceProperties(template, ids.linear).DeploymentConfiguration;
    expect(configuration).toMatchObject({
      Strategy: 'LINEAR',
      LinearConfiguration: { StepPercent: 20, StepBakeTimeInMinutes: 2 },
      BakeTimeInMinutes: 10,
    });
    expect(configuration.CanaryConfiguration).toBeUndefined();
  });

  test('allAtOnce() is BLUE_GREEN, with neither canary nor linear steps', () => {
    const configuration = serviceProperties(template, ids.allAtOnce).DeploymentConfiguration;
    expect(configuration).toMatchObject({ Strategy: 'BLUE_GREEN', BakeTimeInMinutes: 0 });
    expect(configuration.CanaryConfiguration).toBeUndefined();
    expect(configuration.LinearConfiguration).toBeUndefined();
  });

  test('a canary keeps its own percentage and interval, and a bake time of 24 hours, ECS\'s most', () => {
    expect(serviceProperties(template, ids.canary).DeploymentConfiguration).toMatchObject({
      Strategy: 'CANARY',
      CanaryConfiguration: { CanaryPercent: 25, CanaryBakeTimeInMinutes: 15 },
      BakeTimeInMinutes: 1440,
    });
  });
});

describe('deployment alarms on the Amazon ECS engine', () => {
  test('an alarm added after the service with addRollbackAlarm is listed among the deployment alarms', () => {
    const stack = testStack();
    const service = serviceIn(stack, { engine: DeploymentEngine.ecs() });
    service.addRollbackAlarm(new cloudwatch.Alarm(stack, 'QueueDepth', {
      alarmName: 'orders-api: queue depth',
      metric: new cloudwatch.Metric({ namespace: 'Orders', metricName: 'QueueDepth' }),
      threshold: 100,
      evaluationPeriods: 1,
    }));
    service.addRollbackAlarm(cloudwatch.Alarm.fromAlarmName(stack, 'Imported', 'payments: error rate'));
    const template = Template.fromStack(stack);
    const names = serviceProperties(template, logicalId(stack, service.service)).DeploymentConfiguration.Alarms.AlarmNames as string[];
    expect(names.slice(-2)).toEqual(['orders-api: queue depth', 'payments: error rate']);
    expect(names).toContain('orders-api: FATAL log line (TestStack)');
  });

  test('with attachToDeploymentGroup false the alarms are created but no deployment alarm is watched', () => {
    const unattached = (context: Record<string, unknown>) => {
      const stack = new Stack(new App({ builtinCloudFormationValidation: false, context }), 'TestStack');
      const service = serviceIn(stack, { engine: DeploymentEngine.ecs(), rollbackAlarmOptions: { attachToDeploymentGroup: false } });
      const template = Template.fromStack(stack);
      expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThan(0);
      return serviceProperties(template, logicalId(stack, service.service)).DeploymentConfiguration;
    };
    // With the flag cdk.json sets, as users have it: no Alarms block at all.
    const flagged = unattached({ '@aws-cdk/aws-ecs:removeDefaultDeploymentAlarm': true });
    expect(flagged.Alarms).toBeUndefined();
    expect(flagged.Strategy).toBe('CANARY');
    // Without it, aws-cdk-lib writes its default of no alarms, disabled.
    expect(unattached({}).Alarms).toEqual({ AlarmNames: [], Enable: false, Rollback: false });
  });
});

describe('a CodeDeploy-engine service, for contrast', () => {
  test('keeps the CODE_DEPLOY controller, routes by the listeners\' default actions and has no ECS deployment role', () => {
    const stack = testStack();
    const service = serviceIn(stack);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 0);
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
    expect(service.deploymentRole).toBeUndefined();
    expect(service.productionListenerRule).toBeUndefined();
    const properties = serviceProperties(template, logicalId(stack, service.service));
    expect(properties.DeploymentController).toEqual({ Type: 'CODE_DEPLOY' });
    expect(properties.LoadBalancers[0].AdvancedConfiguration).toBeUndefined();
    expect((service.service.node.defaultChild as ecs.CfnService).deploymentController).toEqual({ type: 'CODE_DEPLOY' });
  });
});
