import type { HookContext } from '../shared/hook';
import { describeError } from '../shared/logger';
import { withRetry } from '../shared/retry';

/**
 * One AWS call with the shared retry policy, bounded by the hook's deadline and cancelled with
 * it; each retry is logged with the call's name.
 */
export function awsCall<T>(
  context: HookContext<unknown>,
  call: string,
  operation: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return withRetry(({ signal }) => operation(signal), {
    deadline: context.deadline,
    signal: context.signal,
    onRetry: ({ attempt, delayMs, error }) => context.logger.warn('retrying AWS call', {
      call,
      attempt,
      delayMs,
      error: describeError(error),
    }),
  });
}
