/**
 * The Amazon ECS adapter, for services that use ECS's own blue/green strategy (2025): ECS
 * invokes the hook function and reads its return value, `{ hookStatus, callBackDelay?,
 * hookDetails? }`, calling it again while it answers `IN_PROGRESS`. The same hook bodies serve
 * both engines.
 */
import { CONTINUATION_FIELD, HookContinuation } from '../../contract/hook';
import { FailureCleanupRun, runFailureCleanup } from './cleanup';
import {
  HookBody,
  HookOutcome,
  HookRuntimeOptions,
  LambdaContext,
  failed,
  formatSeconds,
  parseContinuation,
  planInvocation,
  runBodyOnce,
  workRecordOf,
} from './hook';
import { createLogger, describeError, errorMessage } from './logger';
import { isRecord } from './answer';

/** What Amazon ECS sends to a lifecycle hook function. */
export interface EcsNativeHookEvent {
  readonly executionId?: string;
  /** e.g. `POST_TEST_TRAFFIC_SHIFT`. */
  readonly lifecycleStage?: string;
  /** The service deployment's ARN. */
  readonly resourceArn?: string;
  readonly executionDetails?: Record<string, unknown>;
  /**
   * The hook's `hookDetails` from the service definition, or those returned with the previous
   * `IN_PROGRESS`; the runtime keeps its continuation under `continuation`.
   */
  readonly hookDetails?: Record<string, unknown>;
  readonly [field: string]: unknown;
}

/** What Amazon ECS expects back. */
export interface EcsNativeHookResult {
  readonly hookStatus: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';
  /** Seconds before ECS calls again after `IN_PROGRESS` (ECS's default: 30). */
  readonly callBackDelay?: number;
  /** Passed back to the next invocation after `IN_PROGRESS`. */
  readonly hookDetails?: Record<string, unknown>;
}

/**
 * Wraps a hook body into a Lambda handler for an Amazon ECS lifecycle hook. Never throws:
 * an error, an invalid outcome or the deadline (function timeout minus the safety margin, or the
 * hook's total time, after the body's `onDeadline` cleanups) become `FAILED`, after the
 * `onFailure` cleanup; an in-progress outcome becomes `IN_PROGRESS` with the body's state in
 * `hookDetails.continuation` and its delay as `callBackDelay`.
 */
export function ecsNativeHook<TState = unknown>(
  body: HookBody<TState>,
  options: HookRuntimeOptions<TState> = {},
): (event: EcsNativeHookEvent, context: LambdaContext) => Promise<EcsNativeHookResult> {
  return async (event, lambdaContext) => {
    const record: EcsNativeHookEvent = typeof event === 'object' && event !== null ? event : {};
    const incomingDetails = isRecord(record.hookDetails) ? record.hookDetails : {};
    const { [CONTINUATION_FIELD]: rawContinuation, ...serviceDetails } = incomingDetails;
    const continuation = parseContinuation(rawContinuation) as HookContinuation<TState> | undefined;
    const plan = planInvocation(options, lambdaContext, continuation);
    const requestId = lambdaContext?.awsRequestId;
    const logger = createLogger({
      hook: plan.hookName,
      ...(record.executionId ? { executionId: record.executionId } : {}),
      ...(record.lifecycleStage ? { lifecycleStage: record.lifecycleStage } : {}),
      ...(requestId ? { requestId } : {}),
    });
    if (!record.executionId) {
      logger.warn('hook event has no executionId; running the hook anyway', { eventKeys: Object.keys(record).slice(0, 20) });
    }

    const run: FailureCleanupRun<TState> = {
      plan,
      logger,
      execution: {
        engine: 'ecs',
        executionId: record.executionId,
        lifecycleStage: record.lifecycleStage,
        resourceArn: record.resourceArn,
        executionDetails: isRecord(record.executionDetails) ? record.executionDetails : undefined,
        hookDetails: serviceDetails,
      },
      work: workRecordOf(continuation),
      onFailure: options.onFailure,
    };
    let outcome: HookOutcome<TState>;
    try {
      outcome = await runBodyOnce({ ...run, body, continuation, lambdaContext });
    } catch (error) {
      logger.error('hook runtime error', { error: describeError(error) });
      outcome = failed(`hook runtime error: ${errorMessage(error)}`);
      await runFailureCleanup(run, outcome.reason);
    }

    const elapsedMs = Date.now() - plan.startedAt;
    if (outcome.status === 'InProgress') {
      if (Date.now() + (outcome.delaySeconds ?? 30) * 1000 >= plan.totalDeadline) {
        outcome = failed(`hook deadline reached after ${formatSeconds(elapsedMs)}; `
          + `the hook's total time of ${formatSeconds(plan.totalTimeoutMs)} ran out with the work still in progress`
          + (outcome.reason ? `: ${outcome.reason}` : ''));
        await runFailureCleanup(run, outcome.reason);
      } else {
        const next: HookContinuation<TState> = {
          state: outcome.state,
          attempt: (continuation?.attempt ?? 0) + 1,
          startedAt: new Date(plan.startedAt).toISOString(),
        };
        const result: EcsNativeHookResult = {
          hookStatus: 'IN_PROGRESS',
          ...(outcome.delaySeconds !== undefined ? { callBackDelay: Math.max(1, Math.ceil(outcome.delaySeconds)) } : {}),
          hookDetails: { ...serviceDetails, [CONTINUATION_FIELD]: next },
        };
        logger.info('hook work in progress', {
          verdict: 'InProgress', attempt: next.attempt, reason: outcome.reason, hookStatus: result.hookStatus, elapsedMs,
        });
        return result;
      }
    }

    const hookStatus = outcome.status === 'Succeeded' ? 'SUCCEEDED' : 'FAILED';
    const fields = { verdict: outcome.status, reason: outcome.reason, hookStatus, elapsedMs };
    if (hookStatus === 'FAILED') {
      logger.error('hook finished', fields);
    } else {
      logger.info('hook finished', fields);
    }
    return { hookStatus };
  };
}
