import { AttemptTimeoutError, isRetryableAwsError, sleep, withRetry } from '../../../lambda/shared';
import { awsError } from '../helpers';

describe('isRetryableAwsError', () => {
  test.each([
    ['throttling', awsError('ThrottlingException')],
    ['EC2 throttling', awsError('RequestLimitExceeded', 503)],
    ['too many requests', awsError('TooManyRequestsException', 429)],
    ['any 5xx', awsError('SomethingBroke', 502)],
    ['a 429 whatever its name', awsError('Whatever', 429)],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a DNS hiccup', Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' })],
    ['an SDK timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['an attempt timeout', new AttemptTimeoutError(10)],
    ['an error the SDK marks retryable', Object.assign(new Error('x'), { $retryable: {} })],
    ['a network error wrapped as cause', new Error('fetch failed', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) })],
  ])('%s is retryable', (_name, error) => {
    expect(isRetryableAwsError(error)).toBe(true);
  });

  test.each([
    ['access denied', awsError('AccessDeniedException', 403)],
    ['validation', awsError('ValidationException', 400)],
    ['a lifecycle event already completed', awsError('LifecycleEventAlreadyCompletedException', 400)],
    ['a plain error', new Error('bug')],
    ['a string', 'ThrottlingException'],
    ['undefined', undefined],
  ])('%s is not retryable', (_name, error) => {
    expect(isRetryableAwsError(error)).toBe(false);
  });
});

describe('withRetry', () => {
  test('returns the first success after retryable failures and reports each retry', async () => {
    const operation = jest.fn()
      .mockRejectedValueOnce(awsError('ThrottlingException'))
      .mockRejectedValueOnce(awsError('InternalFailure', 500))
      .mockResolvedValueOnce('ok');
    const retries: number[] = [];

    const result = await withRetry(operation, { baseDelayMs: 1, onRetry: ({ attempt }) => retries.push(attempt) });

    expect(result).toBe('ok');
    expect(operation).toHaveBeenCalledTimes(3);
    expect(operation.mock.calls.map(([attempt]) => attempt.attempt)).toEqual([1, 2, 3]);
    expect(retries).toEqual([1, 2]);
  });

  test('throws a non-retryable error at once', async () => {
    const operation = jest.fn().mockRejectedValue(awsError('AccessDeniedException', 403));

    await expect(withRetry(operation, { baseDelayMs: 1 })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(operation).toHaveBeenCalledTimes(1);
  });

  test('throws the last error after maxAttempts', async () => {
    const operation = jest.fn().mockRejectedValue(awsError('ThrottlingException'));

    await expect(withRetry(operation, { maxAttempts: 3, baseDelayMs: 1 })).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(operation).toHaveBeenCalledTimes(3);
  });

  test('backoff grows exponentially within the cap, with jitter', async () => {
    const delays: number[] = [];
    const operation = jest.fn().mockRejectedValue(awsError('ThrottlingException'));

    await expect(withRetry(operation, {
      maxAttempts: 6, baseDelayMs: 4, maxDelayMs: 16, onRetry: ({ delayMs }) => delays.push(delayMs),
    })).rejects.toBeDefined();

    const caps = [4, 8, 16, 16, 16];
    expect(delays).toHaveLength(5);
    delays.forEach((delay, index) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(caps[index]);
    });
  });

  test('a hung attempt is cut off by its timeout, aborted, and retried', async () => {
    const signals: AbortSignal[] = [];
    const operation = jest.fn(async ({ signal, attempt }: { signal: AbortSignal; attempt: number }) => {
      signals.push(signal);
      if (attempt === 1) {
        await new Promise(() => undefined);
      }
      return attempt;
    });
    const started = Date.now();

    await expect(withRetry(operation, { attemptTimeoutMs: 50, baseDelayMs: 1 })).resolves.toBe(2);

    expect(Date.now() - started).toBeLessThan(500);
    expect(signals[0].aborted).toBe(true);
    expect(signals[0].reason).toBeInstanceOf(AttemptTimeoutError);
  });

  test('never runs past the deadline', async () => {
    const operation = jest.fn().mockRejectedValue(awsError('ThrottlingException'));
    const started = Date.now();

    await expect(withRetry(operation, {
      maxAttempts: 10_000, baseDelayMs: 20, maxDelayMs: 20, deadline: started + 200,
    })).rejects.toMatchObject({ name: 'ThrottlingException' });

    // The deadline plus one timer's lateness on a loaded machine, not another backoff.
    expect(Date.now() - started).toBeLessThan(400);
    expect(operation.mock.calls.length).toBeGreaterThan(2);
  });

  test('a backoff that oversleeps the deadline ends with the last failure, not a zero-length timeout', async () => {
    const operation = jest.fn().mockRejectedValue(awsError('ThrottlingException'));
    const sleepy = jest.spyOn(Math, 'random').mockReturnValue(0.99);
    try {
      // The jittered delay (~49 ms) fits before the deadline (50 ms), but the timer fires late.
      const started = Date.now();
      const blocker = setTimeout(() => {
        const until = started + 80;
        while (Date.now() < until) { /* busy: the timer below fires after the deadline */ }
      }, 5);
      await expect(withRetry(operation, { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 50, deadline: started + 60 }))
        .rejects.toMatchObject({ name: 'ThrottlingException' });
      clearTimeout(blocker);
    } finally {
      sleepy.mockRestore();
    }
  });

  test('an abort from the caller stops the retries', async () => {
    const controller = new AbortController();
    const operation = jest.fn().mockRejectedValue(awsError('ThrottlingException'));
    setTimeout(() => controller.abort(new Error('hook deadline')), 30);

    await expect(withRetry(operation, { maxAttempts: 10_000, baseDelayMs: 10, maxDelayMs: 10, signal: controller.signal }))
      .rejects.toThrow('hook deadline');
  });
});

describe('sleep', () => {
  test('rejects with the reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('stop')), 20);

    await expect(sleep(5000, controller.signal)).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
