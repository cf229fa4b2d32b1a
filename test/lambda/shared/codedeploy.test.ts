import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CodeDeployHookOptions,
  DeadlineCleanupScope,
  HookBody,
  HookContext,
  codeDeployHook,
  failed,
  inProgress,
  sleep,
  succeeded,
  withRetry,
} from '../../../lambda/shared';
import { CapturedLogs, EVENT, awsError, captureLogs, expectHandedOver, expectSingleReport, fakeContext, reportedStatuses } from '../helpers';

const codeDeploy = mockClient(CodeDeployClient);
const lambda = mockClient(LambdaClient);
let logs: CapturedLogs;

/** Millisecond backoff so retry tests stay fast. */
const FAST: CodeDeployHookOptions = {
  hookName: 'test-hook',
  reportRetry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20, attemptTimeoutMs: 500 },
  handoverRetry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, attemptTimeoutMs: 500 },
};

beforeEach(() => {
  codeDeploy.reset();
  lambda.reset();
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({ lifecycleEventHookExecutionId: EVENT.LifecycleEventHookExecutionId });
  logs = captureLogs();
});

afterEach(() => logs.restore());

function finalLine() {
  const finals = logs.lines.filter((line) => line.message.startsWith('hook finished'));
  expect(finals).toHaveLength(1);
  return finals[0];
}

describe('verdicts', () => {
  test('a passing body reports Succeeded once and logs the verdict with the deployment ids', async () => {
    const handler = codeDeployHook(async () => succeeded('all good'), FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary).toEqual({ verdict: 'Succeeded', report: 'reported', reason: 'all good' });
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(finalLine()).toMatchObject({
      level: 'info', verdict: 'Succeeded', report: 'reported', hook: 'test-hook',
      deploymentId: EVENT.DeploymentId, lifecycleEventHookExecutionId: EVENT.LifecycleEventHookExecutionId,
    });
  });

  test('a failing body reports Failed once with its reason', async () => {
    const handler = codeDeployHook(async () => failed('status 500 on /health'), FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary).toMatchObject({ verdict: 'Failed', reason: 'status 500 on /health' });
    expectSingleReport(codeDeploy, 'Failed');
    expect(finalLine()).toMatchObject({ level: 'error', verdict: 'Failed', reason: 'status 500 on /health' });
  });

  test('a body that throws reports Failed with the error message', async () => {
    const handler = codeDeployHook(() => {
      throw new Error('cannot parse config');
    }, FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary).toMatchObject({ verdict: 'Failed', reason: 'cannot parse config' });
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a body whose promise rejects later reports Failed with the error message', async () => {
    const handler = codeDeployHook(async () => {
      await sleep(5);
      throw new TypeError('undefined is not a function');
    }, FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary).toMatchObject({ verdict: 'Failed', reason: 'undefined is not a function' });
    expectSingleReport(codeDeploy, 'Failed');
    expect(logs.lines.find((line) => line.message === 'hook body threw')).toMatchObject({ error: { name: 'TypeError' } });
  });

  test('a body that returns something that is not an outcome reports Failed', async () => {
    const handler = codeDeployHook((async () => ({ ok: true })) as unknown as HookBody, FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/^hook body returned an invalid outcome: \{"ok":true\}/);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('the body receives the CodeDeploy ids and a logger that tags its lines', async () => {
    let seen: HookContext | undefined;
    const handler = codeDeployHook(async (context) => {
      seen = context;
      context.logger.info('checked something', { check: 'health', verdict: 'pass' });
      return succeeded();
    }, FAST);

    await handler({ ...EVENT }, fakeContext());

    expect(seen?.execution).toEqual({
      engine: 'codedeploy', deploymentId: EVENT.DeploymentId, lifecycleEventHookExecutionId: EVENT.LifecycleEventHookExecutionId,
    });
    expect(seen?.continuation).toBeUndefined();
    expect(logs.lines.find((line) => line.message === 'checked something')).toMatchObject({
      check: 'health', verdict: 'pass', hook: 'test-hook', deploymentId: EVENT.DeploymentId, requestId: 'req-1',
    });
    expectSingleReport(codeDeploy, 'Succeeded');
  });
});

describe('malformed events', () => {
  test.each([
    ['an empty event', {}],
    ['null', null],
    ['a string', 'DeploymentId'],
  ])('%s: nothing can be reported, the error is logged and the function returns', async (_name, event) => {
    const body = jest.fn(async () => succeeded());
    const handler = codeDeployHook(body, FAST);

    const summary = await handler(event as never, fakeContext());

    expect(summary).toEqual({ verdict: 'Unknown', report: 'not-attempted', reason: 'malformed event' });
    expect(body).not.toHaveBeenCalled();
    expect(reportedStatuses(codeDeploy)).toEqual([]);
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({ level: 'error', verdict: 'Unknown' });
    expect(logs.lines[0].message).toMatch(/^malformed hook event/);
  });

  test('an event with only one id logs the id it has', async () => {
    const handler = codeDeployHook(async () => succeeded(), FAST);

    await expect(handler({ DeploymentId: EVENT.DeploymentId }, fakeContext())).resolves.toMatchObject({ report: 'not-attempted' });

    expect(reportedStatuses(codeDeploy)).toEqual([]);
    expect(logs.lines[0]).toMatchObject({ level: 'error', deploymentId: EVENT.DeploymentId });
    expect(logs.lines[0].lifecycleEventHookExecutionId).toBeUndefined();
  });
});

describe('the status report call', () => {
  test('a throttled report is retried and succeeds: one accepted Succeeded', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand)
      .rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded'))
      .resolves({});
    const handler = codeDeployHook(async () => succeeded(), FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.report).toBe('reported');
    // Two attempts of the same single report: the first throttled, the second accepted.
    expect(reportedStatuses(codeDeploy)).toEqual(['Succeeded', 'Succeeded']);
    const retry = logs.lines.filter((line) => line.message === 'status report failed, retrying');
    expect(retry).toHaveLength(1);
    expect(retry[0]).toMatchObject({ level: 'warn', attempt: 1, error: { name: 'ThrottlingException' } });
    expect(finalLine()).toMatchObject({ verdict: 'Succeeded', report: 'reported' });
  });

  test('a network error on the report is retried', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .resolves({});
    const handler = codeDeployHook(async () => failed('bad'), FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.report).toBe('reported');
    expect(reportedStatuses(codeDeploy)).toEqual(['Failed', 'Failed']);
  });

  test('a report that keeps failing is logged as an error and the function still returns', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(awsError('InternalFailure', 500));
    const handler = codeDeployHook(async () => succeeded(), FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary).toMatchObject({ verdict: 'Succeeded', report: 'failed' });
    expect(reportedStatuses(codeDeploy)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    const errors = logs.lines.filter((line) => line.level === 'error');
    expect(errors.map((line) => line.message)).toEqual([
      'could not report the hook status; CodeDeploy will fail the hook when its hour is out',
      'hook finished without reporting',
    ]);
  });

  test('a report refused for good (access denied) is not retried', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(awsError('AccessDeniedException', 400));
    const handler = codeDeployHook(async () => succeeded(), FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.report).toBe('failed');
    expect(reportedStatuses(codeDeploy)).toEqual(['Succeeded']);
  });

  test('retries of a failing report stop before the function times out', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(awsError('ThrottlingException'));
    const handler = codeDeployHook(async () => succeeded(), {
      ...FAST, reportRetry: { maxAttempts: 1000, baseDelayMs: 50, maxDelayMs: 50 },
    });
    const started = Date.now();

    const summary = await handler({ ...EVENT }, fakeContext(1000));

    expect(summary.report).toBe('failed');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(reportedStatuses(codeDeploy).length).toBeGreaterThan(3);
  });

  test('a retried invocation whose status is already in is done, not an error', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(awsError(
      'LifecycleEventAlreadyCompletedException', 400, 'The lifecycle event has already completed'));
    const handler = codeDeployHook(async () => succeeded(), FAST);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary).toEqual({ verdict: 'Succeeded', report: 'already-completed' });
    expect(reportedStatuses(codeDeploy)).toEqual(['Succeeded']);
    expect(logs.lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(logs.lines.find((line) => line.message.startsWith('status already reported'))).toMatchObject({ level: 'info' });
    expect(finalLine()).toMatchObject({ report: 'already-completed' });
  });
});

describe('deadlines', () => {
  test('a slow body is stopped before the function times out and the hook reports Failed', async () => {
    let signal: AbortSignal | undefined;
    const handler = codeDeployHook(async (context) => {
      signal = context.signal;
      context.progress('waiting for check slow');
      await sleep(10_000, context.signal);
      return succeeded();
    }, FAST);
    const started = Date.now();

    const summary = await handler({ ...EVENT }, fakeContext(1000));

    const elapsed = Date.now() - started;
    // Default margin for a 1 s function: 20 % of it, so the deadline is at about 800 ms.
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(1000);
    expect(summary.reason).toMatch(/^hook deadline reached after 0\.\d s; stopped 0\.2 s before the function's timeout to report in time; waiting for check slow$/);
    expectSingleReport(codeDeploy, 'Failed');
    expect(signal?.aborted).toBe(true);
  });

  test('the safety margin is configurable', async () => {
    const handler = codeDeployHook(async ({ signal }) => {
      await sleep(10_000, signal);
      return succeeded();
    }, { ...FAST, safetyMarginMs: 900 });
    const started = Date.now();

    await handler({ ...EVENT }, fakeContext(1000));

    expect(Date.now() - started).toBeLessThan(300);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a body that ignores its signal cannot delay the report', async () => {
    let timer: NodeJS.Timeout | undefined;
    const handler = codeDeployHook(async () => {
      await new Promise((resolve) => {
        timer = setTimeout(resolve, 3000);
      });
      return succeeded();
    }, FAST);
    const started = Date.now();

    const summary = await handler({ ...EVENT }, fakeContext(500));
    clearTimeout(timer);

    expect(Date.now() - started).toBeLessThan(500);
    expect(summary.verdict).toBe('Failed');
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('deadline cleanup runs with a live signal of its own before the one Failed report', async () => {
    const events: string[] = [];
    let cleanupScope: DeadlineCleanupScope | undefined;
    let cleanupBudgetMs = -1;
    let cleanupSignalAbortedDuringCleanup: boolean | undefined;
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake(() => {
      events.push('report');
      return {};
    });
    const handler = codeDeployHook(async (context) => {
      context.onDeadline(async (scope) => {
        cleanupScope = scope;
        cleanupBudgetMs = scope.deadline - Date.now();
        await sleep(20, scope.signal);
        cleanupSignalAbortedDuringCleanup = scope.signal.aborted;
        events.push('cleanup');
      });
      await sleep(10_000, context.signal);
      return succeeded();
    }, { ...FAST, safetyMarginMs: 500 });

    const summary = await handler({ ...EVENT }, fakeContext(1000));

    expect(summary.reason).toMatch(/^hook deadline reached after/);
    expect(events).toEqual(['cleanup', 'report']);
    expectSingleReport(codeDeploy, 'Failed');
    expect(cleanupSignalAbortedDuringCleanup).toBe(false);
    expect(cleanupScope?.reason).toBe(summary.reason);
    // Half the 500 ms margin at most, so the report keeps the other half.
    expect(cleanupBudgetMs).toBeGreaterThan(100);
    expect(cleanupBudgetMs).toBeLessThanOrEqual(250);
    expect(logs.lines.some((line) => line.message === 'deadline cleanup finished')).toBe(true);
  });

  test('a deadline cleanup that hangs or throws cannot stop the report', async () => {
    const handler = codeDeployHook(async (context) => {
      context.onDeadline(() => new Promise<void>(() => undefined));
      context.onDeadline(() => {
        throw new Error('cleanup bug');
      });
      await sleep(10_000, context.signal);
      return succeeded();
    }, { ...FAST, safetyMarginMs: 400 });
    const started = Date.now();

    const summary = await handler({ ...EVENT }, fakeContext(1000));

    expect(Date.now() - started).toBeLessThan(1000);
    expect(summary.verdict).toBe('Failed');
    expectSingleReport(codeDeploy, 'Failed');
    expect(logs.lines.some((line) => line.message === 'deadline cleanup did not finish in time; reporting anyway')).toBe(true);
  });

  test('a body whose AWS call is cut off at the deadline counts as stopped by it, cleanup included', async () => {
    const cleanup = jest.fn();
    const handler = codeDeployHook(async (context) => {
      context.onDeadline(cleanup);
      // Ignores its signal, so only the attempt timeout at the deadline ends it.
      await withRetry(() => new Promise<never>(() => undefined), { deadline: context.deadline });
      return succeeded();
    }, FAST);

    const summary = await handler({ ...EVENT }, fakeContext(500));

    expect(summary.reason).toMatch(/^hook deadline reached after/);
    expect(cleanup).toHaveBeenCalledTimes(1);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('deadline cleanup does not run when the body ends by itself', async () => {
    const cleanup = jest.fn();
    const handler = codeDeployHook(async (context) => {
      context.onDeadline(cleanup);
      throw new Error('config missing');
    }, FAST);

    await handler({ ...EVENT }, fakeContext());

    expect(cleanup).not.toHaveBeenCalled();
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('the remaining time and the hook\'s total deadline are given to the body', async () => {
    let remaining = -1;
    let totalLeft = -1;
    const handler = codeDeployHook(async (context) => {
      remaining = context.remainingMs();
      totalLeft = context.totalDeadline - Date.now();
      return succeeded();
    }, { ...FAST, safetyMarginMs: 10_000, totalTimeoutMs: 600_000 });

    await handler({ ...EVENT }, fakeContext(60_000));

    expect(remaining).toBeGreaterThan(49_000);
    expect(remaining).toBeLessThanOrEqual(50_000);
    expect(totalLeft).toBeGreaterThan(599_000);
    expect(totalLeft).toBeLessThanOrEqual(600_000);
  });
});

describe('work longer than one invocation', () => {
  test('an in-progress outcome that does not fit hands over to a new invocation with its state, and does not report', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const handler = codeDeployHook(async () => inProgress({ taskArn: 'arn:task/1' }, { delaySeconds: 15 }), FAST);
    const started = Date.now();

    const summary = await handler({ ...EVENT }, fakeContext(3000, 'migration-fn'));

    expect(summary).toEqual({ verdict: 'InProgress', report: 'handed-over' });
    const payload = expectHandedOver(codeDeploy, lambda, 'migration-fn');
    expect(payload).toMatchObject({ ...EVENT, continuation: { state: { taskArn: 'arn:task/1' }, attempt: 1 } });
    expect(Date.parse(payload.continuation.startedAt)).toBeGreaterThanOrEqual(started - 5);
    expect(Date.parse(payload.continuation.resumeAt ?? '')).toBeGreaterThanOrEqual(started + 15_000);
    expect(logs.lines.find((line) => line.message === 'hook handed over to a new invocation')).toMatchObject({ attempt: 1 });
  });

  test('the new invocation gives the state to the body and reports once', async () => {
    const startedAt = new Date(Date.now() - 20_000).toISOString();
    let seen: unknown;
    const handler = codeDeployHook<{ taskArn: string }>(async ({ continuation }) => {
      seen = continuation;
      return succeeded(`task ${continuation?.state.taskArn} exited 0`);
    }, FAST);

    const summary = await handler({ ...EVENT, continuation: { state: { taskArn: 'arn:task/1' }, attempt: 1, startedAt } }, fakeContext());

    expect(seen).toEqual({ state: { taskArn: 'arn:task/1' }, attempt: 1, startedAt });
    expect(summary.verdict).toBe('Succeeded');
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  test('while time allows, the body runs again in the same invocation after the delay', async () => {
    const attempts: Array<number | undefined> = [];
    const handler = codeDeployHook<number>(async ({ continuation }) => {
      attempts.push(continuation?.attempt);
      const polls = (continuation?.state ?? 0) + 1;
      return polls < 3 ? inProgress(polls, { delaySeconds: 0.02 }) : succeeded(`done after ${polls} polls`);
    }, { ...FAST, minRunMs: 100 });

    const summary = await handler({ ...EVENT }, fakeContext(5000));

    expect(attempts).toEqual([undefined, 1, 2]);
    expect(summary).toMatchObject({ verdict: 'Succeeded', reason: 'done after 3 polls' });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expectSingleReport(codeDeploy, 'Succeeded');
  });

  test('when the total time ends within this invocation, the body runs again here instead of bouncing between invocations', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const attempts: Array<number | undefined> = [];
    const handler = codeDeployHook<number>(async ({ continuation }) => {
      attempts.push(continuation?.attempt);
      return continuation ? succeeded('done') : inProgress(1, { delaySeconds: 0.05 });
    }, { ...FAST, totalTimeoutMs: 2000 });

    const summary = await handler({ ...EVENT }, fakeContext(60_000));

    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(attempts).toEqual([undefined, 1]);
    expect(summary).toMatchObject({ verdict: 'Succeeded', report: 'reported' });
    expectSingleReport(codeDeploy, 'Succeeded');
  });

  test('a continued invocation waits for its resume time here when the total time ends within it', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const body = jest.fn(async () => succeeded('done'));
    const handler = codeDeployHook(body, { ...FAST, totalTimeoutMs: 2000 });
    const now = Date.now();
    const continuation = { state: {}, attempt: 1, startedAt: new Date(now - 500).toISOString(), resumeAt: new Date(now + 100).toISOString() };

    const summary = await handler({ ...EVENT, continuation }, fakeContext(60_000));

    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(body).toHaveBeenCalledTimes(1);
    expect(summary).toMatchObject({ verdict: 'Succeeded', report: 'reported' });
    expectSingleReport(codeDeploy, 'Succeeded');
  });

  test('the hook fails when its total time runs out', async () => {
    const body = jest.fn(async () => succeeded());
    const handler = codeDeployHook(body, { ...FAST, totalTimeoutMs: 60_000 });
    const startedAt = new Date(Date.now() - 61_000).toISOString();

    const summary = await handler({ ...EVENT, continuation: { state: {}, attempt: 4, startedAt } }, fakeContext());

    expect(body).not.toHaveBeenCalled();
    expect(summary.reason).toMatch(/^hook deadline reached after 61\.\d s; the hook's total time of 60\.0 s ran out/);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('an in-progress outcome past the total time fails instead of handing over', async () => {
    const handler = codeDeployHook(async () => inProgress({}, { delaySeconds: 120, reason: 'task still running' }),
      { ...FAST, totalTimeoutMs: 60_000 });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/total time of 60\.0 s ran out with the work still in progress: task still running$/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a hand-over that cannot be made reports Failed', async () => {
    lambda.on(InvokeCommand).rejects(awsError('AccessDeniedException', 403, 'not authorized to perform lambda:InvokeFunction'));
    const handler = codeDeployHook(async () => inProgress({ step: 2 }, { delaySeconds: 30 }), FAST);

    const summary = await handler({ ...EVENT }, fakeContext(3000, 'migration-fn'));

    expect(summary.reason).toBe('could not hand the hook over to a new invocation of migration-fn: not authorized to perform lambda:InvokeFunction');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a throttled hand-over is retried', async () => {
    lambda.on(InvokeCommand).rejectsOnce(awsError('TooManyRequestsException', 429)).resolves({ StatusCode: 202 });
    const handler = codeDeployHook(async () => inProgress({ step: 2 }, { delaySeconds: 30 }), FAST);

    const summary = await handler({ ...EVENT }, fakeContext(3000));

    expect(summary.report).toBe('handed-over');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
    expect(reportedStatuses(codeDeploy)).toEqual([]);
  });
});
