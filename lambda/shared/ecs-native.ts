/**
 * The Amazon ECS adapter, for services that use ECS's own blue/green strategy (2025): ECS
 * invokes the hook function and reads its return value, `{ hookStatus, callBackDelay?,
 * hookDetails? }`, calling it again while it answers `IN_PROGRESS`. The same hook bodies serve
 * both engines.
 */
import { CONTINUATION_FIELD, HookContinuation } from '../../contract/hook';
import { FailureCleanupRun, runFailureCleanup } from './cleanup';
import { EcsDeploymentState, describeEcsDeployment } from './ecs-deployment';
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
import { putHookResult } from './hook-result';
import { InvocationPlan } from './invocation';
import { Logger, createLogger, describeError, errorMessage, errorName } from './logger';
import { isRecord } from './answer';

/**
 * The stages ECS runs again, in reverse, when a deployment rolls back: a hook there must let the
 * traffic go back to the source revision, whatever its body would say of the target revision.
 * `PRE_PRODUCTION_TRAFFIC_SHIFT` runs before each shift step, so a rollback's steps may meet it too.
 */
export const ROLLBACK_STAGES: ReadonlySet<string> = new Set(['TEST_TRAFFIC_SHIFT', 'PRE_PRODUCTION_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT']);

/** At most this long, or a quarter of the body's time when less, is spent asking whether the deployment rolls back. */
const ROLLBACK_LOOKUP_MAX_MS = 10_000;

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
 *
 * At the traffic-shift stages ({@link ROLLBACK_STAGES}), which ECS may also run when it rolls a
 * deployment back, the adapter first reads the service deployment (the event's `resourceArn`):
 * when it is rolling back, the answer is `SUCCEEDED` at once and the body does not run, so no
 * hook can hold a rollback up. When that read fails (within at most 10 s), the body runs as
 * usual and a warning names the cause: passing instead would let a missing permission or an ECS
 * outage silently switch off the hook's check on every forward deployment, whereas running it can
 * only hold up the rare rollback that meets the same failure, and the warning says why. Needs
 * `ecs:DescribeServiceDeployments` when the hook runs at one of those stages.
 *
 * With `hookKind` set, a final `SUCCEEDED` or `FAILED` is put as one `Release Hook Result` event
 * just before it is returned (at most 1.5 s, never throwing, the answer unchanged); `IN_PROGRESS`
 * and a rollback's pass put none. Needs `events:PutEvents` of its results on the default bus.
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
    if (record.lifecycleStage !== undefined && ROLLBACK_STAGES.has(record.lifecycleStage)) {
      const rollback = await rollbackUnderway(record.resourceArn, plan, logger);
      if (rollback) {
        const why = [rollback.status, rollback.rollbackReason ?? rollback.statusReason].filter(Boolean).join(': ');
        logger.info('hook finished', {
          verdict: 'Succeeded',
          reason: `the service deployment is rolling back${why ? ` (${why})` : ''}; a hook never holds up a rollback, `
            + 'so it passes without running',
          hookStatus: 'SUCCEEDED',
          serviceDeploymentArn: rollback.serviceDeploymentArn,
          elapsedMs: Date.now() - plan.startedAt,
        });
        return { hookStatus: 'SUCCEEDED' };
      }
    }

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
    if (options.hookKind) {
      // The answer is decided; the event only delays it, by its bounded time at most.
      await putHookResult({
        hookKind: options.hookKind,
        hookName: plan.hookName,
        execution: run.execution,
        status: outcome.status,
        reason: outcome.reason,
        facts: outcome.facts,
        lambdaContext,
        functionDeadline: plan.functionDeadline,
        logger,
      });
    }
    return { hookStatus };
  };
}

/**
 * The deployment when it is rolling back; undefined when it is not, or when that cannot be told
 * in time (logged as a warning). Never throws.
 */
async function rollbackUnderway(
  serviceDeploymentArn: string | undefined,
  plan: InvocationPlan,
  logger: Logger,
): Promise<EcsDeploymentState | undefined> {
  const unknown = 'could not tell whether the service deployment is rolling back; running the hook as usual';
  if (!serviceDeploymentArn) {
    logger.warn(unknown, { cause: 'the event has no resourceArn' });
    return undefined;
  }
  const bodyDeadline = Math.min(plan.functionDeadline - plan.safetyMarginMs, plan.totalDeadline);
  const budgetMs = Math.min(ROLLBACK_LOOKUP_MAX_MS, Math.floor((bodyDeadline - Date.now()) / 4));
  if (budgetMs <= 0) {
    // No time is left for anything: the body's run reports the deadline.
    return undefined;
  }
  try {
    const deployment = await describeEcsDeployment(
      { signal: new AbortController().signal, deadline: Date.now() + budgetMs, logger }, serviceDeploymentArn);
    return deployment.rollingBack ? deployment : undefined;
  } catch (error) {
    logger.warn(unknown, {
      serviceDeploymentArn,
      error: describeError(error),
      ...(errorName(error) === 'AccessDeniedException'
        ? { hint: 'the function needs ecs:DescribeServiceDeployments on the service\'s service deployments' } : {}),
    });
    return undefined;
  }
}
