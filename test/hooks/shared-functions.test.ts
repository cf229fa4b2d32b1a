import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  BlueGreenService, ExpectedVersion, MetricGateHook, MigrationHook, PreflightHook, SmokeCheck, SmokeTestHook, VersionSource,
} from '../../lib';
import {
  HOOK_CONFIGURATION_PREFIX, HOOK_CONFIGURATION_PREFIX_ENV, HOOK_KIND_ENV, HOOK_NAME_ENV, HOOK_TOTAL_TIMEOUT_SECONDS_ENV,
} from '../../contract/hook';
import { PREFLIGHT_CONFIG_ENV } from '../../contract/preflight';
import { expectSynthError } from '../synth-errors';
import { testImage } from '../util';
import {
  allowing, environmentOf, functionEnvironmentOf, hookConfigOf, hookConfigurationOf, joinToText, resourcesOf, statementsOf, testStack,
} from './util';

const KINDS = ['Preflight', 'Migration', 'SmokeTest', 'MetricGate'];

/** A service with all four hooks, as the example app has them. */
function releasedService(stack: Stack, cluster: ecs.ICluster, name: string): BlueGreenService {
  const service = new BlueGreenService(stack, name, { cluster, image: testImage, serviceName: `${name.toLowerCase()}-api` });
  new PreflightHook(stack, `${name}Preflight`, { service });
  new MigrationHook(stack, `${name}Migration`, { service, command: ['npm', 'run', 'migrate'] });
  new SmokeTestHook(stack, `${name}SmokeTests`, {
    service,
    checks: [
      SmokeCheck.get('/health'),
      SmokeCheck.get('/version', { version: VersionSource.jsonField('version'), expectedVersion: ExpectedVersion.fromDeployedEnvironment() }),
    ],
  });
  new MetricGateHook(stack, `${name}MetricGate`, { service });
  return service;
}

function stackWithServices(count: number, hooks = true): { stack: Stack; services: BlueGreenService[] } {
  // Past CloudFormation's 500 resources too, so that the counts can be read whatever they come to.
  const app = new App({ context: { '@aws-cdk/core:stackResourceLimit': 2000 }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'TestStack', { env: { region: 'eu-west-1' } });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) });
  const services = Array.from({ length: count }, (_, i) => hooks
    ? releasedService(stack, cluster, `Service${i + 1}`)
    : new BlueGreenService(stack, `Service${i + 1}`, { cluster, image: testImage, serviceName: `service${i + 1}-api` }));
  return { stack, services };
}

/** The hook functions of the library in the template, by the kind they serve. */
function hookFunctionKinds(template: Template): string[] {
  return Object.values(template.findResources('AWS::Lambda::Function'))
    .map((fn) => fn.Properties.Environment?.Variables?.[HOOK_KIND_ENV] as string | undefined)
    .filter((kind): kind is string => kind !== undefined)
    .sort();
}

/**
 * The stacks that tests only read, each built and synthesized once: a stack of services with every
 * hook takes a second or more. A test that adds to its stack builds its own.
 */
const readOnly = new Map<string, { stack: Stack; services: BlueGreenService[]; template: Template }>();
function sharedStackWithServices(count: number, hooks = true): { stack: Stack; services: BlueGreenService[]; template: Template } {
  const key = `${count} ${hooks}`;
  let shared = readOnly.get(key);
  if (!shared) {
    const { stack, services } = stackWithServices(count, hooks);
    shared = { stack, services, template: Template.fromStack(stack) };
    readOnly.set(key, shared);
  }
  return shared;
}

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

describe('hook functions shared by the services of a stack', () => {
  test('two services with all four hooks: one function, role and log group per kind, one configuration parameter per service', () => {
    const { stack, services, template } = sharedStackWithServices(2);

    expect(hookFunctionKinds(template)).toEqual(['metric-gate', 'migration', 'preflight', 'smoke-test']);
    template.resourceCountIs('AWS::SSM::Parameter', 2);
    for (const kind of KINDS) {
      const shared = stack.node.findChild(`CdkEcsRelease${kind}Hook`);
      expect(shared.node.tryFindChild('Resource')).toBeDefined();
      expect(shared.node.tryFindChild('ServiceRole')).toBeDefined();
      expect(shared.node.tryFindChild('LogGroup')).toBeDefined();
    }
    // The smoke test's security group once, admitted on each service's test listener.
    const smokeTest = stack.node.findChild('CdkEcsReleaseSmokeTestHook');
    expect(smokeTest.node.tryFindChild('SecurityGroup')).toBeDefined();
    expect(Object.values(template.findResources('AWS::EC2::SecurityGroup'))
      .filter((group) => String(group.Properties.GroupDescription).startsWith('smoke-test function'))).toHaveLength(1);

    const [first, second] = services;
    for (const service of services) {
      const configuration = hookConfigurationOf(stack, template, service);
      expect(configuration.version).toBe(1);
      expect(configuration.serviceName).toBe(service.serviceName);
      expect(Object.keys(configuration.hooks).sort()).toEqual(['metric-gate', 'migration', 'preflight', 'smoke-test']);
      expect(configuration.hooks.preflight.hookName).toBe(`${service.serviceName} pre-flight`);
      expect(hookConfigOf(stack, template, service, 'preflight').deploymentGroupName)
        .toBe(`<${stack.getLogicalId(service.deploymentGroup!.node.defaultChild as never)}>`);
    }
    expect(hookConfigOf(stack, template, first, 'migration').serviceName).not.toEqual(hookConfigOf(stack, template, second, 'migration').serviceName);

    const parameter = template.toJSON().Resources[stack.getLogicalId(first.node.findChild('HookConfiguration').node.defaultChild as never)];
    expect(parameter.Properties.Tier).toBe('Intelligent-Tiering');
    expect(parameter.Properties.Type).toBe('String');
    expect(joinToText(parameter.Properties.Name)).toBe(`${HOOK_CONFIGURATION_PREFIX}<${stack.getLogicalId(first.application!.node.defaultChild as never)}>/`
      + `<${stack.getLogicalId(first.deploymentGroup!.node.defaultChild as never)}>`);
  });

  test('the shared function names its kind and the parameter prefix, and no service\'s configuration', () => {
    const { stack, services, template } = sharedStackWithServices(1);
    const migration = services[0].hooks.find((hook) => hook instanceof MigrationHook)!;
    const environment = functionEnvironmentOf(stack, template, migration.function);
    expect(environment).toEqual({
      [HOOK_CONFIGURATION_PREFIX_ENV]: HOOK_CONFIGURATION_PREFIX,
      [HOOK_KIND_ENV]: 'migration',
      [HOOK_NAME_ENV]: 'migration',
      [HOOK_TOTAL_TIMEOUT_SECONDS_ENV]: '2100',
    });
    const preflight = (services[0].hooks.find((hook) => hook instanceof PreflightHook) as PreflightHook);
    expect(functionEnvironmentOf(stack, template, preflight.function)).toEqual({
      [HOOK_CONFIGURATION_PREFIX_ENV]: HOOK_CONFIGURATION_PREFIX,
      [HOOK_KIND_ENV]: 'preflight',
      [HOOK_NAME_ENV]: 'preflight',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Refuses to start a deployment while its rollback alarms fire (BeforeInstall hook), for the services of TestStack',
    });
  });

  test('each service\'s grants on a shared role name only that service\'s deployment group, family, roles and parameter', () => {
    const { stack, services, template } = sharedStackWithServices(2);
    const [first, second] = services;
    const migration = first.hooks.find((hook) => hook instanceof MigrationHook)!;
    const statements = statementsOf(stack, template, migration.function);
    const groupArn = (service: BlueGreenService) => stack.resolve(service.deploymentGroup!.deploymentGroupArn);

    for (const action of ['codedeploy:GetDeployment', 'codedeploy:PutLifecycleEventHookExecutionStatus']) {
      // Merged into one statement or not, each group is named, and no other.
      expect(allowing(statements, action).flatMap(resourcesOf).sort()).toEqual([groupArn(first), groupArn(second)].sort());
    }
    // Statements with the same actions merge into one that lists each service's resources: the role may do what
    // each service's grant allows, on that service's resources, and on nothing else.
    const roleIds = (service: BlueGreenService) => [service.taskDefinition.taskRole, service.taskDefinition.executionRole!]
      .map((role) => ({ 'Fn::GetAtt': [stack.getLogicalId(role.node.defaultChild as never), 'Arn'] }));
    expect(allowing(statements, 'iam:PassRole').flatMap(resourcesOf).map((r) => stack.resolve(r)).sort(byJson))
      .toEqual(services.flatMap(roleIds).sort(byJson));
    for (const statement of allowing(statements, 'iam:PassRole')) {
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    }
    for (const service of services) {
      const family = service.taskDefinition.family;
      expect(allowing(statements, 'ecs:RunTask').flatMap(resourcesOf).filter((r) => JSON.stringify(r).includes(`${family}:*`))).toHaveLength(1);
      const parameterArn = stack.resolve((service.node.findChild('HookConfiguration') as unknown as { parameterArn: string }).parameterArn);
      expect(allowing(statements, 'ssm:GetParameter').flatMap(resourcesOf)).toContainEqual(parameterArn);
    }
    // No statement gives one service's grant a wider resource than before: one deployment group each.
    expect(allowing(statements, 'ssm:GetParameter').flatMap(resourcesOf)).toHaveLength(2);
    expect(allowing(statements, 'ssm:GetParameter').flatMap(resourcesOf)).not.toContain('*');

    // CodeDeploy may invoke the shared function through the deployment groups' role (one a stack) and its AWSCodeDeployRoleForECS; nothing is added.
    for (const service of services) {
      const invoke = allowing(statementsOf(stack, template, { role: service.deploymentGroup!.role } as never), 'lambda:InvokeFunction');
      expect(invoke).toEqual([]);
    }
    // The hand-over policy once per shared function.
    expect(Object.keys(template.findResources('AWS::IAM::ManagedPolicy')).filter((id) => id.includes('SelfInvokePolicy'))).toHaveLength(2);
  });

  test('a hook given a role keeps a function of its own, configured by its environment', () => {
    const { stack, services } = stackWithServices(1);
    const other = new BlueGreenService(stack, 'Other', { cluster: services[0].cluster, image: testImage, serviceName: 'other' });
    const role = new iam.Role(stack, 'UserRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const hook = new PreflightHook(stack, 'OwnPreflight', { service: other, role });
    const template = Template.fromStack(stack);

    expect(hook.function.node.scope).toBe(hook);
    expect(hook.function.role).toBe(role);
    expect(hookFunctionKinds(template)).toEqual(['metric-gate', 'migration', 'preflight', 'smoke-test']);
    expect(template.findResources('AWS::Lambda::Function')[stack.getLogicalId(hook.function.node.defaultChild as never)]).toBeDefined();
    const environment = environmentOf(stack, template, hook.function);
    expect(environment[HOOK_NAME_ENV]).toBe('other pre-flight');
    expect(JSON.parse(joinToText(environment[PREFLIGHT_CONFIG_ENV])).deploymentGroupName)
      .toBe(`<${stack.getLogicalId(other.deploymentGroup!.node.defaultChild as never)}>`);
    expect(environment[HOOK_KIND_ENV]).toBeUndefined();
    // Nothing of the other service lands on the user's role, and no parameter is made for it.
    expect(other.node.tryFindChild('HookConfiguration')).toBeUndefined();
  });

  test('a hook with another timeout gets a shared function of its own, under an id derived from the shape', () => {
    const stack = testStack();
    const cluster = new ecs.Cluster(stack, 'Cluster');
    const make = (name: string, timeout?: Duration) => {
      const service = new BlueGreenService(stack, name, { cluster, image: testImage, serviceName: name.toLowerCase() });
      return new SmokeTestHook(stack, `${name}SmokeTests`, { service, checks: [SmokeCheck.get('/health')], timeout });
    };
    const a = make('A');
    const b = make('B', Duration.minutes(10));
    const c = make('C', Duration.minutes(10));
    const d = make('D', Duration.minutes(5));

    expect(a.function).toBe(d.function);
    expect(b.function).toBe(c.function);
    expect(a.function).not.toBe(b.function);
    expect(a.function.node.scope!.node.id).toBe('CdkEcsReleaseSmokeTestHook');
    expect(b.function.node.scope!.node.id).toMatch(/^CdkEcsReleaseSmokeTestHook[0-9A-F]{8}$/);
    const template = Template.fromStack(stack);
    expect(hookFunctionKinds(template)).toEqual(['smoke-test', 'smoke-test']);
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 600 });

    // The same shape in another app gets the same id.
    const again = testStack();
    const otherCluster = new ecs.Cluster(again, 'Cluster');
    const service = new BlueGreenService(again, 'B', { cluster: otherCluster, image: testImage, serviceName: 'b' });
    const hook = new SmokeTestHook(again, 'BSmokeTests', { service, checks: [SmokeCheck.get('/health')], timeout: Duration.minutes(10) });
    expect(hook.function.node.scope!.node.id).toBe(b.function.node.scope!.node.id);
  });

  test('fails when the deployment group name has characters SSM refuses in a parameter name', () => {
    const stack = testStack();
    const cluster = new ecs.Cluster(stack, 'Cluster');
    const service = new BlueGreenService(stack, 'Orders', { cluster, image: testImage, serviceName: 'orders', deploymentGroupName: 'orders+group' });
    expectSynthError(stack, () => new PreflightHook(stack, 'Preflight', { service }),
      /TestStack\/Preflight: invalid service: the deploymentGroupName 'orders\+group' of TestStack\/Orders has characters SSM refuses/);
  });

  test('20 services with every hook synthesize, the shared roles\' policies split as they grow', () => {
    const { stack } = stackWithServices(20);
    const app = stack.node.root as App;
    const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const resources = Object.entries(template.Resources);
    expect(resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function'
      && (r.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables?.[HOOK_KIND_ENV])).toHaveLength(4);
    // What outgrows a shared role's default policy moves to managed policies, within IAM's 10 per role.
    const shared = resources.filter(([id]) => id.startsWith('CdkEcsRelease'));
    expect(shared.filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy').length).toBeGreaterThan(0);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Policy (too )?large'));
    expect(warnings).toEqual([]);
    const functionResources = shared.filter(([id, r]) => /^CdkEcsRelease(Preflight|Migration|SmokeTest|MetricGate)Hook/.test(id)
      && !r.Type.startsWith('AWS::EC2::SecurityGroup'));
    const parameters = resources.filter(([, r]) => r.Type === 'AWS::SSM::Parameter');
    process.stdout.write(`20 services with every hook: ${resources.length} resources (${functionResources.length} of the shared hook functions, `
      + `${parameters.length} configuration parameters), ${JSON.stringify(template).length} bytes\n`);
    expect(parameters).toHaveLength(20);
    // Role, default, wildcard and overflow policies, log group, function and hand-over policy per kind, and one security group.
    expect(functionResources.length).toBeLessThanOrEqual(40);
  });

  test('the hooks of one more service add one resource: its configuration', () => {
    const count = (services: number, hooks: boolean) => {
      const template = sharedStackWithServices(services, hooks).template.toJSON();
      return { resources: Object.keys(template.Resources).length, bytes: JSON.stringify(template).length };
    };
    const [one, two, bareOne, bareTwo] = [count(1, true), count(2, true), count(1, false), count(2, false)];
    const perService = two.resources - one.resources;
    const ofHooks = perService - (bareTwo.resources - bareOne.resources);
    process.stdout.write(`one more service with every hook: ${perService} resources (${ofHooks} of its hooks), ${two.bytes - one.bytes} bytes `
      + `(${two.bytes - one.bytes - (bareTwo.bytes - bareOne.bytes)} of its hooks); the first service with hooks: ${one.resources - bareOne.resources} `
      + 'hook resources\n');
    // The parameter alone. The smoke test's rollback verification is a target on the rule of the stack's first five
    // services, which has the one permission to invoke the function. The deployment group role may invoke any function
    // already (AWSCodeDeployRoleForECS); the smoke test's way to the test and production listeners is inline rules of
    // the shared security group, and the listeners admit the VPC.
    expect(ofHooks).toBe(1);
    expect(two.bytes - one.bytes - (bareTwo.bytes - bareOne.bytes)).toBeLessThanOrEqual(10_000);
  });
});
