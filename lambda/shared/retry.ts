/**
 * Retries for AWS calls: exponential backoff with full jitter, bounded by a deadline, each
 * attempt cut off by its own timeout so a hung connection cannot eat the function's time.
 */

/** What one attempt receives. Pass `signal` on to the SDK: `client.send(command, { abortSignal: signal })`. */
export interface RetryAttempt {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted when this attempt's timeout fires or the caller's signal aborts. */
  readonly signal: AbortSignal;
}

/** Details of a retry about to happen, for logging. */
export interface RetryNotice {
  /** The attempt that just failed (1 for the first). */
  readonly attempt: number;
  readonly error: unknown;
  /** How long the helper waits before the next attempt. */
  readonly delayMs: number;
}

export interface RetryOptions {
  /** Attempts in total, the first included. Default 5. */
  readonly maxAttempts?: number;
  /** Upper bound of the first backoff, doubled after each attempt. Default 200 ms. */
  readonly baseDelayMs?: number;
  /** Cap of one backoff. Default 5000 ms. */
  readonly maxDelayMs?: number;
  /** Each attempt is aborted after this long (and counts as a retryable failure). Default 10000 ms. */
  readonly attemptTimeoutMs?: number;
  /**
   * Epoch milliseconds after which no attempt starts and no attempt runs: an attempt's timeout
   * is shortened to end by then, and a backoff that would end after it is not taken.
   */
  readonly deadline?: number;
  /**
   * With a deadline: keep trying up to it. A backoff that would end too close to the deadline is
   * shortened so that one last attempt still starts this many milliseconds before it; retries
   * end only when less than this is left. Without it, a backoff that would end past the deadline
   * ends the retries, which can leave up to a whole backoff unused.
   */
  readonly lastAttemptMs?: number;
  /** Aborts the attempt under way and stops retrying. */
  readonly signal?: AbortSignal;
  /** Which errors are worth another attempt. Default {@link isRetryableAwsError}. */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Called before each backoff. */
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** Retry settings of one kind of AWS call; the caller sets the deadline and signal itself. */
export type CallRetryOptions = Omit<RetryOptions, 'deadline' | 'signal' | 'onRetry' | 'isRetryable' | 'lastAttemptMs'>;

export const DEFAULT_RETRY = {
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  attemptTimeoutMs: 10_000,
} as const;

/** Thrown by an attempt whose own timeout fired; retryable. */
export class AttemptTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

/**
 * Runs `operation` until it succeeds, fails with an error that is not retryable, runs out of
 * attempts, or would pass the deadline; then throws the last error.
 *
 * @example
 * await withRetry(({ signal }) => ecs.send(new DescribeTasksCommand(input), { abortSignal: signal }),
 *   { deadline: Date.now() + 30_000, onRetry: ({ error }) => logger.warn('retrying', { error }) });
 */
export async function withRetry<T>(
  operation: (attempt: RetryAttempt) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_RETRY.maxAttempts);
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_RETRY.attemptTimeoutMs;
  const isRetryable = options.isRetryable ?? isRetryableAwsError;

  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const timeoutMs = options.deadline === undefined
      ? attemptTimeoutMs
      : Math.min(attemptTimeoutMs, options.deadline - Date.now());
    if (timeoutMs <= 0) {
      // A backoff that overslept the deadline: the last failure says more than a zero-length timeout.
      throw lastError ?? new AttemptTimeoutError(0);
    }
    try {
      return await runAttempt(operation, attempt, timeoutMs, options.signal);
    } catch (error) {
      lastError = error;
      if (options.signal?.aborted || attempt >= maxAttempts || !isRetryable(error)) {
        throw error;
      }
      // Full jitter: spreads the retries of many callers throttled at the same moment.
      let delayMs = Math.round(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
      if (options.deadline !== undefined && options.lastAttemptMs !== undefined) {
        const lastStart = options.deadline - options.lastAttemptMs;
        if (Date.now() >= lastStart) {
          throw error;
        }
        delayMs = Math.min(delayMs, lastStart - Date.now());
      } else if (options.deadline !== undefined && Date.now() + delayMs >= options.deadline) {
        throw error;
      }
      options.onRetry?.({ attempt, error, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}

async function runAttempt<T>(
  operation: (attempt: RetryAttempt) => Promise<T>,
  attempt: number,
  timeoutMs: number,
  outer: AbortSignal | undefined,
): Promise<T> {
  const controller = new AbortController();
  const timeoutError = new AttemptTimeoutError(timeoutMs);
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  // Races the operation against the timeout too, in case it ignores its signal.
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort(timeoutError);
      reject(timeoutError);
    }, timeoutMs);
  });
  try {
    return await Promise.race([operation({ attempt, signal: controller.signal }), timeout]);
  } catch (error) {
    throw controller.signal.reason === timeoutError ? timeoutError : error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

const THROTTLING_ERROR_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'RequestLimitExceededException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'SlowDown',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'TransactionInProgressException',
  'LimitExceededException',
]);

const TRANSIENT_ERROR_NAMES = new Set([
  'AttemptTimeoutError',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServerException',
]);

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Whether an error from an AWS SDK v3 call is worth another attempt: throttling, a 5xx or 429
 * answer, a timeout, or a network failure. Client errors (validation, access denied, not found)
 * are not.
 */
export function isRetryableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const candidate = error as {
    name?: unknown;
    code?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  if (candidate.$retryable) {
    return true;
  }
  if (typeof candidate.name === 'string'
    && (THROTTLING_ERROR_NAMES.has(candidate.name) || TRANSIENT_ERROR_NAMES.has(candidate.name))) {
    return true;
  }
  if (typeof candidate.code === 'string' && NETWORK_ERROR_CODES.has(candidate.code)) {
    return true;
  }
  const status = candidate.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) {
    return true;
  }
  return candidate.cause !== undefined && candidate.cause !== error && isRetryableAwsError(candidate.cause);
}

/** Waits `ms` milliseconds; rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
