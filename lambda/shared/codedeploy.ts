/**
 * The CodeDeploy adapter: CodeDeploy invokes the hook with `{ DeploymentId,
 * LifecycleEventHookExecutionId }` and waits up to an hour for
 * `PutLifecycleEventHookExecutionStatus`. If the function ends without reporting, the
 * deployment hangs for that hour, so this adapter reports exactly once whatever happens.
 */
import { CONTINUATION_FIELD, HookContinuation } from '../../contract/hook';
import { FailureCleanupRun, runFailureCleanup } from './cleanup';
import { handOver } from './handover';
import {
  HookBody,
  HookOutcome,
  HookRuntimeOptions,
  LambdaContext,
  failed,
  runBodyOnce,
  workRecordOf,
} from './hook';
import { putHookResult } from './hook-result';
import { InvocationPlan, formatSeconds, parseContinuation, planInvocation } from './invocation';
import { Logger, createLogger, describeError, errorMessage } from './logger';
import { CallRetryOptions, sleep } from './retry';
import { ReportResult, reportHookStatus } from './status-report';

export { codeDeployApi, reportHookStatus } from './status-report';
export type { CodeDeployApi, ReportResult } from './status-report';

/** The event CodeDeploy sends, plus the runtime's own field when it hands work over. */
export interface CodeDeployHookEvent {
  readonly DeploymentId?: string;
  readonly LifecycleEventHookExecutionId?: string;
  readonly [CONTINUATION_FIELD]?: HookContinuation;
  readonly [field: string]: unknown;
}

/** What the function returns (shown in the Lambda console and in tests; CodeDeploy ignores it). */
export interface HookRunSummary {
  /** The hook's verdict; `Unknown` when the event could not be read. */
  readonly verdict: 'Succeeded' | 'Failed' | 'InProgress' | 'Unknown';
  /** `handed-over`: the work goes on in a new invocation, which reports. */
  readonly report: ReportResult | 'handed-over' | 'not-attempted';
  readonly reason?: string;
}

export interface CodeDeployHookOptions<TState = unknown> extends HookRuntimeOptions<TState> {
  /**
   * Retries of `PutLifecycleEventHookExecutionStatus`. Default: as many attempts as fit before
   * the function's timeout, 200 ms base backoff capped at 5 s, with jitter.
   */
  readonly reportRetry?: CallRetryOptions;
  /** Retries of the asynchronous self-invocation that hands work over. Default: 5 attempts. */
  readonly handoverRetry?: CallRetryOptions;
  /**
   * After an in-progress outcome, the body runs again in the same invocation only if at least
   * this much time is left for it once the requested delay is over; otherwise the work is handed
   * over to a new invocation. Default: 30 s, or 25 % of the remaining time at the start of the
   * invocation when that is less.
   */
  readonly minRunMs?: number;
}

/**
 * Wraps a hook body into a Lambda handler for a CodeDeploy lifecycle hook.
 *
 * Guarantees, per invocation: exactly one `PutLifecycleEventHookExecutionStatus` (or one
 * hand-over to a new invocation, which then reports), never an unhandled rejection.
 * - The body throws or rejects: Failed, with the error's message as reason.
 * - The deadline (function timeout minus the safety margin, or the hook's total time) is
 *   reached: the body's signal aborts, the cleanups it registered with `context.onDeadline` run
 *   for a few seconds at most, and the hook reports Failed, `hook deadline reached after …`.
 * - The body returns in-progress: it runs again after the delay in this invocation while time
 *   allows, then the function invokes itself asynchronously (`InvocationType: 'Event'`, exactly
 *   the `context.invokedFunctionArn` it was invoked by, version or alias included) with the event
 *   plus `continuation: { state, attempt, startedAt }`.
 * - Any Failed the runtime decides itself (an error, the deadline, the total time, a hand-over
 *   that cannot be made) runs the `onFailure` cleanup first, with the latest state.
 * - The report call is throttled or the network fails: retried with backoff and jitter until
 *   just before the function's timeout; if it still fails, the error is logged and the function
 *   ends normally.
 * - CodeDeploy answers `LifecycleEventAlreadyCompletedException` (a retried invocation) or
 *   `DeploymentAlreadyCompletedException` (the deployment is over): done.
 * - The event lacks an id: nothing can be reported (the API needs both ids), so the error is
 *   logged and the function returns. It does not throw: Lambda would retry the same event,
 *   which cannot succeed either, and the deployment times out after one hour anyway.
 *
 * - With `hookKind` set, a status CodeDeploy accepted is then put as one `Release Hook Result`
 *   event for the deployment record: at most 1.5 s more, never throwing, the status unchanged.
 *
 * The function needs `codedeploy:PutLifecycleEventHookExecutionStatus` on its deployment group,
 * `lambda:InvokeFunction` on itself when the body may return in-progress, and `events:PutEvents`
 * of its results on the default bus when it names its kind.
 *
 * @example export const handler = codeDeployHook(async ({ signal }) => (await check(signal)) ? succeeded() : failed('…'));
 */
export function codeDeployHook<TState = unknown>(
  body: HookBody<TState>,
  options: CodeDeployHookOptions<TState> = {},
): (event: CodeDeployHookEvent, context: LambdaContext) => Promise<HookRunSummary> {
  return async (event, lambdaContext) => {
    const requestId = lambdaContext?.awsRequestId;
    let logger = createLogger({ hook: options.hookName, ...(requestId ? { requestId } : {}) });
    const ids = readIds(event, logger);
    if (!ids) {
      return { verdict: 'Unknown', report: 'not-attempted', reason: 'malformed event' };
    }
    const continuation = parseContinuation(event[CONTINUATION_FIELD]) as HookContinuation<TState> | undefined;
    const plan = planInvocation(options, lambdaContext, continuation);
    logger = createLogger({
      hook: plan.hookName,
      deploymentId: ids.deploymentId,
      lifecycleEventHookExecutionId: ids.lifecycleEventHookExecutionId,
      ...(requestId ? { requestId } : {}),
    });
    logger.info('hook started', {
      ...(continuation ? { attempt: continuation.attempt, startedAt: continuation.startedAt } : {}),
      remainingMs: plan.functionDeadline - plan.invokedAt,
      safetyMarginMs: plan.safetyMarginMs,
    });
    const run: FailureCleanupRun<TState> = {
      plan, logger, execution: { engine: 'codedeploy', ...ids }, work: workRecordOf(continuation), onFailure: options.onFailure,
    };
    let result: HookOutcome<TState> | 'handed-over';
    try {
      result = await runSteps(body, event, run, continuation, lambdaContext, options);
    } catch (error) {
      // Only a defect of the runtime itself lands here; report anyway rather than hang.
      logger.error('hook runtime error', { error: describeError(error) });
      result = failed(`hook runtime error: ${errorMessage(error)}`);
      await runFailureCleanup(run, result.reason);
    }
    if (result === 'handed-over') {
      return { verdict: 'InProgress', report: 'handed-over' };
    }
    return finish(result, ids, plan, logger, options, lambdaContext);
  };
}

async function finish(
  outcome: HookOutcome,
  ids: Ids,
  plan: InvocationPlan,
  logger: Logger,
  options: Pick<CodeDeployHookOptions, 'reportRetry' | 'hookKind'>,
  lambdaContext: LambdaContext,
): Promise<HookRunSummary> {
  const reportRetry = options.reportRetry;
  const verdict = outcome.status === 'Succeeded' ? 'Succeeded' : 'Failed';
  const reason = outcome.status === 'InProgress' ? 'unexpected in-progress outcome' : outcome.reason;
  const report = await reportHookStatus(ids, verdict, {
    logger,
    deadline: plan.functionDeadline - finalReserveMs(plan),
    functionDeadline: plan.functionDeadline,
    retry: reportRetry,
  });
  const fields = { verdict, reason, report, elapsedMs: Date.now() - plan.startedAt };
  if (report === 'failed') {
    logger.error('hook finished without reporting', fields);
  } else if (verdict === 'Failed') {
    logger.error('hook finished', fields);
  } else {
    logger.info('hook finished', fields);
  }
  // Only a status CodeDeploy took now is a result: a retried invocation's was recorded by the first.
  if (report === 'reported' && options.hookKind) {
    await putHookResult({
      hookKind: options.hookKind,
      hookName: plan.hookName,
      execution: { engine: 'codedeploy', ...ids },
      status: verdict,
      reason,
      facts: outcome.status === 'InProgress' ? undefined : outcome.facts,
      lambdaContext,
      functionDeadline: plan.functionDeadline,
      logger,
    });
  }
  return { verdict, report, ...(reason !== undefined ? { reason } : {}) };
}

/**
 * Runs the body until it is done, or hands over. A Failed that the runtime decides here, outside
 * a run of the body, first runs the failure cleanup; runBodyOnce does so for those within a run.
 */
async function runSteps<TState>(
  body: HookBody<TState>,
  event: CodeDeployHookEvent,
  run: FailureCleanupRun<TState>,
  initial: HookContinuation<TState> | undefined,
  lambdaContext: LambdaContext,
  options: CodeDeployHookOptions<TState>,
): Promise<HookOutcome<TState> | 'handed-over'> {
  const { plan, logger } = run;
  const failedAfterCleanup = async (reason: string) => {
    await runFailureCleanup(run, reason);
    return failed(reason);
  };
  const passOn = async (continuation: HookContinuation<TState>) => {
    const handed = await handOver(event, continuation, plan, lambdaContext, logger, options.handoverRetry);
    return handed === 'handed-over' ? handed : failedAfterCleanup(handed.reason);
  };
  const bodyDeadline = Math.min(plan.functionDeadline - plan.safetyMarginMs, plan.totalDeadline);
  // When the hook's total time ends before this invocation would, a new invocation gets no more
  // time than this one: handing over would only bounce the work between invocations.
  const handOverGainsTime = plan.totalDeadline > plan.functionDeadline - plan.safetyMarginMs;
  const minRunMs = options.minRunMs
    ?? Math.min(30_000, Math.round(0.25 * (plan.functionDeadline - plan.invokedAt)));
  let continuation = initial;
  for (;;) {
    const resumeAt = continuation?.resumeAt ? Date.parse(continuation.resumeAt) : NaN;
    if (continuation && Number.isFinite(resumeAt) && resumeAt > Date.now()) {
      if (resumeAt >= plan.totalDeadline) {
        return failedAfterCleanup(`hook deadline reached after ${formatSeconds(Date.now() - plan.startedAt)}; `
          + `the hook's total time of ${formatSeconds(plan.totalTimeoutMs)} runs out before the work can resume`);
      }
      if (handOverGainsTime && resumeAt + minRunMs > bodyDeadline) {
        // The wait outlasts this invocation: wait what fits, then pass the same step on.
        await sleep(Math.max(0, bodyDeadline - minRunMs - Date.now()));
        return passOn(continuation);
      }
      await sleep(resumeAt - Date.now());
    }

    const outcome = await runBodyOnce({ ...run, body, continuation, lambdaContext });
    if (outcome.status !== 'InProgress') {
      return outcome;
    }

    const delayMs = Math.max(0, (outcome.delaySeconds ?? 0) * 1000);
    const next: HookContinuation<TState> = {
      state: outcome.state,
      attempt: (continuation?.attempt ?? 0) + 1,
      startedAt: new Date(plan.startedAt).toISOString(),
      ...(delayMs > 0 ? { resumeAt: new Date(Date.now() + delayMs).toISOString() } : {}),
    };
    logger.info('hook work in progress', {
      verdict: 'InProgress', attempt: next.attempt, delayMs, reason: outcome.reason,
      elapsedMs: Date.now() - plan.startedAt,
    });
    if (Date.now() + delayMs >= plan.totalDeadline) {
      return failedAfterCleanup(`hook deadline reached after ${formatSeconds(Date.now() - plan.startedAt)}; `
        + `the hook's total time of ${formatSeconds(plan.totalTimeoutMs)} ran out with the work still in progress`
        + (outcome.reason ? `: ${outcome.reason}` : ''));
    }
    if (handOverGainsTime && Date.now() + delayMs + minRunMs > bodyDeadline) {
      return passOn(next);
    }
    continuation = next;
  }
}

interface Ids {
  readonly deploymentId: string;
  readonly lifecycleEventHookExecutionId: string;
}

function readIds(event: unknown, logger: Logger): Ids | undefined {
  const record = typeof event === 'object' && event !== null ? event as Record<string, unknown> : {};
  const deploymentId = nonEmptyString(record.DeploymentId);
  const lifecycleEventHookExecutionId = nonEmptyString(record.LifecycleEventHookExecutionId);
  if (deploymentId && lifecycleEventHookExecutionId) {
    return { deploymentId, lifecycleEventHookExecutionId };
  }
  logger.error('malformed hook event: DeploymentId and LifecycleEventHookExecutionId are both required to report a status; '
    + 'nothing was reported, CodeDeploy will fail the hook when its hour is out', {
    verdict: 'Unknown',
    ...(deploymentId ? { deploymentId } : {}),
    ...(lifecycleEventHookExecutionId ? { lifecycleEventHookExecutionId } : {}),
    eventKeys: Object.keys(record).slice(0, 20),
  });
  return undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Time left after the report's last attempt for the function to return before Lambda ends it. */
function finalReserveMs(plan: InvocationPlan): number {
  return Math.min(1000, plan.safetyMarginMs / 4);
}
