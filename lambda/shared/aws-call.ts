/**
 * One AWS call from a hook body: the shared retry policy, bounded by the hook's deadline and
 * stopped with its signal, each retry logged with the call's name.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { LogFields, Logger, describeError } from './logger';
import { CallRetryOptions, withRetry } from './retry';

/** The AWS call a hook run made last, so an error the body did not expect can name it. */
interface CallTrail {
  last?: string;
}

const trails = new AsyncLocalStorage<CallTrail>();

/**
 * Runs `work` keeping track of the AWS calls made through {@link awsCall} inside it; `lastCall`
 * returns the one started last (the operation in progress, or whose answer was being read).
 */
export function trackAwsCalls<T>(work: () => Promise<T>): { readonly done: Promise<T>; lastCall(): string | undefined } {
  const trail: CallTrail = {};
  // The async wrapper turns a body that throws synchronously into a rejection.
  return { done: trails.run(trail, async () => work()), lastCall: () => trail.last };
}

/**
 * What bounds a call. A `HookContext` is one; so is anything with its own signal and deadline,
 * such as the part of the work a body aborts early or a deadline cleanup.
 */
export interface AwsCallScope {
  /** Aborts the attempt under way and stops retrying. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds after which no attempt starts or runs. */
  readonly deadline: number;
  readonly logger: Logger;
}

export interface AwsCallOptions extends CallRetryOptions {
  /** Added to each retry's log line, e.g. which secret was being read. */
  readonly logFields?: LogFields;
}

/**
 * Runs `operation` with {@link withRetry} until it succeeds or the scope's deadline or signal
 * stops it; then throws the last error.
 *
 * @param call `service:Operation`, named in the retry log lines.
 * @example
 * const described = await awsCall(context, 'ecs:DescribeTasks', (abortSignal) =>
 *   ecs().send(new DescribeTasksCommand({ cluster, tasks }), { abortSignal }));
 */
export function awsCall<T>(
  scope: AwsCallScope,
  call: string,
  operation: (signal: AbortSignal) => Promise<T>,
  options: AwsCallOptions = {},
): Promise<T> {
  const { logFields, ...retry } = options;
  const trail = trails.getStore();
  if (trail) {
    trail.last = call;
  }
  return withRetry(({ signal }) => operation(signal), {
    ...retry,
    deadline: scope.deadline,
    signal: scope.signal,
    onRetry: ({ attempt, delayMs, error }) => scope.logger.warn('retrying AWS call', {
      call,
      ...logFields,
      attempt,
      delayMs,
      error: describeError(error),
    }),
  });
}
