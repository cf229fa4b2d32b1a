/**
 * Fault paths of the hook runtime: a report throttled for a long stretch or for good, a deployment
 * already over, an answer of unexpected shape, a hand-over from a version or alias, and the
 * failure cleanup on every Failed the runtime decides itself.
 */
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CodeDeployHookOptions,
  FailureCleanupScope,
  awsCall,
  codeDeployHook,
  failed,
  inProgress,
  sleep,
  succeeded,
} from '../../../lambda/shared';
import { CapturedLogs, EVENT, awsError, captureLogs, expectSingleReport, fakeContext, reportedStatuses } from '../helpers';

const codeDeploy = mockClient(CodeDeployClient);
const lambda = mockClient(LambdaClient);
let logs: CapturedLogs;

const FAST: CodeDeployHookOptions = {
  hookName: 'test-hook',
  handoverRetry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, attemptTimeoutMs: 500 },
};

beforeEach(() => {
  codeDeploy.reset();
  lambda.reset();
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  jest.useRealTimers();
});

/** Runs `work` under fake timers, advancing the clock a second at a time until it settles. */
async function underFakeTime<T>(work: () => Promise<T>, maxMs: number): Promise<T> {
  let settled = false;
  const done = work().finally(() => {
    settled = true;
  });
  for (let elapsed = 0; !settled && elapsed <= maxMs; elapsed += 1000) {
    await jest.advanceTimersByTimeAsync(1000);
  }
  return done;
}

/** CodeDeploy throttles every report until `until` (epoch ms), then accepts. */
function throttleReportsUntil(until: number): number[] {
  const attemptsAt: number[] = [];
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake(async () => {
    attemptsAt.push(Date.now());
    if (Date.now() < until) {
      throw awsError('ThrottlingException', 400, 'Rate exceeded');
    }
    return {};
  });
  return attemptsAt;
}

describe('the status report under throttling', () => {
  test('throttled for the first 20 s of a 60 s function: retried past 8 attempts until one is accepted', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    const started = Date.now();
    const attemptsAt = throttleReportsUntil(started + 20_000);
    const handler = codeDeployHook(async () => succeeded('checks passed'), FAST);

    const summary = await underFakeTime(() => handler({ ...EVENT }, fakeContext(60_000)), 70_000);

    expect(summary).toMatchObject({ verdict: 'Succeeded', report: 'reported' });
    // Exactly one accepted: the last attempt, the first after the throttled window.
    expect(attemptsAt.filter((at) => at >= started + 20_000)).toHaveLength(1);
    expect(attemptsAt[attemptsAt.length - 1]).toBeGreaterThanOrEqual(started + 20_000);
    expect(attemptsAt.length).toBeGreaterThan(8);
    // Capped backoff: no gap between attempts longer than the 5 s cap.
    const gaps = attemptsAt.slice(1).map((at, i) => at - attemptsAt[i]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(5000);
  });

  test('throttled for good: attempts go on until about a second before the timeout, and the log says so', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    const started = Date.now();
    const attemptsAt = throttleReportsUntil(Number.POSITIVE_INFINITY);
    const handler = codeDeployHook(async () => failed('status 500 on /health'), FAST);

    const summary = await underFakeTime(() => handler({ ...EVENT }, fakeContext(60_000)), 70_000);

    expect(summary).toMatchObject({ verdict: 'Failed', report: 'failed' });
    const functionDeadline = started + 60_000;
    const last = attemptsAt[attemptsAt.length - 1];
    // The last attempt starts within 1.5 s of the timeout and the function is back before the last second.
    expect(functionDeadline - last).toBeGreaterThanOrEqual(1000);
    expect(functionDeadline - last).toBeLessThanOrEqual(1600);
    expect(Date.now()).toBeLessThanOrEqual(functionDeadline - 1000);
    const gaveUp = logs.lines.find((line) => line.message.startsWith('stopped retrying the status report'));
    expect(gaveUp).toMatchObject({ level: 'error', verdict: 'Failed', attempts: attemptsAt.length });
    expect(gaveUp?.message).toMatch(/^stopped retrying the status report 1\.\d s before the function's timeout, after \d+ attempts over 5\d\.\d s; CodeDeploy will fail the hook when its hour is out$/);
  });

  test('a deployment already over is said so, and is not a failure to report', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(awsError(
      'DeploymentAlreadyCompletedException', 400, 'The deployment is already completed'));
    const handler = codeDeployHook(async () => failed('smoke check failed'), FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary).toEqual({ verdict: 'Failed', report: 'deployment-completed', reason: 'smoke check failed' });
    expect(reportedStatuses(codeDeploy)).toEqual(['Failed']);
    expect(logs.lines.some((line) => /hour is out|without reporting/.test(line.message))).toBe(false);
    expect(logs.lines.find((line) => line.message.startsWith('the deployment is already over'))).toMatchObject({ level: 'warn' });
  });
});

describe('an answer of unexpected shape', () => {
  test('a TypeError while reading an answer names the call whose answer it was', async () => {
    const handler = codeDeployHook(async (context) => {
      const answer = await awsCall(context, 'ecs:DescribeTaskSets', async () => ({ taskSets: { id: 'ts-1' } }));
      const sets = answer.taskSets as unknown as Array<{ id: string }>;
      return sets.find((set) => set.id === 'ts-1') ? succeeded() : failed('no task set');
    }, FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toBe('unexpected value while handling the answer of ecs:DescribeTaskSets: sets.find is not a function');
    expectSingleReport(codeDeploy, 'Failed');
  });
});

describe('hand-over', () => {
  test('invokes exactly the version or alias it was invoked by', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const aliasArn = 'arn:aws:lambda:eu-west-1:111111111111:function:migration-fn:live';
    const handler = codeDeployHook(async () => inProgress({ step: 1 }, { delaySeconds: 30 }), FAST);

    const summary = await handler({ ...EVENT }, { ...fakeContext(3000, 'migration-fn'), invokedFunctionArn: aliasArn });

    expect(summary.report).toBe('handed-over');
    expect(lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input.FunctionName)).toEqual([aliasArn]);
    expect(reportedStatuses(codeDeploy)).toEqual([]);
  });
});

describe('the failure cleanup', () => {
  type State = { readonly taskArn: string };

  function recordingCleanup(events: string[]): { onFailure: (scope: FailureCleanupScope<State>) => void; scopes: FailureCleanupScope<State>[] } {
    const scopes: FailureCleanupScope<State>[] = [];
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake(() => {
      events.push('report');
      return {};
    });
    return {
      scopes,
      onFailure: (scope) => {
        scopes.push(scope);
        events.push(`cleanup ${scope.state?.taskArn ?? 'without state'}`);
      },
    };
  }

  test('a hand-over that fails: cleanup with the latest state, then one Failed report', async () => {
    lambda.on(InvokeCommand).rejects(awsError('AccessDeniedException', 403, 'not authorized to perform lambda:InvokeFunction'));
    const events: string[] = [];
    const { onFailure, scopes } = recordingCleanup(events);
    const handler = codeDeployHook<State>(async () => inProgress({ taskArn: 'task/2' }, { delaySeconds: 30 }), { ...FAST, onFailure });

    const summary = await handler({ ...EVENT }, fakeContext(3000));

    expect(summary.reason).toMatch(/^could not hand the hook over/);
    expect(events).toEqual(['cleanup task/2', 'report']);
    expect(scopes[0].reason).toBe(summary.reason);
    expect(scopes[0].execution).toMatchObject({ engine: 'codedeploy', deploymentId: EVENT.DeploymentId });
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a continuation that arrives after the total time: cleanup with its state, no body run', async () => {
    const events: string[] = [];
    const { onFailure } = recordingCleanup(events);
    const body = jest.fn(async () => succeeded());
    const handler = codeDeployHook<State>(body, { ...FAST, totalTimeoutMs: 60_000, onFailure });
    const continuation = { state: { taskArn: 'task/3' }, attempt: 5, startedAt: new Date(Date.now() - 61_000).toISOString() };

    const summary = await handler({ ...EVENT, continuation }, fakeContext());

    expect(body).not.toHaveBeenCalled();
    expect(summary.reason).toMatch(/total time of 60\.0 s ran out/);
    expect(events).toEqual(['cleanup task/3', 'report']);
  });

  test('a body that throws after checkpointing: cleanup with the checkpointed state', async () => {
    const events: string[] = [];
    const { onFailure } = recordingCleanup(events);
    const handler = codeDeployHook<State>(async (context) => {
      context.checkpoint({ taskArn: 'task/4' });
      throw new Error('not authorized to describe tasks');
    }, { ...FAST, onFailure });

    await handler({ ...EVENT }, fakeContext());

    expect(events).toEqual(['cleanup task/4', 'report']);
  });

  test('the deadline: cleanup together with the body\'s own deadline cleanups', async () => {
    const events: string[] = [];
    const { onFailure } = recordingCleanup(events);
    const handler = codeDeployHook<State>(async (context) => {
      context.checkpoint({ taskArn: 'task/5' });
      context.onDeadline(() => {
        events.push('deadline cleanup');
      });
      await sleep(10_000, context.signal);
      return succeeded();
    }, { ...FAST, safetyMarginMs: 500, onFailure });

    await handler({ ...EVENT }, fakeContext(1000));

    expect(events).toEqual(['deadline cleanup', 'cleanup task/5', 'report']);
  });

  test('not run when the body returns Failed itself', async () => {
    const events: string[] = [];
    const { onFailure } = recordingCleanup(events);
    const handler = codeDeployHook<State>(async (context) => {
      context.checkpoint({ taskArn: 'task/6' });
      return failed('migration exited with code 1');
    }, { ...FAST, onFailure });

    await handler({ ...EVENT }, fakeContext());

    expect(events).toEqual(['report']);
  });

  test('a cleanup that throws cannot stop the report', async () => {
    lambda.on(InvokeCommand).rejects(awsError('AccessDeniedException', 403));
    const handler = codeDeployHook<State>(async () => inProgress({ taskArn: 'task/7' }, { delaySeconds: 30 }), {
      ...FAST,
      onFailure: () => {
        throw new Error('cleanup bug');
      },
    });

    const summary = await handler({ ...EVENT }, fakeContext(3000));

    expect(summary.verdict).toBe('Failed');
    expectSingleReport(codeDeploy, 'Failed');
    expect(logs.lines.find((line) => line.message === 'failure cleanup failed')).toMatchObject({ level: 'error' });
  });
});
