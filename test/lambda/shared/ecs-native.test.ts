import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { HookContext, ecsNativeHook, failed, inProgress, sleep, succeeded } from '../../../lambda/shared';
import { CapturedLogs, captureLogs, fakeContext } from '../helpers';

const codeDeploy = mockClient(CodeDeployClient);
const lambda = mockClient(LambdaClient);
let logs: CapturedLogs;

const ECS_EVENT = {
  executionId: 'exec-ecs-1',
  lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
  resourceArn: 'arn:aws:ecs:eu-west-1:111122223333:service-deployment/cluster/web/abc',
  executionDetails: {
    serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/cluster/web',
    targetServiceRevisionArn: 'arn:aws:ecs:eu-west-1:111122223333:service-revision/cluster/web/42',
    testTrafficWeights: {},
    productionTrafficWeights: {},
  },
  hookDetails: { bucket: 'approvals' },
};

beforeEach(() => {
  codeDeploy.reset();
  lambda.reset();
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  // The ECS engine reads the return value: the adapter never calls CodeDeploy or itself.
  expect(codeDeploy.calls()).toHaveLength(0);
  expect(lambda.calls()).toHaveLength(0);
});

test('Succeeded maps to SUCCEEDED', async () => {
  const handler = ecsNativeHook(async () => succeeded('fine'), { hookName: 'smoke' });

  await expect(handler(ECS_EVENT, fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

  expect(logs.lines.at(-1)).toMatchObject({
    level: 'info', message: 'hook finished', verdict: 'Succeeded', hookStatus: 'SUCCEEDED', reason: 'fine',
    hook: 'smoke', executionId: 'exec-ecs-1', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
  });
});

test('Failed maps to FAILED and logs the reason', async () => {
  const handler = ecsNativeHook(async () => failed('version 1.2.2, expected 1.2.3'));

  await expect(handler(ECS_EVENT, fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

  expect(logs.lines.at(-1)).toMatchObject({ level: 'error', verdict: 'Failed', reason: 'version 1.2.2, expected 1.2.3' });
});

test('a thrown error maps to FAILED', async () => {
  const handler = ecsNativeHook(async () => {
    throw new Error('boom');
  });

  await expect(handler(ECS_EVENT, fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });
  expect(logs.lines.at(-1)).toMatchObject({ reason: 'boom' });
});

test('the deadline maps to FAILED before the function times out', async () => {
  // On a clock of the test's own: the answer's time is the hook's deadline, not how busy the
  // machine's cores are.
  jest.useFakeTimers();
  try {
    const handler = ecsNativeHook(async ({ signal }) => {
      await sleep(5000, signal);
      return succeeded();
    });
    const started = Date.now();
    let answeredAfterMs: number | undefined;
    const answer = handler(ECS_EVENT, fakeContext(500)).finally(() => {
      answeredAfterMs = Date.now() - started;
    });

    await jest.advanceTimersByTimeAsync(499);

    expect(answeredAfterMs).toBeLessThan(500);
    await expect(answer).resolves.toEqual({ hookStatus: 'FAILED' });
    expect(String(logs.lines.at(-1)?.reason)).toMatch(/^hook deadline reached after/);
  } finally {
    jest.useRealTimers();
  }
});

test('deadline cleanup runs before FAILED is returned', async () => {
  const cleanup = jest.fn();
  const handler = ecsNativeHook(async (context) => {
    context.onDeadline(cleanup);
    await sleep(5000, context.signal);
    return succeeded();
  });

  await expect(handler(ECS_EVENT, fakeContext(500))).resolves.toEqual({ hookStatus: 'FAILED' });

  expect(cleanup).toHaveBeenCalledTimes(1);
  expect(cleanup.mock.calls[0][0].reason).toMatch(/^hook deadline reached after/);
});

test('InProgress maps to IN_PROGRESS with the delay and the state in hookDetails, keeping the service hookDetails', async () => {
  let seen: HookContext | undefined;
  const handler = ecsNativeHook(async (context) => {
    seen = context;
    return inProgress({ taskArn: 'arn:task/7' }, { delaySeconds: 12.5 });
  });

  const result = await handler(ECS_EVENT, fakeContext());

  expect(result).toMatchObject({
    hookStatus: 'IN_PROGRESS',
    callBackDelay: 13,
    hookDetails: { bucket: 'approvals', continuation: { state: { taskArn: 'arn:task/7' }, attempt: 1 } },
  });
  expect(seen?.execution).toEqual({
    engine: 'ecs',
    executionId: ECS_EVENT.executionId,
    lifecycleStage: ECS_EVENT.lifecycleStage,
    resourceArn: ECS_EVENT.resourceArn,
    executionDetails: ECS_EVENT.executionDetails,
    hookDetails: { bucket: 'approvals' },
  });
});

test('the next call receives the state back and can finish', async () => {
  const states: unknown[] = [];
  const handler = ecsNativeHook<number>(async ({ continuation }) => {
    states.push(continuation?.state);
    const polls = (continuation?.state ?? 0) + 1;
    return polls < 2 ? inProgress(polls) : succeeded();
  });

  const first = await handler(ECS_EVENT, fakeContext());
  expect(first.hookStatus).toBe('IN_PROGRESS');
  expect(first.callBackDelay).toBeUndefined();
  const second = await handler({ ...ECS_EVENT, hookDetails: first.hookDetails }, fakeContext());

  expect(second).toEqual({ hookStatus: 'SUCCEEDED' });
  expect(states).toEqual([undefined, 1]);
});

test('IN_PROGRESS past the hook total time becomes FAILED', async () => {
  const handler = ecsNativeHook(async () => inProgress({}), { totalTimeoutMs: 60_000 });
  const startedAt = new Date(Date.now() - 45_000).toISOString();

  const result = await handler({ ...ECS_EVENT, hookDetails: { continuation: { state: {}, attempt: 3, startedAt } } }, fakeContext());

  // The default callback delay of 30 s would end past the 60 s total.
  expect(result).toEqual({ hookStatus: 'FAILED' });
  expect(String(logs.lines.at(-1)?.reason)).toMatch(/total time of 60\.0 s ran out/);
});

test('an event without executionId still runs the body', async () => {
  const handler = ecsNativeHook(async () => succeeded());

  await expect(handler({}, fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });
  expect(logs.lines[0]).toMatchObject({ level: 'warn' });
});
