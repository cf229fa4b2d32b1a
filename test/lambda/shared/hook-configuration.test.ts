import { CodeDeployClient, GetDeploymentCommand, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { HOOK_CONFIGURATION_PREFIX_ENV, HOOK_KIND_ENV } from '../../../contract/hook';
import {
  HookContext,
  cleanupWithHookConfiguration,
  codeDeployHook,
  ecsNativeHook,
  failed,
  inProgress,
  succeeded,
  withHookConfiguration,
} from '../../../lambda/shared';
import { CapturedLogs, EVENT, awsError, captureLogs, expectHandedOver, expectSingleReport, fakeContext, reportedStatuses } from '../helpers';

const PREFIX = '/cdk-ecs-release/hooks/';
const PARAMETER = '/cdk-ecs-release/hooks/orders-app/orders-dg';
const VARIABLE = 'TEST_HOOK_CONFIG';
const CONFIG = { clusterArn: 'prod', subnets: ['subnet-1'] };

const codeDeploy = mockClient(CodeDeployClient);
const ssm = mockClient(SSMClient);
const lambda = mockClient(LambdaClient);
let logs: CapturedLogs;

function configuration(hooks: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ version: 1, serviceName: 'orders', hooks, ...extra });
}

function answer(value: string) {
  return { Parameter: { Name: PARAMETER, Type: 'String' as const, Value: value } };
}

/** A body that records what it saw: the variable's value, its hook name, one log line. */
function recordingBody(seen: Array<{ config: unknown; hookName: string }>) {
  return async (context: HookContext) => {
    seen.push({ config: JSON.parse(process.env[VARIABLE] ?? 'null'), hookName: context.hookName });
    context.logger.info('body ran');
    return succeeded();
  };
}

beforeEach(() => {
  codeDeploy.reset();
  ssm.reset();
  lambda.reset();
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { applicationName: 'orders-app', deploymentGroupName: 'orders-dg' } });
  ssm.on(GetParameterCommand).resolves(answer(configuration({ migration: { hookName: 'orders-api migration', config: CONFIG } })));
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  process.env[HOOK_CONFIGURATION_PREFIX_ENV] = PREFIX;
  process.env[HOOK_KIND_ENV] = 'migration';
  process.env.AWS_REGION = 'eu-west-1';
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  for (const name of [HOOK_CONFIGURATION_PREFIX_ENV, HOOK_KIND_ENV, VARIABLE, 'TEST_A', 'TEST_B']) {
    delete process.env[name];
  }
});

describe('a shared function under CodeDeploy', () => {
  test('reads the service\'s section, gives the body its config and hook name, and reports Succeeded once', async () => {
    const seen: Array<{ config: unknown; hookName: string }> = [];
    const handler = codeDeployHook(withHookConfiguration(VARIABLE, recordingBody(seen)), { hookName: 'migration' });

    await expect(handler(EVENT, fakeContext())).resolves.toMatchObject({ verdict: 'Succeeded', report: 'reported' });

    expect(seen).toEqual([{ config: CONFIG, hookName: 'orders-api migration' }]);
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(codeDeploy.commandCalls(GetDeploymentCommand).map((call) => call.args[0].input)).toEqual([{ deploymentId: EVENT.DeploymentId }]);
    expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([{ Name: PARAMETER }]);
    expect(logs.lines.filter((line) => line.message === 'hook configuration read')).toEqual([expect.objectContaining({
      serviceName: 'orders', hookName: 'orders-api migration', parameterName: PARAMETER, kind: 'migration',
    })]);
    expect(logs.lines.find((line) => line.message === 'body ran')).toMatchObject({ hook: 'orders-api migration' });
  });

  test('a missing parameter fails the hook once, naming the parameter', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    const body = jest.fn(async () => succeeded());

    const result = await codeDeployHook(withHookConfiguration(VARIABLE, body))(EVENT, fakeContext());

    expect(result.reason).toBe(`ssm:GetParameter ${PARAMETER}: ParameterNotFound — the service's hook configuration is missing; deploy its stack again`);
    expect(body).not.toHaveBeenCalled();
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a denied GetParameter fails the hook once, naming ssm:GetParameter', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('AccessDeniedException', 400, 'User is not authorized to perform: ssm:GetParameter'));

    const result = await codeDeployHook(withHookConfiguration(VARIABLE, async () => succeeded()))(EVENT, fakeContext());

    expect(result.reason).toMatch(new RegExp(`^ssm:GetParameter ${PARAMETER}: AccessDeniedException: User is not authorized`));
    expect(result.reason).toContain('the function needs ssm:GetParameter on the parameter');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a GetParameter throttled three times is retried with backoff, then the hook succeeds', async () => {
    ssm.on(GetParameterCommand)
      .rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded'))
      .rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded'))
      .rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded'))
      .resolves(answer(configuration({ migration: { hookName: 'orders-api migration', config: CONFIG } })));
    const seen: Array<{ config: unknown; hookName: string }> = [];

    await codeDeployHook(withHookConfiguration(VARIABLE, recordingBody(seen)))(EVENT, fakeContext());

    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(4);
    expect(seen.map((s) => s.config)).toEqual([CONFIG]);
    expect(logs.lines.filter((line) => line.message === 'retrying AWS call')).toHaveLength(3);
    expectSingleReport(codeDeploy, 'Succeeded');
  });

  test.each([
    ['has no section for the kind', configuration({ preflight: { hookName: 'p', config: {} } }),
      `hook configuration ${PARAMETER} has no 'migration' section: the service has no migration hook`],
    ['has another version', JSON.stringify({ version: 2, serviceName: 'orders', hooks: {} }),
      `hook configuration ${PARAMETER} has version 2, this function reads version 1`],
    ['is not JSON', '{"version": 1,', `hook configuration ${PARAMETER} is not JSON (`],
    ['has a section without config', configuration({ migration: { hookName: 'm' } }),
      `hook configuration ${PARAMETER}: the 'migration' section has no config object`],
    ['has no hooks', JSON.stringify({ version: 1, serviceName: 'orders' }), `hook configuration ${PARAMETER} has no hooks object`],
  ])('a value that %s fails the hook once with the reason', async (_what, value, reason) => {
    ssm.on(GetParameterCommand).resolves(answer(value));
    const body = jest.fn(async () => succeeded());

    const result = await codeDeployHook(withHookConfiguration(VARIABLE, body))(EVENT, fakeContext());

    expect(result.reason).toContain(reason);
    expect(body).not.toHaveBeenCalled();
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('without the kind variable the hook fails once, saying which variable is missing', async () => {
    delete process.env[HOOK_KIND_ENV];

    const result = await codeDeployHook(withHookConfiguration(VARIABLE, async () => succeeded()))(EVENT, fakeContext());

    expect(result.reason).toMatch(new RegExp(`^hook configuration: ${HOOK_KIND_ENV} is not set`));
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a deployment that cannot be read fails the hook once, naming codedeploy:GetDeployment', async () => {
    codeDeploy.on(GetDeploymentCommand).rejects(awsError('DeploymentDoesNotExistException', 400, 'no such deployment'));
    const event = { ...EVENT, DeploymentId: 'd-UNREADABLE' };

    const result = await codeDeployHook(withHookConfiguration(VARIABLE, async () => succeeded()))(event, fakeContext());

    expect(result.reason).toMatch(/^codedeploy:GetDeployment d-UNREADABLE: DeploymentDoesNotExistException: no such deployment/);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    expect(reportedStatuses(codeDeploy)).toEqual(['Failed']);
  });

  test('the deployment is read once per deployment, the parameter once per invocation', async () => {
    const event = { ...EVENT, DeploymentId: 'd-TWICE' };
    let runs = 0;
    const handler = codeDeployHook(withHookConfiguration(VARIABLE, async () => (++runs < 3 ? inProgress({ runs }) : succeeded())));

    await handler(event, fakeContext());
    await handler(event, fakeContext());

    expect(codeDeploy.commandCalls(GetDeploymentCommand).filter((call) => call.args[0].input.deploymentId === 'd-TWICE')).toHaveLength(1);
    // First invocation: three runs, one read. Second: one run, one read.
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  test('a continued invocation reads the configuration again and goes on with the handed-over state', async () => {
    const seen: unknown[] = [];
    const body = async (context: HookContext<{ step: number }>) => {
      seen.push({ config: JSON.parse(process.env[VARIABLE] ?? 'null'), state: context.continuation?.state });
      return context.continuation ? succeeded() : inProgress({ step: 1 });
    };
    // A run needs more time than is left after the first: the work is handed over.
    const handler = codeDeployHook(withHookConfiguration(VARIABLE, body), { minRunMs: 120_000 });

    await expect(handler(EVENT, fakeContext())).resolves.toMatchObject({ report: 'handed-over' });
    const payload = expectHandedOver(codeDeploy, lambda);
    delete process.env[VARIABLE];
    ssm.on(GetParameterCommand).resolves(answer(configuration({ migration: { hookName: 'orders-api migration', config: { ...CONFIG, v: 2 } } })));

    await expect(handler(payload, fakeContext())).resolves.toMatchObject({ verdict: 'Succeeded', report: 'reported' });

    expect(seen).toEqual([{ config: CONFIG, state: undefined }, { config: { ...CONFIG, v: 2 }, state: { step: 1 } }]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    expectSingleReport(codeDeploy, 'Succeeded');
  });

  test('the failure cleanup of a continued invocation that runs no body reads the configuration itself', async () => {
    process.env[VARIABLE] = JSON.stringify({ clusterArn: 'another-service' });
    const cleaned: unknown[] = [];
    const onFailure = cleanupWithHookConfiguration<{ taskArn: string }>(VARIABLE, async (scope) => {
      cleaned.push({ config: JSON.parse(process.env[VARIABLE] ?? 'null'), state: scope.state });
    });
    const handler = codeDeployHook(withHookConfiguration(VARIABLE, async () => failed('unreachable')), { onFailure, totalTimeoutMs: 1000 });
    const startedAt = new Date(Date.now() - 5000).toISOString();

    const event = { ...EVENT, DeploymentId: 'd-CLEANUP', continuation: { state: { taskArn: 'task/1' }, attempt: 1, startedAt } };

    const result = await handler(event, fakeContext());

    expect(result.reason).toMatch(/^hook deadline reached/);
    expect(cleaned).toEqual([{ config: CONFIG, state: { taskArn: 'task/1' } }]);
    expect(reportedStatuses(codeDeploy)).toEqual(['Failed']);
  });

  test('several variables: each field sets its own, a field left out unsets it, an unknown one fails', async () => {
    ssm.on(GetParameterCommand).resolves(answer(configuration({ migration: { hookName: 'm', config: { TEST_A: 'http://a', TEST_C: [1] } } })));
    process.env.TEST_B = 'stale';
    const body = jest.fn(async () => succeeded());

    const bad = await codeDeployHook(withHookConfiguration(['TEST_A', 'TEST_B'], body))(EVENT, fakeContext());
    expect(bad.reason).toBe(`hook configuration ${PARAMETER}: the 'migration' config has "TEST_C", which this function does not read; it reads TEST_A, TEST_B`);
    expect(process.env.TEST_B).toBeUndefined();

    ssm.on(GetParameterCommand).resolves(answer(configuration({ migration: { hookName: 'm', config: { TEST_A: 'http://a', TEST_B: [{ name: 'x' }] } } })));
    process.env.TEST_B = 'stale';
    let seen: unknown;
    await codeDeployHook(withHookConfiguration(['TEST_A', 'TEST_B', VARIABLE], async () => {
      seen = { a: process.env.TEST_A, b: process.env.TEST_B, c: process.env[VARIABLE] };
      return succeeded();
    }))(EVENT, fakeContext());
    expect(seen).toEqual({ a: 'http://a', b: '[{"name":"x"}]', c: undefined });
  });
});

describe('without a configuration prefix', () => {
  test('the body runs with the configuration of the function\'s own variable, and nothing is read', async () => {
    delete process.env[HOOK_CONFIGURATION_PREFIX_ENV];
    process.env[VARIABLE] = JSON.stringify({ own: true });
    const seen: Array<{ config: unknown; hookName: string }> = [];

    await codeDeployHook(withHookConfiguration(VARIABLE, recordingBody(seen)), { hookName: 'orders migration' })(EVENT, fakeContext());

    expect(seen).toEqual([{ config: { own: true }, hookName: 'orders migration' }]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    expect(codeDeploy.commandCalls(GetDeploymentCommand)).toHaveLength(0);
    expectSingleReport(codeDeploy, 'Succeeded');
  });
});

describe('a shared function under Amazon ECS', () => {
  test('takes the config from hookDetails.configuration, and keeps it for the next call', async () => {
    let calls = 0;
    const seen: Array<{ config: unknown; hookName: string }> = [];
    const body = async (context: HookContext) => {
      await recordingBody(seen)(context);
      return ++calls === 1 ? inProgress({ n: 1 }, { delaySeconds: 5 }) : succeeded();
    };
    const handler = ecsNativeHook(withHookConfiguration(VARIABLE, body));
    const event = { executionId: 'e-1', hookDetails: { configuration: CONFIG, hookName: 'orders-api migration' } };

    const first = await handler(event, fakeContext());
    expect(first).toMatchObject({ hookStatus: 'IN_PROGRESS', hookDetails: { configuration: CONFIG } });
    await expect(handler({ ...event, hookDetails: first.hookDetails }, fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

    expect(seen).toEqual([{ config: CONFIG, hookName: 'orders-api migration' }, { config: CONFIG, hookName: 'orders-api migration' }]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  test('without hookDetails.configuration the hook fails, saying why', async () => {
    const result = await ecsNativeHook(withHookConfiguration(VARIABLE, async () => succeeded()))({ executionId: 'e-1' }, fakeContext());

    expect(result).toEqual({ hookStatus: 'FAILED' });
    expect(logs.lines.find((line) => line.message === 'hook finished')?.reason).toMatch(
      /^hook configuration: an Amazon ECS lifecycle hook has no CodeDeploy deployment group .*hookDetails\.configuration/);
  });
});
