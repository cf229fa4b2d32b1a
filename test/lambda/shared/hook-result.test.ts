/**
 * The hook runtime puts one `Release Hook Result` event per final result, after CodeDeploy took
 * the status or just before Amazon ECS gets it; the event never changes the status, and a failed,
 * throttled or hanging PutEvents costs at most its budget.
 */
import { CodeDeployClient, GetDeploymentCommand, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { HOOK_CONFIGURATION_PREFIX_ENV, HOOK_KIND_ENV } from '../../../contract/hook';
import { HOOK_RESULT_DETAIL_TYPE, HOOK_RESULT_TARGET_ENV, HookResultDetail, RELEASE_EVENT_SOURCE } from '../../../contract/release-events';
import { codeDeployHook, ecsNativeHook, failed, inProgress, succeeded, withHookConfiguration } from '../../../lambda/shared';
import { HOOK_RESULT_EVENT_BUDGET_MS } from '../../../lambda/shared/hook-result';
import { CapturedLogs, EVENT, awsError, captureLogs, expectSingleReport, fakeContext } from '../helpers';

const codeDeploy = mockClient(CodeDeployClient);
const eventBridge = mockClient(EventBridgeClient);
const ssm = mockClient(SSMClient);
const lambda = mockClient(LambdaClient);
let logs: CapturedLogs;
/** The order the calls were made in, across clients. */
let order: string[];

const TARGET = { serviceName: 'orders-api', lifecycleEvent: 'AfterAllowTestTraffic', applicationName: 'orders', deploymentGroupName: 'orders-dg' };
const REPORT_FAST = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, attemptTimeoutMs: 500 };

const ECS_EVENT = {
  executionId: 'exec-ecs-1',
  lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
  resourceArn: 'arn:aws:ecs:eu-west-1:111122223333:service-deployment/orders-cluster/orders-api/NCWGC2ZR',
  executionDetails: { serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/orders-cluster/orders-api' },
  hookDetails: {},
};

beforeEach(() => {
  codeDeploy.reset();
  eventBridge.reset();
  ssm.reset();
  lambda.reset();
  order = [];
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake(() => {
    order.push('report');
    return {};
  });
  eventBridge.on(PutEventsCommand).callsFake(() => {
    order.push('event');
    return { FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] };
  });
  process.env[HOOK_RESULT_TARGET_ENV] = JSON.stringify(TARGET);
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  delete process.env[HOOK_RESULT_TARGET_ENV];
  delete process.env[HOOK_CONFIGURATION_PREFIX_ENV];
  delete process.env[HOOK_KIND_ENV];
  delete process.env.TEST_HOOK_CONFIG;
});

function putDetails(): HookResultDetail[] {
  return eventBridge.commandCalls(PutEventsCommand).map((call) => {
    const [entry] = call.args[0].input.Entries ?? [];
    expect(entry).toMatchObject({ Source: RELEASE_EVENT_SOURCE, DetailType: HOOK_RESULT_DETAIL_TYPE });
    return JSON.parse(entry.Detail!) as HookResultDetail;
  });
}

describe('CodeDeploy', () => {
  test('a result is put once, after the status is reported, with its facts and the deployment\'s names', async () => {
    const checks = [{ name: 'health', passed: true, detail: 'passed: status 200' }];
    const handler = codeDeployHook(async () => succeeded('1 smoke check passed in 0.1 s', { checks }),
      { hookName: 'smoke-test', hookKind: 'smoke-test', reportRetry: REPORT_FAST });

    await expect(handler({ ...EVENT }, fakeContext())).resolves.toEqual({ verdict: 'Succeeded', report: 'reported', reason: '1 smoke check passed in 0.1 s' });

    expect(order).toEqual(['report', 'event']);
    const [detail] = putDetails();
    expect(detail).toEqual({
      hookKind: 'smoke-test', hookName: 'smoke-test', engine: 'CODE_DEPLOY', lifecycleEvent: 'AfterAllowTestTraffic', status: 'SUCCEEDED',
      summary: '1 smoke check passed in 0.1 s', deploymentId: EVENT.DeploymentId, applicationName: 'orders', deploymentGroupName: 'orders-dg',
      serviceName: 'orders-api', completedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), checks,
    });
    expect(logs.lines.filter((line) => line.message === 'hook result event put')).toEqual([expect.objectContaining({ eventId: 'event-1' })]);
  });

  test('a Failed result of the runtime\'s own (the body threw) is put as FAILED with its reason', async () => {
    const handler = codeDeployHook(async () => {
      throw new Error('cannot parse config');
    }, { hookKind: 'migration', reportRetry: REPORT_FAST });

    await handler({ ...EVENT }, fakeContext());

    expect(putDetails()).toEqual([expect.objectContaining({ status: 'FAILED', summary: 'cannot parse config', hookKind: 'migration' })]);
  });

  test('a retried invocation whose status was already completed puts nothing', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(awsError('LifecycleEventAlreadyCompletedException'));
    const handler = codeDeployHook(async () => succeeded('ok'), { hookKind: 'preflight', reportRetry: REPORT_FAST });

    await expect(handler({ ...EVENT }, fakeContext())).resolves.toMatchObject({ report: 'already-completed' });

    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  test('a deployment already over takes no status, and no result is put', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(awsError('DeploymentAlreadyCompletedException'));
    const handler = codeDeployHook(async () => failed('too late'), { hookKind: 'metric-gate', reportRetry: REPORT_FAST });

    await expect(handler({ ...EVENT }, fakeContext())).resolves.toMatchObject({ report: 'deployment-completed' });

    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  test('work handed over to a fresh invocation puts nothing; that invocation puts the result', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const handler = codeDeployHook(async ({ continuation }) => (continuation ? succeeded('migrated') : inProgress({ task: 't-1' }, { delaySeconds: 600 })),
      { hookKind: 'migration', reportRetry: REPORT_FAST, handoverRetry: REPORT_FAST });

    await expect(handler({ ...EVENT }, { ...fakeContext(), invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:hook-fn' }))
      .resolves.toMatchObject({ report: 'handed-over' });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);

    const payload = JSON.parse(Buffer.from(lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array).toString('utf8'));
    await handler({ ...payload, continuation: { ...payload.continuation, resumeAt: undefined } }, fakeContext());
    expect(putDetails()).toEqual([expect.objectContaining({ status: 'SUCCEEDED', summary: 'migrated' })]);
  });

  test('a handler that names no hook kind puts nothing', async () => {
    const handler = codeDeployHook(async () => succeeded('ok'), { reportRetry: REPORT_FAST });

    await handler({ ...EVENT }, fakeContext());

    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  test('without a known service the result is not put, and the log says why at info level', async () => {
    delete process.env[HOOK_RESULT_TARGET_ENV];
    const handler = codeDeployHook(async () => succeeded('ok'), { hookKind: 'preflight', reportRetry: REPORT_FAST });

    await expect(handler({ ...EVENT }, fakeContext())).resolves.toMatchObject({ verdict: 'Succeeded', report: 'reported' });

    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(logs.lines.find((line) => line.message.startsWith('hook result event not put'))).toMatchObject({
      level: 'info', message: expect.stringContaining('names the hook\'s service'),
    });
  });

  test.each([
    ['PutEvents is refused', () => eventBridge.on(PutEventsCommand).rejects(awsError('AccessDeniedException'))],
    ['PutEvents is throttled throughout', () => eventBridge.on(PutEventsCommand).rejects(awsError('ThrottlingException'))],
    ['the entry is refused', () => eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] })],
    ['PutEvents never answers', () => eventBridge.on(PutEventsCommand).callsFake(() => new Promise(() => undefined))],
  ])('%s: the status stands, the function returns within the event\'s budget, and the log says so', async (_what, arrange) => {
    arrange();
    const handler = codeDeployHook(async () => failed('status 500 on /health'), { hookKind: 'smoke-test', reportRetry: REPORT_FAST });

    const started = Date.now();
    const summary = await handler({ ...EVENT }, fakeContext());

    expect(Date.now() - started).toBeLessThan(HOOK_RESULT_EVENT_BUDGET_MS + 400);
    expect(summary).toEqual({ verdict: 'Failed', report: 'reported', reason: 'status 500 on /health' });
    expectSingleReport(codeDeploy, 'Failed');
    expect(logs.lines.filter((line) => line.message.startsWith('hook result event not put'))).toEqual([expect.objectContaining({ level: 'warn' })]);
  });

  test('a shared function places the result by the service\'s configuration: its deployment group, lifecycle event and name', async () => {
    delete process.env[HOOK_RESULT_TARGET_ENV];
    process.env[HOOK_CONFIGURATION_PREFIX_ENV] = '/cdk-ecs-release/hooks/';
    process.env[HOOK_KIND_ENV] = 'metric-gate';
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { applicationName: 'orders', deploymentGroupName: 'orders-dg' } });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Type: 'String', Value: JSON.stringify({
      version: 1, serviceName: 'orders-api',
      hooks: { 'metric-gate': { hookName: 'orders-api metric gate', lifecycleEvent: 'AfterAllowTraffic', config: {} } },
    }) } });
    const figures = [{ name: 'errors', value: 0.4, threshold: 1, verdict: 'pass' }];
    const handler = codeDeployHook(withHookConfiguration('TEST_HOOK_CONFIG', async () => succeeded('metric gate pass', { verdict: 'pass', figures })),
      { hookName: 'metric-gate', hookKind: 'metric-gate', reportRetry: REPORT_FAST });

    await handler({ ...EVENT, DeploymentId: 'd-SHARED1' }, fakeContext());

    expect(putDetails()).toEqual([expect.objectContaining({
      hookName: 'orders-api metric gate', serviceName: 'orders-api', lifecycleEvent: 'AfterAllowTraffic',
      applicationName: 'orders', deploymentGroupName: 'orders-dg', deploymentId: 'd-SHARED1', verdict: 'pass', figures,
    })]);
  });
});

describe('Amazon ECS', () => {
  test('a final result is put before the answer returns, keyed by the service deployment\'s ARN', async () => {
    delete process.env[HOOK_RESULT_TARGET_ENV];
    process.env[HOOK_RESULT_TARGET_ENV] = JSON.stringify({ serviceName: 'orders-api' });
    const handler = ecsNativeHook(async () => failed('migration failed: container migrate exited with code 3', { exitCode: 3, logUrl: 'https://console/logs' }),
      { hookName: 'orders-api migration', hookKind: 'migration' });

    await expect(handler(ECS_EVENT, fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(putDetails()).toEqual([{
      hookKind: 'migration', hookName: 'orders-api migration', engine: 'ECS', lifecycleEvent: 'POST_TEST_TRAFFIC_SHIFT', status: 'FAILED',
      summary: 'migration failed: container migrate exited with code 3', deploymentId: ECS_EVENT.resourceArn,
      serviceArn: ECS_EVENT.executionDetails.serviceArn, serviceName: 'orders-api', completedAt: expect.any(String),
      exitCode: 3, logUrl: 'https://console/logs',
    }]);
    expect(eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries?.[0].Resources).toEqual([ECS_EVENT.executionDetails.serviceArn]);
  });

  test('an IN_PROGRESS answer puts nothing; the final one puts one event', async () => {
    const handler = ecsNativeHook(async ({ continuation }) => (continuation ? succeeded('done') : inProgress({ step: 1 }, { delaySeconds: 5 })),
      { hookKind: 'metric-gate' });

    const first = await handler(ECS_EVENT, fakeContext());
    expect(first.hookStatus).toBe('IN_PROGRESS');
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);

    await expect(handler({ ...ECS_EVENT, hookDetails: first.hookDetails }, fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });
    expect(putDetails()).toEqual([expect.objectContaining({ status: 'SUCCEEDED', summary: 'done' })]);
  });

  test('a hanging PutEvents delays the answer by the event\'s budget at most, and never changes it', async () => {
    eventBridge.on(PutEventsCommand).callsFake(() => new Promise(() => undefined));
    const handler = ecsNativeHook(async () => succeeded('fine'), { hookKind: 'smoke-test' });

    const started = Date.now();
    await expect(handler(ECS_EVENT, fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

    expect(Date.now() - started).toBeLessThan(HOOK_RESULT_EVENT_BUDGET_MS + 400);
  });

  test('a shared function takes the service\'s name from the hook\'s details, and the service from its deployment\'s ARN', async () => {
    delete process.env[HOOK_RESULT_TARGET_ENV];
    process.env[HOOK_CONFIGURATION_PREFIX_ENV] = '/cdk-ecs-release/hooks/';
    process.env[HOOK_KIND_ENV] = 'preflight';
    const handler = ecsNativeHook(withHookConfiguration('TEST_HOOK_CONFIG', async () => succeeded('all 1 rollback alarms are clear')),
      { hookName: 'preflight', hookKind: 'preflight' });

    await handler({
      ...ECS_EVENT, lifecycleStage: 'PRE_SCALE_UP', executionDetails: {},
      hookDetails: { hookName: 'orders-api pre-flight', serviceName: 'orders-api', configuration: { alarmNames: ['orders-5xx'] } },
    }, fakeContext());

    expect(putDetails()).toEqual([expect.objectContaining({
      hookName: 'orders-api pre-flight', serviceName: 'orders-api', lifecycleEvent: 'PRE_SCALE_UP',
      deploymentId: ECS_EVENT.resourceArn, serviceArn: ECS_EVENT.executionDetails.serviceArn,
    })]);
  });

  test('a function with no time left before its timeout skips the event', async () => {
    const handler = ecsNativeHook(async () => succeeded('fine'), { hookKind: 'smoke-test', safetyMarginMs: 50 });

    await expect(handler(ECS_EVENT, fakeContext(300))).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(logs.lines.some((line) => line.message === 'hook result event not put: no time left before the function\'s timeout')).toBe(true);
  });
});
