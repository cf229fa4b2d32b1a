import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  BlueGreenService, CustomHook, DeploymentEngine, ExpectedVersion, LifecycleEvent, MetricGateHook, MigrationHook, PreflightHook, SmokeCheck,
  SmokeTestHook, VersionSource,
} from '../../lib';
import { Statement, actionsOf, allowing, policyStatements, resourcesOf, statementsOf } from '../hooks/util';
import { expectSynthError } from '../synth-errors';
import { mockCluster, serviceIn, testImage, testStack } from '../util';

/** A lifecycle hook of the ECS service as the template has it. */
interface RenderedHook {
  readonly TargetType?: string;
  readonly HookTargetArn?: { 'Fn::GetAtt': [string, string] };
  readonly LifecycleStages: string[];
  readonly RoleArn?: unknown;
  readonly HookDetails?: { hookName: string; serviceName: string; configuration: Record<string, unknown> };
  readonly TimeoutConfiguration?: { TimeoutInMinutes: number; Action?: string };
}

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

function renderedHooks(stack: Stack, template: Template, service: BlueGreenService): RenderedHook[] {
  return template.toJSON().Resources[logicalId(stack, service.service)].Properties.DeploymentConfiguration.LifecycleHooks;
}

function codeDeployActions(statements: Statement[]): string[] {
  return statements.flatMap(actionsOf).filter((action) => action.startsWith('codedeploy:'));
}

/** The hooks that run a function, the approval wait's pause left out. */
function functionHooks(hooks: RenderedHook[]): RenderedHook[] {
  return hooks.filter((hook) => hook.TargetType !== 'PAUSE');
}

/** The rendered hook whose target is `fn`. */
function hookOf(stack: Stack, hooks: RenderedHook[], fn: lambda.IFunction): RenderedHook {
  const id = logicalId(stack, fn);
  const found = hooks.filter((hook) => hook.HookTargetArn?.['Fn::GetAtt'][0] === id);
  expect(found).toHaveLength(1);
  return found[0];
}

/** The statements of the policies attached to the role `roleId`. */
function policiesOfRole(template: Template, roleId: string): Statement[] {
  return [...Object.values(template.findResources('AWS::IAM::Policy')), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy'))]
    .filter((policy) => (policy.Properties.Roles ?? []).some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('hooks on the Amazon ECS engine', () => {
  // One service with every library hook, a hook of the user's and an approval wait, synthesized once.
  let stack: Stack;
  let service: BlueGreenService;
  let template: Template;
  let hooks: RenderedHook[];
  let preflight: PreflightHook;
  let migration: MigrationHook;
  let smokeTest: SmokeTestHook;
  let metricGate: MetricGateHook;
  let custom: CustomHook;
  let approver: iam.Role;
  beforeAll(() => {
    stack = testStack();
    service = serviceIn(stack, { engine: DeploymentEngine.ecs(), approvalWait: Duration.hours(2) });
    preflight = new PreflightHook(stack, 'Preflight', { service });
    migration = new MigrationHook(stack, 'Migrate', { service, command: ['npm', 'run', 'migrate'] });
    smokeTest = new SmokeTestHook(stack, 'SmokeTests', {
      service,
      checks: [
        SmokeCheck.get('/health'),
        SmokeCheck.get('/version', { version: VersionSource.jsonField('version'), expectedVersion: ExpectedVersion.fromDeployedEnvironment() }),
      ],
    });
    metricGate = new MetricGateHook(stack, 'MetricGate', { service });
    const warmCaches = new lambda.Function(stack, 'WarmCachesFunction', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ hookStatus: "SUCCEEDED" });'),
    });
    custom = new CustomHook(stack, 'WarmCaches', { service, function: warmCaches, lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC });
    approver = new iam.Role(stack, 'Approver', { assumedBy: new iam.AccountRootPrincipal() });
    service.grantApproveRelease(approver);
    template = Template.fromStack(stack);
    hooks = renderedHooks(stack, template, service);
  });

  test('each hook runs at the ECS stage matching its lifecycle event', () => {
    expect(hookOf(stack, hooks, preflight.function).LifecycleStages).toEqual(['PRE_SCALE_UP']);
    expect(hookOf(stack, hooks, migration.function).LifecycleStages).toEqual(['POST_SCALE_UP']);
    expect(hookOf(stack, hooks, smokeTest.function).LifecycleStages).toEqual(['POST_TEST_TRAFFIC_SHIFT']);
    expect(hookOf(stack, hooks, metricGate.function).LifecycleStages).toEqual(['POST_PRODUCTION_TRAFFIC_SHIFT']);
    // Before production traffic moves, as CodeDeploy's BeforeAllowTraffic runs.
    expect(hookOf(stack, hooks, custom.function).LifecycleStages).toEqual(['PRE_PRODUCTION_TRAFFIC_SHIFT']);
    // The five functions and the approval wait's pause.
    expect(functionHooks(hooks)).toHaveLength(5);
    expect(hooks).toHaveLength(6);
  });

  test('ECS invokes every hook with the stack\'s deployment role, which may invoke exactly the hook functions', () => {
    const roleArn = { 'Fn::GetAtt': [logicalId(stack, service.deploymentRole as iam.Role), 'Arn'] };
    expect(functionHooks(hooks).map((hook) => hook.RoleArn)).toEqual(functionHooks(hooks).map(() => roleArn));

    const statements = policiesOfRole(template, logicalId(stack, service.deploymentRole as iam.Role));
    expect(statements.every((statement) => statement.Effect === 'Allow' && actionsOf(statement).join() === 'lambda:InvokeFunction')).toBe(true);
    const invoked = statements.flatMap(resourcesOf).map((resource) => JSON.stringify(resource)).sort();
    expect(invoked).toEqual(functionHooks(hooks).map((hook) => JSON.stringify(hook.HookTargetArn)).sort());
    expect(invoked).not.toContain('"*"');
  });

  test('a library hook passes its configuration as its details; the user\'s function passes none', () => {
    expect(hookOf(stack, hooks, preflight.function).HookDetails).toEqual({ hookName: 'orders-api pre-flight', serviceName: 'orders-api', configuration: expect.any(Object) });
    expect(hookOf(stack, hooks, migration.function).HookDetails).toEqual({ hookName: 'orders-api migration', serviceName: 'orders-api', configuration: expect.any(Object) });
    expect(hookOf(stack, hooks, smokeTest.function).HookDetails).toEqual({ hookName: 'orders-api smoke test', serviceName: 'orders-api', configuration: expect.any(Object) });
    expect(hookOf(stack, hooks, metricGate.function).HookDetails).toEqual({ hookName: 'orders-api metric gate', serviceName: 'orders-api', configuration: expect.any(Object) });
    expect(hookOf(stack, hooks, custom.function).HookDetails).toBeUndefined();
    expect(hookOf(stack, hooks, migration.function).HookDetails!.configuration).toMatchObject({ command: ['npm', 'run', 'migrate'], containerName: 'web' });
  });

  test('the library hooks run on functions shared by the stack\'s ECS services, with the ECS entry point', () => {
    const shared = { Preflight: preflight, Migration: migration, SmokeTest: smokeTest, MetricGate: metricGate };
    for (const [kind, hook] of Object.entries(shared)) {
      expect(hook.function.node.scope!.node.id).toBe(`CdkEcsRelease${kind}EcsHook`);
      expect(hook.function.node.scope!.node.scope).toBe(stack);
      expect(template.toJSON().Resources[logicalId(stack, hook.function)].Properties.Handler).toBe('index.ecsHandler');
    }
  });

  test('no SSM parameter holds a hook\'s configuration, which ECS passes in the hook\'s details', () => {
    template.resourceCountIs('AWS::SSM::Parameter', 0);
  });

  test('ECS reads a hook\'s status from its answer: no hook role may call CodeDeploy', () => {
    for (const hook of [preflight, metricGate, custom]) {
      expect(codeDeployActions(statementsOf(stack, template, hook.function))).toEqual([]);
    }
    // Nobody in the stack may report a hook's status to CodeDeploy.
    expect(allowing(policyStatements(template), 'codedeploy:PutLifecycleEventHookExecutionStatus')).toEqual([]);
  });

  // Its ECS runtime reads the green task definition from the service revision, never from CodeDeploy.
  test('the migration may not read CodeDeploy deployments on the ECS engine', () => {
    expect(codeDeployActions(statementsOf(stack, template, migration.function))).toEqual([]);
  });

  // On ECS the version comes from the event's targetServiceRevisionArn.
  test('a smoke test with a version check may not read CodeDeploy deployments on the ECS engine', () => {
    expect(codeDeployActions(statementsOf(stack, template, smokeTest.function))).toEqual([]);
  });

  test('the metric gate finds green from the production rule, which it may describe', () => {
    const configuration = hookOf(stack, hooks, metricGate.function).HookDetails!.configuration;
    expect(configuration.productionListenerRuleArn).toEqual({ Ref: logicalId(stack, service.productionListenerRule!) });
    // It compares green with blue over the window of the service's strategy: the default canary.
    expect(configuration).toMatchObject({ trafficShift: 'canary', bakeWindowSeconds: 300 });
    expect(allowing(statementsOf(stack, template, metricGate.function), 'elasticloadbalancing:DescribeRules')).toHaveLength(1);
  });

  test('the pre-flight hook is given the rollback alarms\' names, as no deployment group lists them', () => {
    const configuration = hookOf(stack, hooks, preflight.function).HookDetails!.configuration;
    const deploymentAlarms = template.toJSON().Resources[logicalId(stack, service.service)].Properties.DeploymentConfiguration.Alarms.AlarmNames;
    expect(configuration).toEqual({ readDeploymentGroupAlarms: false, alarmNames: deploymentAlarms });
    expect(deploymentAlarms.length).toBeGreaterThan(0);
  });

  test('the approval wait is a pause at POST_TEST_TRAFFIC_SHIFT that rolls back when the wait runs out', () => {
    const pauses = hooks.filter((hook) => hook.TargetType === 'PAUSE');
    expect(pauses).toEqual([{
      TargetType: 'PAUSE',
      LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
      TimeoutConfiguration: { TimeoutInMinutes: 120, Action: 'ROLLBACK' },
    }]);
    // ECS holds the deployment itself: no function, no parameter, nothing for the role to invoke.
    expect(Object.keys(template.toJSON().Outputs).filter((id) => /Approval/.test(id))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => /Approval/.test(id))).toEqual([]);
  });

  test('grantApproveRelease lets a role continue the service\'s deployments, and find the waiting one, only', () => {
    const statements = policiesOfRole(template, logicalId(stack, approver));
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]).sort()).toEqual(['ecs:ContinueServiceDeployment', 'ecs:DescribeServiceDeployments']);
    const resource = JSON.stringify(statements[0].Resource);
    expect(resource).toContain(':service-deployment/');
    expect(resource).toContain(JSON.stringify({ Ref: logicalId(stack, service.cluster as never) }));
    expect(resource).toContain(JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, service.service), 'Name'] }));
    expect(resource).toMatch(/\/\*"\]\]\}$/);
    expect(codeDeployActions(statements)).toEqual([]);
  });
});

describe('hooks of services on both engines in one stack', () => {
  test('a CodeDeploy-engine and an ECS-engine service get separate shared functions, each with its engine\'s entry point', () => {
    const stack = testStack();
    const { cluster } = mockCluster(stack);
    const onCodeDeploy = new BlueGreenService(stack, 'Billing', { cluster, image: testImage });
    const onEcs = new BlueGreenService(stack, 'Orders', { cluster, image: testImage, engine: DeploymentEngine.ecs(), approvalWait: Duration.minutes(90) });
    const codeDeployHook = new PreflightHook(stack, 'BillingPreflight', { service: onCodeDeploy });
    const ecsHook = new PreflightHook(stack, 'OrdersPreflight', { service: onEcs });
    const template = Template.fromStack(stack);

    expect(codeDeployHook.function).not.toBe(ecsHook.function);
    expect(codeDeployHook.function.node.scope!.node.id).toBe('CdkEcsReleasePreflightHook');
    expect(ecsHook.function.node.scope!.node.id).toBe('CdkEcsReleasePreflightEcsHook');
    const handler = (fn: lambda.IFunction) => template.toJSON().Resources[logicalId(stack, fn)].Properties.Handler;
    expect(handler(codeDeployHook.function)).toBe('index.handler');
    expect(handler(ecsHook.function)).toBe('index.ecsHandler');
    // The CodeDeploy engine keeps its service's configuration parameter; the ECS engine adds none.
    template.resourceCountIs('AWS::SSM::Parameter', 1);
    const timeouts = renderedHooks(stack, template, onEcs).map((hook) => hook.TimeoutConfiguration?.TimeoutInMinutes);
    expect(timeouts).toEqual([90, undefined]);
  });
});

describe('the deployment role of a stack\'s services on the Amazon ECS engine', () => {
  test('is one role, which lists each shared hook function once and a service\'s own hook function beside them', () => {
    const stack = testStack();
    const { cluster } = mockCluster(stack);
    const services = ['Orders', 'Payments'].map((id) => new BlueGreenService(stack, id, { cluster, image: testImage, engine: DeploymentEngine.ecs() }));
    const smokeTests = services.map((service) => new SmokeTestHook(stack, `${service.node.id}SmokeTests`, { service, checks: [SmokeCheck.get('/health')] }));
    const own = new lambda.Function(stack, 'PaymentsCheck', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });
    new CustomHook(stack, 'PaymentsCustom', { service: services[1], function: own, lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC });
    const template = Template.fromStack(stack);

    expect(services[0].deploymentRole).toBe(services[1].deploymentRole);
    expect(services[0].deploymentRole!.node.id).toBe('CdkEcsReleaseEcsDeploymentRole');
    expect(services[0].deploymentRole!.node.scope).toBe(stack);
    const roleId = logicalId(stack, services[0].deploymentRole as iam.Role);
    const roleArn = { 'Fn::GetAtt': [roleId, 'Arn'] };
    for (const service of services) {
      const serviceHooks = functionHooks(renderedHooks(stack, template, service));
      expect(serviceHooks.map((hook) => hook.RoleArn)).toEqual(serviceHooks.map(() => roleArn));
    }
    const statements = policiesOfRole(template, roleId);
    const invoked = statements.flatMap(resourcesOf).map((resource) => JSON.stringify(resource)).sort();
    // The two services' smoke tests run on one shared function: it is listed once.
    expect(smokeTests[0].function).toBe(smokeTests[1].function);
    expect(invoked).toEqual([smokeTests[0].function, own].map((fn) => JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, fn), 'Arn'] })).sort());
    expect(statements.flatMap(actionsOf).every((action) => action === 'lambda:InvokeFunction')).toBe(true);
    const ecsRoles = Object.values(template.findResources('AWS::IAM::Role'))
      .filter((role) => JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('"ecs.amazonaws.com"'));
    expect(ecsRoles).toHaveLength(1);
  });
});

describe('the approval wait and hooks added late on the Amazon ECS engine', () => {
  test('fails when approvalWait is a deploy-time value, which the pause hook cannot count down', () => {
    const stack = testStack();
    expectSynthError(stack, () => serviceIn(stack, {
      engine: DeploymentEngine.ecs(),
      approvalWait: Duration.minutes(Lazy.number({ produce: () => 60 })),
    }), 'TestStack/Orders: invalid approvalWait: must be a literal duration on the Amazon ECS engine, whose pause hook takes it as its timeout');
  });

  test('fails when a second hook takes a lifecycle event already taken, as on CodeDeploy, so that hooks work on both engines', () => {
    const stack = testStack();
    const service = serviceIn(stack, { engine: DeploymentEngine.ecs() });
    new MigrationHook(stack, 'Migrate', { service, command: ['migrate'] });
    const seed = lambda.Function.fromFunctionArn(stack, 'Seed', 'arn:aws:lambda:eu-west-1:111111111111:function:seed');
    expectSynthError(stack, () => new CustomHook(stack, 'SeedHook', { service, function: seed, lifecycleEvent: LifecycleEvent.AFTER_INSTALL }),
      'TestStack/Orders: invalid hook: AfterInstall already runs TestStack/Migrate, cannot also run TestStack/SeedHook');
  });

  // On the ECS engine an alarm added afterwards rolls deployments back, so the pre-flight check reads it too.
  test('the pre-flight hook also checks a rollback alarm added after it', () => {
    const stack = testStack();
    const service = serviceIn(stack, { engine: DeploymentEngine.ecs() });
    const preflight = new PreflightHook(stack, 'Preflight', { service });
    service.addRollbackAlarm(cloudwatch.Alarm.fromAlarmName(stack, 'Payments', 'payments: error rate'));
    const template = Template.fromStack(stack);
    const hooks = renderedHooks(stack, template, service);
    const deploymentAlarms = template.toJSON().Resources[logicalId(stack, service.service)].Properties.DeploymentConfiguration.Alarms.AlarmNames;
    expect(deploymentAlarms).toContain('payments: error rate');
    expect(hookOf(stack, hooks, preflight.function).HookDetails!.configuration.alarmNames).toEqual(deploymentAlarms);
  });
});
