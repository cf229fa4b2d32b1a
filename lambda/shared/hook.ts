/**
 * The engine-neutral part of the hook runtime: what a hook body is, what it returns, and how one
 * run of it is raced against its deadline. The adapters in `codedeploy.ts` and `ecs-native.ts`
 * turn the outcome into what each calling engine expects.
 */
import { HookContinuation } from '../../contract/hook';
import type { HookResultFacts } from '../../contract/release-events';
import { trackAwsCalls } from './aws-call';
import { FailureCleanupRun, WorkRecord, failureCleanupOf, runCleanups, runFailureCleanup } from './cleanup';
import { formatSeconds, safeJson, truncate } from './invocation';
import { Logger, describeError, errorMessage } from './logger';

export type { HookContinuation } from '../../contract/hook';
export { MAX_DEADLINE_CLEANUP_MS } from './cleanup';
export { formatSeconds, parseContinuation, planInvocation, truncate } from './invocation';
export type { InvocationPlan } from './invocation';

/** The part of the Lambda context object the runtime uses. */
export interface LambdaContext {
  readonly functionName: string;
  /** The ARN the function was invoked by, with the version or alias when one was named. */
  readonly invokedFunctionArn?: string;
  readonly awsRequestId?: string;
  getRemainingTimeInMillis(): number;
}

/** The hook passes: the deployment goes on. */
export interface HookSucceeded {
  readonly status: 'Succeeded';
  /** Logged with the verdict. */
  readonly reason?: string;
  /** What the hook found, put with its result for the deployment record. */
  readonly facts?: HookResultFacts;
}

/** The hook fails: the deployment stops and rolls back. */
export interface HookFailed {
  readonly status: 'Failed';
  /** Logged with the verdict; say what was expected and what was found. */
  readonly reason: string;
  /** What the hook found, put with its result for the deployment record. */
  readonly facts?: HookResultFacts;
}

/**
 * The work is not finished: run the body again with `state` after `delaySeconds`. Under
 * CodeDeploy the runtime calls the body again in the same invocation while time allows, then
 * hands over to a fresh invocation of the function; Amazon ECS calls the function again itself.
 */
export interface HookInProgress<TState = unknown> {
  readonly status: 'InProgress';
  /** Passed to the next run as `continuation.state`. Must be JSON-serialisable and small (< 200 KB). */
  readonly state: TState;
  /** Wait before the next run. Default 0 under CodeDeploy; Amazon ECS waits 30 s when absent. */
  readonly delaySeconds?: number;
  /** Logged with the decision. */
  readonly reason?: string;
}

/** What a hook body returns. Build it with {@link succeeded}, {@link failed} or {@link inProgress}. */
export type HookOutcome<TState = unknown> = HookSucceeded | HookFailed | HookInProgress<TState>;

export function succeeded(reason?: string, facts?: HookResultFacts): HookSucceeded {
  return { status: 'Succeeded', ...(reason !== undefined ? { reason } : {}), ...(facts ? { facts } : {}) };
}

export function failed(reason: string, facts?: HookResultFacts): HookFailed {
  return { status: 'Failed', reason, ...(facts ? { facts } : {}) };
}

export function inProgress<TState>(
  state: TState,
  options: { readonly delaySeconds?: number; readonly reason?: string } = {},
): HookInProgress<TState> {
  return { status: 'InProgress', state, ...options };
}

/** Who called the hook, and with which identifiers. */
export type HookExecution = CodeDeployExecution | EcsNativeExecution;

export interface CodeDeployExecution {
  readonly engine: 'codedeploy';
  readonly deploymentId: string;
  readonly lifecycleEventHookExecutionId: string;
}

export interface EcsNativeExecution {
  readonly engine: 'ecs';
  readonly executionId?: string;
  /** e.g. `POST_TEST_TRAFFIC_SHIFT`. */
  readonly lifecycleStage?: string;
  /** The service deployment's ARN. */
  readonly resourceArn?: string;
  /** `serviceArn`, `targetServiceRevisionArn`, traffic weights… as Amazon ECS sent them. */
  readonly executionDetails?: Record<string, unknown>;
  /** The hook's `hookDetails` from the service definition (the runtime's own field removed). */
  readonly hookDetails?: Record<string, unknown>;
}

/** What a hook body receives. */
export interface HookContext<TState = unknown> {
  readonly hookName: string;
  readonly execution: HookExecution;
  /** Set when this run continues earlier work that returned {@link HookInProgress}. */
  readonly continuation?: HookContinuation<TState>;
  /**
   * Aborted when the deadline is reached (the runtime has then already decided Failed) or when
   * the run is over. Pass it to every request and wait so the work stops with the hook.
   */
  readonly signal: AbortSignal;
  /** Logger whose lines carry the hook's name and the deployment's identifiers. */
  readonly logger: Logger;
  /** Epoch milliseconds by which the body must have returned. */
  readonly deadline: number;
  /**
   * Epoch milliseconds at which the hook's total time runs out, counted from its first run:
   * work that spans runs (a task it polls) must be over by then.
   */
  readonly totalDeadline: number;
  /** Milliseconds left before {@link deadline}. */
  remainingMs(): number;
  /**
   * Describes the work under way (`waiting for checks health, version`); when the deadline
   * stops the body, the Failed reason ends with the latest description. A function is called
   * only then: for work whose state changes often (each of hundreds of checks).
   */
  progress(description: string | (() => string)): void;
  /**
   * Registers cleanup for when the runtime gives up on this run at its deadline while the body
   * is still working: anything the body started that must not outlive a Failed report (a task,
   * a lock). After the body's signal aborts, the callbacks run together with a scope of their own
   * and are awaited for at most a few seconds, then the runtime reports Failed whatever they did.
   * Not called when the body returns or throws by itself (an error thrown at the deadline, such
   * as an AWS call cut off by it, counts as the deadline's).
   */
  onDeadline(cleanup: DeadlineCleanup): void;
  /**
   * Records the state the work has reached in this run (a task it just started) before the body
   * returns it, so that the hook's `onFailure` cleanup receives it should the run fail.
   */
  checkpoint(state: TState): void;
  readonly lambdaContext: LambdaContext;
}

/**
 * What a deadline cleanup receives: a signal and deadline of its own (the body's have run out),
 * so it can be passed to `awsCall` as is.
 */
export interface DeadlineCleanupScope {
  /** Aborted when the cleanup's time is up. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds by which the cleanup must be done. */
  readonly deadline: number;
  readonly logger: Logger;
  /** The Failed reason the runtime is about to report. */
  readonly reason: string;
}

/** Cleanup run when the runtime gives up on a body at its deadline; see {@link HookContext.onDeadline}. */
export type DeadlineCleanup = (scope: DeadlineCleanupScope) => Promise<void> | void;

/** What the hook's failure cleanup receives; see {@link HookRuntimeOptions.onFailure}. */
export interface FailureCleanupScope<TState = unknown> extends DeadlineCleanupScope {
  /**
   * The latest state of the work: what the body last checkpointed or returned in progress, or
   * the continuation's. Absent when no run got that far (a failure before the first start).
   */
  readonly state?: TState;
  readonly execution: HookExecution;
}

/** Stops what the hook's work left running; see {@link HookRuntimeOptions.onFailure}. */
export type FailureCleanup<TState = unknown> = (scope: FailureCleanupScope<TState>) => Promise<void> | void;

/**
 * A hook body: does the hook's work and says how it went. It may throw; the runtime turns any
 * error into Failed with the error's message as reason.
 */
export type HookBody<TState = unknown> = (context: HookContext<TState>) => Promise<HookOutcome<TState>>;

/** Options shared by both adapters. */
export interface HookRuntimeOptions<TState = unknown> {
  /** Name in every log line. Default: `CDK_ECS_RELEASE_HOOK_NAME`, else the function's name. */
  readonly hookName?: string;
  /**
   * The hook's kind, e.g. `smoke-test`: with it, each final result is put as a `Release Hook
   * Result` event for the deployment record (see `hook-result.ts`). Without it, none is.
   */
  readonly hookKind?: string;
  /**
   * Time kept in reserve before the function's timeout to stop the body and report.
   * Default: `CDK_ECS_RELEASE_HOOK_SAFETY_MARGIN_MS`, else 10 s, or 20 % of the remaining time at
   * the start of the invocation when that is less (short functions).
   */
  readonly safetyMarginMs?: number;
  /**
   * Total time the hook may take across runs and invocations, counted from the first.
   * Default: `CDK_ECS_RELEASE_HOOK_TOTAL_TIMEOUT_SECONDS`, else 55 minutes.
   */
  readonly totalTimeoutMs?: number;
  /**
   * Runs before every Failed the runtime decides itself: the body threw, returned no outcome or
   * was stopped at its deadline (together with its `onDeadline` cleanups), the hook's total time
   * ran out (also when a continuation arrives too late to run the body), the work could not be
   * handed over. It receives the latest state, so it can stop what that state names even when
   * no body runs. Not run when the body returns Failed itself. Bounded like deadline cleanups;
   * errors are logged and the report goes ahead.
   */
  readonly onFailure?: FailureCleanup<TState>;
}

export interface BodyRun<TState> extends FailureCleanupRun<TState> {
  readonly body: HookBody<TState>;
  readonly continuation?: HookContinuation<TState>;
  readonly lambdaContext: LambdaContext;
}

/** Internal: what the runtime knows of the work when an invocation starts. */
export function workRecordOf<TState>(continuation: HookContinuation<TState> | undefined): WorkRecord<TState> {
  return continuation ? { latest: { state: continuation.state } } : {};
}

/** What the deadline timer, or a body stopped by the deadline, resolves to. */
const DEADLINE_HIT = Symbol('deadline');

/**
 * A body that throws this close to its deadline was stopped by it: its last AWS call is cut off
 * at the deadline itself, a moment before or after the runtime's own timer fires.
 */
const DEADLINE_SLACK_MS = 50;

/**
 * Internal: runs the body once, never rejects. A thrown error, an invalid outcome or the
 * deadline all become Failed with a reason, after the hook's failure cleanup.
 */
export async function runBodyOnce<TState>(run: BodyRun<TState>): Promise<HookOutcome<TState>> {
  const { plan, logger } = run;
  const startedRunAt = Date.now();
  const functionCutoff = plan.functionDeadline - plan.safetyMarginMs;
  const deadline = Math.min(functionCutoff, plan.totalDeadline);
  const controller = new AbortController();
  const cleanups: DeadlineCleanup[] = [];
  let progress: string | (() => string) | undefined;

  const deadlineReason = () => {
    const elapsed = formatSeconds(Date.now() - plan.startedAt);
    const why = deadline === plan.totalDeadline && plan.totalDeadline < functionCutoff
      ? `the hook's total time of ${formatSeconds(plan.totalTimeoutMs)} ran out`
      : `stopped ${formatSeconds(plan.safetyMarginMs)} before the function's timeout to report in time`;
    const latest = typeof progress === 'function' ? progress() : progress;
    return `hook deadline reached after ${elapsed}; ${why}${latest ? `; ${latest}` : ''}`;
  };

  if (deadline <= startedRunAt) {
    const reason = deadlineReason();
    await runFailureCleanup(run, reason);
    return failed(reason);
  }

  const context: HookContext<TState> = {
    hookName: plan.hookName,
    execution: run.execution,
    continuation: run.continuation,
    signal: controller.signal,
    logger,
    deadline,
    totalDeadline: plan.totalDeadline,
    remainingMs: () => Math.max(0, deadline - Date.now()),
    progress: (description) => {
      progress = description;
    },
    onDeadline: (cleanup) => {
      cleanups.push(cleanup);
    },
    checkpoint: (state) => {
      run.work.latest = { state };
    },
    lambdaContext: run.lambdaContext,
  };

  let timer: NodeJS.Timeout | undefined;
  const deadlineReached = new Promise<typeof DEADLINE_HIT>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE_HIT), deadline - startedRunAt);
  });

  const calls = trackAwsCalls(() => run.body(context));
  const bodyDone = (async (): Promise<RunEnd<TState> | typeof DEADLINE_HIT> => {
    try {
      return validOutcome(await calls.done);
    } catch (error) {
      if (controller.signal.aborted || deadline - Date.now() <= DEADLINE_SLACK_MS) {
        // The deadline stopped the body (an AWS call cut off at it, or the body reacting to its
        // signal): the runtime gives up as when its own timer fires, cleanups included.
        logger.debug('hook body stopped at its deadline', { error: describeError(error) });
        return DEADLINE_HIT;
      }
      const lastCall = calls.lastCall();
      logger.error('hook body threw', { error: describeError(error), elapsedMs: Date.now() - startedRunAt, ...(lastCall ? { lastCall } : {}) });
      return { outcome: failed(thrownReason(error, lastCall)), byRuntime: true };
    }
  })();

  try {
    const first = await Promise.race([bodyDone, deadlineReached]);
    if (first !== DEADLINE_HIT) {
      if (first.outcome.status === 'InProgress') {
        run.work.latest = { state: first.outcome.state };
      } else if (first.outcome.status === 'Failed' && first.byRuntime) {
        await runFailureCleanup(run, first.outcome.reason);
      }
      return first.outcome;
    }
    const reason = deadlineReason();
    controller.abort(new Error(reason));
    await runCleanups([...cleanups.splice(0), ...failureCleanupOf(run)], reason, plan, logger, 'deadline');
    return failed(reason);
  } finally {
    clearTimeout(timer);
    if (!controller.signal.aborted) {
      // Stops anything the body left running (a check it did not await, a timer).
      controller.abort(new Error('hook run finished'));
    }
  }
}

/** How a run ended: its outcome, and whether the runtime decided it rather than the body. */
interface RunEnd<TState> {
  readonly outcome: HookOutcome<TState>;
  readonly byRuntime: boolean;
}

/**
 * The reason for an error the body did not handle. A TypeError there is nearly always an answer
 * of unexpected shape (`r.find is not a function` in a minified bundle), so it names the AWS call
 * whose answer was being read.
 */
function thrownReason(error: unknown, lastCall: string | undefined): string {
  const message = errorMessage(error) || 'hook body threw an error without a message';
  if (lastCall && error instanceof TypeError) {
    return `unexpected value while handling the answer of ${lastCall}: ${message}`;
  }
  return message;
}

function validOutcome<TState>(outcome: unknown): RunEnd<TState> {
  if (typeof outcome === 'object' && outcome !== null) {
    const candidate = outcome as { status?: unknown; reason?: unknown };
    if (candidate.status === 'Succeeded' || candidate.status === 'InProgress') {
      return { outcome: outcome as HookOutcome<TState>, byRuntime: false };
    }
    if (candidate.status === 'Failed') {
      return {
        outcome: typeof candidate.reason === 'string' && candidate.reason.length > 0
          ? outcome as HookFailed
          : failed('hook body returned Failed without a reason'),
        byRuntime: false,
      };
    }
  }
  return { outcome: failed(`hook body returned an invalid outcome: ${truncate(safeJson(outcome), 200)}`), byRuntime: true };
}
