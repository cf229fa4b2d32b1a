/**
 * Hands a CodeDeploy hook's work over to a fresh invocation of the same function, for work
 * longer than one Lambda run: an asynchronous self-invocation with the event plus the
 * continuation.
 */
import type { InvokeCommand as InvokeCommandType, LambdaClient as LambdaClientType } from '@aws-sdk/client-lambda';
import { CONTINUATION_FIELD, HookContinuation } from '../../contract/hook';
import { clientConfig, lazy } from './clients';
import { HookFailed, LambdaContext, failed } from './hook';
import { InvocationPlan } from './invocation';
import { Logger, describeError, errorMessage } from './logger';
import { CallRetryOptions, withRetry } from './retry';

/** Asynchronous invocation payload limit. */
const MAX_ASYNC_PAYLOAD_BYTES = 256 * 1024;

export const DEFAULT_HANDOVER_RETRY: CallRetryOptions = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5000, attemptTimeoutMs: 10_000 };

interface LambdaApi {
  readonly client: LambdaClientType;
  readonly InvokeCommand: typeof InvokeCommandType;
}

/** Loaded on first hand-over only, so hooks that never hand over do not pay its load time. */
const loadLambdaApi = lazy((): Promise<LambdaApi> => import('@aws-sdk/client-lambda').then((module) => ({
  client: new module.LambdaClient(clientConfig()),
  InvokeCommand: module.InvokeCommand,
})));

/**
 * What to invoke: exactly what was invoked. Called through a version or an alias, the
 * continuation must run that same code, not `$LATEST`, which the bare name would run.
 */
export function selfInvocationTarget(lambdaContext: LambdaContext): string {
  const arn = lambdaContext.invokedFunctionArn;
  return typeof arn === 'string' && arn.length > 0 ? arn : lambdaContext.functionName;
}

/**
 * Invokes the function again, asynchronously, with the event and `continuation`. Returns
 * `handed-over`, or Failed with a reason when the invocation could not be made.
 */
export async function handOver<TState>(
  event: Record<string, unknown>,
  continuation: HookContinuation<TState>,
  plan: InvocationPlan,
  lambdaContext: LambdaContext,
  logger: Logger,
  retry: CallRetryOptions | undefined,
): Promise<HookFailed | 'handed-over'> {
  const target = selfInvocationTarget(lambdaContext);
  const payload = JSON.stringify({ ...event, [CONTINUATION_FIELD]: continuation });
  if (Buffer.byteLength(payload) > MAX_ASYNC_PAYLOAD_BYTES) {
    return failed(`cannot hand the hook over to a new invocation: its state is ${Buffer.byteLength(payload)} bytes, `
      + `over the ${MAX_ASYNC_PAYLOAD_BYTES}-byte limit of an asynchronous invocation; keep less state`);
  }
  try {
    const { client, InvokeCommand } = await loadLambdaApi();
    const response = await withRetry(({ signal }) => client.send(new InvokeCommand({
      FunctionName: target,
      InvocationType: 'Event',
      Payload: Buffer.from(payload),
    }), { abortSignal: signal }), {
      ...DEFAULT_HANDOVER_RETRY,
      ...retry,
      // Stops early enough to leave the failure cleanup and the report their share of the margin.
      deadline: plan.functionDeadline - (plan.safetyMarginMs * 3) / 4,
      onRetry: ({ attempt, error, delayMs }) => logger.warn('hand-over failed, retrying', {
        attempt, delayMs, error: describeError(error),
      }),
    });
    if (response.FunctionError) {
      throw new Error(`invoke answered ${response.FunctionError}`);
    }
    logger.info('hook handed over to a new invocation', {
      verdict: 'InProgress', attempt: continuation.attempt, functionName: target,
      elapsedMs: Date.now() - plan.startedAt,
    });
    return 'handed-over';
  } catch (error) {
    logger.error('could not hand the hook over to a new invocation', { error: describeError(error), functionName: target });
    return failed(`could not hand the hook over to a new invocation of ${target}: ${errorMessage(error)}`);
  }
}
