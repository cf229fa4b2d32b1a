/**
 * ECS runs the traffic-shift stages (TEST_, PRE_PRODUCTION_, PRODUCTION_TRAFFIC_SHIFT) again when it rolls a deployment back:
 * a hook there passes at once while the deployment rolls back, and runs as usual otherwise.
 */
import { DescribeServiceDeploymentsCommand, ECSClient, ServiceDeploymentStatus } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { EcsNativeHookEvent, ecsNativeHook, failed, inProgress, sleep, succeeded } from '../../../lambda/shared';
import { forgetEcsDeployments } from '../../../lambda/shared/ecs-deployment';
import { CapturedLogs, awsError, captureLogs, fakeContext } from '../helpers';

const ecs = mockClient(ECSClient);
let logs: CapturedLogs;

const DEPLOYMENT_ARN = 'arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/web/r9nUa2kQ';

function eventAt(lifecycleStage: string, overrides: Partial<EcsNativeHookEvent> = {}): EcsNativeHookEvent {
  return {
    executionId: 'exec-1',
    lifecycleStage,
    resourceArn: DEPLOYMENT_ARN,
    executionDetails: {
      serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/prod/web',
      targetServiceRevisionArn: 'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/web/42',
      testTrafficWeights: {},
      productionTrafficWeights: {},
    },
    hookDetails: { hookName: 'orders smoke test' },
    ...overrides,
  };
}

function deploymentStatus(status: ServiceDeploymentStatus, extra: Record<string, unknown> = {}): void {
  ecs.on(DescribeServiceDeploymentsCommand).resolves({
    serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT_ARN, status, startedAt: new Date(), sourceServiceRevisions: [{ arn: 'rev/41' }], ...extra }],
  });
}

beforeEach(() => {
  ecs.reset();
  forgetEcsDeployments();
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
});

const warnings = () => logs.lines.filter((line) => line.level === 'warn');

test.each([
  ['PRODUCTION_TRAFFIC_SHIFT', 'ROLLBACK_IN_PROGRESS'],
  ['PRODUCTION_TRAFFIC_SHIFT', 'ROLLBACK_REQUESTED'],
  ['TEST_TRAFFIC_SHIFT', 'ROLLBACK_IN_PROGRESS'],
  ['PRE_PRODUCTION_TRAFFIC_SHIFT', 'ROLLBACK_IN_PROGRESS'],
] as const)('at %s of a deployment in %s: SUCCEEDED at once, without running the body', async (stage, status) => {
  deploymentStatus(status, { statusReason: 'alarm orders-5xx fired' });
  const body = jest.fn(async () => failed('green is broken'));

  const result = await ecsNativeHook(body, { hookName: 'gate' })(eventAt(stage), fakeContext());

  expect(result).toEqual({ hookStatus: 'SUCCEEDED' });
  expect(body).not.toHaveBeenCalled();
  expect(ecs.commandCalls(DescribeServiceDeploymentsCommand).map((call) => call.args[0].input)).toEqual([{ serviceDeploymentArns: [DEPLOYMENT_ARN] }]);
  expect(logs.lines.filter((line) => line.message === 'hook finished')).toEqual([expect.objectContaining({
    level: 'info',
    verdict: 'Succeeded',
    hookStatus: 'SUCCEEDED',
    reason: `the service deployment is rolling back (${status}: alarm orders-5xx fired); a hook never holds up a rollback, so it passes without running`,
    serviceDeploymentArn: DEPLOYMENT_ARN,
    lifecycleStage: stage,
  })]);
});

test('a rollback ECS reports while the status still says IN_PROGRESS passes too, with its reason', async () => {
  deploymentStatus('IN_PROGRESS', { rollback: { reason: 'the circuit breaker initiated the rollback' } });
  const body = jest.fn(async () => failed('never'));

  await expect(ecsNativeHook(body)(eventAt('PRODUCTION_TRAFFIC_SHIFT'), fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

  expect(body).not.toHaveBeenCalled();
  expect(logs.lines.at(-1)?.reason).toMatch(/^the service deployment is rolling back \(IN_PROGRESS: the circuit breaker initiated the rollback\)/);
});

test('a rolling-back deployment re-invoked with a continuation still passes, whatever the body had under way', async () => {
  deploymentStatus('ROLLBACK_IN_PROGRESS');
  const body = jest.fn(async () => inProgress({ polls: 2 }));
  const continuation = { state: { polls: 1 }, attempt: 1, startedAt: new Date().toISOString() };

  const result = await ecsNativeHook(body)(eventAt('PRODUCTION_TRAFFIC_SHIFT', { hookDetails: { continuation } }), fakeContext());

  expect(result).toEqual({ hookStatus: 'SUCCEEDED' });
  expect(body).not.toHaveBeenCalled();
});

test('a forward deployment at PRODUCTION_TRAFFIC_SHIFT runs the body, whose verdict is the answer', async () => {
  deploymentStatus('IN_PROGRESS');
  const body = jest.fn(async () => failed('green p99 900 ms over the 300 ms ceiling'));

  await expect(ecsNativeHook(body)(eventAt('PRODUCTION_TRAFFIC_SHIFT'), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

  expect(body).toHaveBeenCalledTimes(1);
  expect(logs.lines.at(-1)).toMatchObject({ verdict: 'Failed', reason: 'green p99 900 ms over the 300 ms ceiling' });
  expect(warnings()).toEqual([]);
});

test('other stages never ask ECS', async () => {
  const body = jest.fn(async () => succeeded());

  for (const stage of ['PRE_SCALE_UP', 'POST_SCALE_UP', 'POST_TEST_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT']) {
    await expect(ecsNativeHook(body)(eventAt(stage), fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });
  }

  expect(body).toHaveBeenCalledTimes(4);
  expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(0);
});

test('a lookup that is refused runs the body as usual, and the warning says which permission is missing', async () => {
  ecs.on(DescribeServiceDeploymentsCommand).rejects(awsError('AccessDeniedException'));
  const body = jest.fn(async () => succeeded('checks passed'));

  await expect(ecsNativeHook(body)(eventAt('TEST_TRAFFIC_SHIFT'), fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

  expect(body).toHaveBeenCalledTimes(1);
  expect(warnings()).toEqual([expect.objectContaining({
    message: 'could not tell whether the service deployment is rolling back; running the hook as usual',
    serviceDeploymentArn: DEPLOYMENT_ARN,
    hint: 'the function needs ecs:DescribeServiceDeployments on the service\'s service deployments',
    error: expect.objectContaining({ name: 'AccessDeniedException' }),
  })]);
  expect(logs.lines.at(-1)).toMatchObject({ message: 'hook finished', reason: 'checks passed' });
});

test('a lookup that hangs is given up within its budget, and the body still has its time', async () => {
  ecs.on(DescribeServiceDeploymentsCommand).callsFake(() => new Promise(() => undefined));
  const body = jest.fn(async () => succeeded());
  const started = Date.now();

  // 4 s left: the body's deadline is 3.2 s away, so the lookup gets a quarter of that.
  await expect(ecsNativeHook(body)(eventAt('PRODUCTION_TRAFFIC_SHIFT'), fakeContext(4000))).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

  expect(Date.now() - started).toBeLessThan(1500);
  expect(body).toHaveBeenCalledTimes(1);
  expect(warnings().map((line) => line.message)).toContain('could not tell whether the service deployment is rolling back; running the hook as usual');
});

test('an event without resourceArn runs the body with a warning', async () => {
  const body = jest.fn(async () => succeeded());

  await expect(ecsNativeHook(body)(eventAt('PRODUCTION_TRAFFIC_SHIFT', { resourceArn: undefined }), fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

  expect(body).toHaveBeenCalledTimes(1);
  expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(0);
  expect(warnings()).toEqual([expect.objectContaining({ cause: 'the event has no resourceArn' })]);
});

test('a body that outlives the deadline after the lookup still ends in exactly one FAILED', async () => {
  deploymentStatus('IN_PROGRESS');
  const handler = ecsNativeHook(async ({ signal }) => {
    await sleep(5000, signal);
    return succeeded();
  });

  await expect(handler(eventAt('PRODUCTION_TRAFFIC_SHIFT'), fakeContext(600))).resolves.toEqual({ hookStatus: 'FAILED' });

  const finished = logs.lines.filter((line) => line.message === 'hook finished');
  expect(finished).toHaveLength(1);
  expect(String(finished[0].reason)).toMatch(/^hook deadline reached after/);
});
