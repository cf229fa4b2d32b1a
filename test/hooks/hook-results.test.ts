/**
 * What a hook function needs to put its result for the deployment record: one PutEvents
 * statement of its role, on the default bus, for this library's source and the hook result's
 * detail type only; and where the result belongs (service, lifecycle event, deployment group).
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BlueGreenService, DeploymentEngine, MetricGateHook, MigrationHook, PreflightHook, SmokeCheck, SmokeTestHook } from '../../lib';
import { HOOK_RESULT_DETAIL_TYPE, HOOK_RESULT_TARGET_ENV, RELEASE_EVENT_SOURCE } from '../../contract/release-events';
import { testImage } from '../util';
import { allowing, functionEnvironmentOf, hookConfigurationOf, joinToText, mockService, statementsOf, testStack } from './util';

const DEFAULT_BUS = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default']] };

function hookResultStatements(statements: ReturnType<typeof statementsOf>) {
  return allowing(statements, 'events:PutEvents').filter((statement) => JSON.stringify(statement.Condition).includes(HOOK_RESULT_DETAIL_TYPE));
}

describe('hook results', () => {
  test('each shared hook function may put its result on the default bus only, by one conditioned statement, however many services', () => {
    const stack = testStack();
    const first = mockService(stack);
    const hooksOf = (service: typeof first, prefix: string) => [
      new PreflightHook(stack, `${prefix}Preflight`, { service }),
      new MigrationHook(stack, `${prefix}Migration`, { service, command: ['npm', 'run', 'migrate'] }),
      new SmokeTestHook(stack, `${prefix}SmokeTests`, { service, checks: [SmokeCheck.get('/health')] }),
      new MetricGateHook(stack, `${prefix}MetricGate`, { service }),
    ];
    const second = new BlueGreenService(stack, 'Billing', { cluster: first.cluster, image: testImage, serviceName: 'billing-api' });
    const hooks = hooksOf(first, 'First');
    hooksOf(second, 'Second');
    expect(new Set(hooks.map((hook) => hook.function)).size).toBe(4);
    const template = Template.fromStack(stack);

    for (const hook of hooks) {
      const statements = statementsOf(stack, template, hook.function as lambda.IFunction);
      expect(hookResultStatements(statements)).toEqual([{
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: DEFAULT_BUS,
        Condition: { StringEquals: { 'events:source': RELEASE_EVENT_SOURCE, 'events:detail-type': HOOK_RESULT_DETAIL_TYPE } },
      }]);
    }
  });

  test('each service\'s configuration names the lifecycle event of each of its hooks; the shared functions\' environment names no service', () => {
    const stack = testStack();
    const service = mockService(stack);
    const preflight = new PreflightHook(stack, 'Preflight', { service });
    new MigrationHook(stack, 'Migration', { service, command: ['npm', 'run', 'migrate'] });
    new SmokeTestHook(stack, 'SmokeTests', { service, checks: [SmokeCheck.get('/health')] });
    new MetricGateHook(stack, 'MetricGate', { service });
    const template = Template.fromStack(stack);

    const hooks = hookConfigurationOf(stack, template, service).hooks;
    expect(Object.fromEntries(Object.entries(hooks).map(([kind, section]) => [kind, section.lifecycleEvent]))).toEqual({
      'preflight': 'BeforeInstall', 'migration': 'AfterInstall', 'smoke-test': 'AfterAllowTestTraffic', 'metric-gate': 'AfterAllowTraffic',
    });
    expect(functionEnvironmentOf(stack, template, preflight.function)[HOOK_RESULT_TARGET_ENV]).toBeUndefined();
  });

  test('a hook given a role has its target in its environment, and the one statement on that role', () => {
    const stack = testStack();
    const service = mockService(stack);
    const role = new iam.Role(stack, 'HookRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const smoke = new SmokeTestHook(stack, 'Smoke', { service, role, checks: [SmokeCheck.get('/health')] });
    const template = Template.fromStack(stack);

    const target = JSON.parse(joinToText(functionEnvironmentOf(stack, template, smoke.function)[HOOK_RESULT_TARGET_ENV]));
    expect(target).toEqual({
      serviceName: 'orders-api',
      lifecycleEvent: 'AfterAllowTestTraffic',
      applicationName: `<${stack.getLogicalId(service.application!.node.defaultChild as never)}>`,
      deploymentGroupName: `<${stack.getLogicalId(service.deploymentGroup!.node.defaultChild as never)}>`,
    });
    expect(hookResultStatements(statementsOf(stack, template, smoke.function))).toHaveLength(1);
  });

  test('on the Amazon ECS engine, a hook given a role names its service only: ECS names the stage and deployment in each event', () => {
    const stack = testStack();
    const service = mockService(stack, { engine: DeploymentEngine.ecs() });
    const role = new iam.Role(stack, 'HookRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const preflight = new PreflightHook(stack, 'Preflight', { service, role });
    const template = Template.fromStack(stack);

    expect(JSON.parse(joinToText(functionEnvironmentOf(stack, template, preflight.function)[HOOK_RESULT_TARGET_ENV]))).toEqual({ serviceName: 'orders-api' });
    expect(hookResultStatements(statementsOf(stack, template, preflight.function))).toHaveLength(1);
  });
});
