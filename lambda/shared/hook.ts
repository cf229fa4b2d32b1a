/**
 * The engine-neutral part of the hook runtime: what a hook body is, what it returns, and how one
 * run of it is raced against its deadline. The adapters in `codedeploy.ts` and `ecs-native.ts`
 * turn the outcome into what each calling engine expects.
 */
import {
  DEFAULT_HOOK_SAFETY_MARGIN_MS,
  DEFAULT_HOOK_TOTAL_TIMEOUT_SECONDS,
  HOOK_NAME_ENV,
  HOOK_SAFETY_MARGIN_MS_ENV,
  HOOK_TOTAL_TIMEOUT_SECONDS_ENV,
  HookContinuation,
  SHORT_FUNCTION_SAFETY_MARGIN_FRACTION,
} from '../../lib/private/contract/hook';
import { Logger, describeError, errorMessage } from './logger';

export type { HookContinuation } from '../../lib/private/contract/hook';

/** The part of the Lambda context object the runtime uses. */
export interface LambdaContext {
  readonly functionName: string;
  readonly awsRequestId?: string;
  getRemainingTimeInMillis(): number;
}

/** The hook passes: the deployment goes on. */
export interface HookSucceeded {
  readonly status: 'Succeeded';
  /** Logged with the verdict. */
  readonly reason?: string;
}

/** The hook fails: the deployment stops and rolls back. */
export interface HookFailed {
  readonly status: 'Failed';
  /** Logged with the verdict; say what was expected and what was found. */
  readonly reason: string;
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

export function succeeded(reason?: string): HookSucceeded {
  return reason === undefined ? { status: 'Succeeded' } : { status: 'Succeeded', reason };
}

export function failed(reason: string): HookFailed {
  return { status: 'Failed', reason };
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
   * stops the body, the Failed reason ends with the latest description.
   */
  progress(description: string): void;
  /**
   * Registers cleanup for when the runtime gives up on this run at its deadline while the body
   * is still working: anything the body started that must not outlive a Failed report (a task,
   * a lock). After the body's signal aborts, the callbacks run together with a scope of their own
   * and are awaited for at most a few seconds, then the runtime reports Failed whatever they did.
   * Not called when the body returns or throws by itself (an error thrown at the deadline, such
   * as an AWS call cut off by it, counts as the deadline's).
   */
  onDeadline(cleanup: DeadlineCleanup): void;
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

/**
 * The longest the runtime waits for deadline cleanups. It never takes more than half of the
 * safety margin either, so the other half stays for the report.
 */
export const MAX_DEADLINE_CLEANUP_MS = 5_000;

/**
 * A hook body: does the hook's work and says how it went. It may throw; the runtime turns any
 * error into Failed with the error's message as reason.
 */
export type HookBody<TState = unknown> = (context: HookContext<TState>) => Promise<HookOutcome<TState>>;

/** Options shared by both adapters. */
export interface HookRuntimeOptions {
  /** Name in every log line. Default: `CDK_ECS_RELEASE_HOOK_NAME`, else the function's name. */
  readonly hookName?: string;
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
}

/** Internal: the resolved timing of one invocation. */
export interface InvocationPlan {
  readonly hookName: string;
  readonly invokedAt: number;
  /** When Lambda would end the function. */
  readonly functionDeadline: number;
  readonly safetyMarginMs: number;
  /** When the hook's total time runs out. */
  readonly totalDeadline: number;
  readonly totalTimeoutMs: number;
  readonly startedAt: number;
}

/** Internal: resolves names and deadlines for one invocation. */
export function planInvocation(
  options: HookRuntimeOptions,
  lambdaContext: LambdaContext,
  continuation: HookContinuation | undefined,
): InvocationPlan {
  const invokedAt = Date.now();
  const remaining = Math.max(0, safeRemaining(lambdaContext));
  const safetyMarginMs = options.safetyMarginMs
    ?? positiveNumber(process.env[HOOK_SAFETY_MARGIN_MS_ENV])
    ?? Math.min(DEFAULT_HOOK_SAFETY_MARGIN_MS, Math.round(remaining * SHORT_FUNCTION_SAFETY_MARGIN_FRACTION));
  const totalTimeoutMs = options.totalTimeoutMs
    ?? secondsToMs(positiveNumber(process.env[HOOK_TOTAL_TIMEOUT_SECONDS_ENV]))
    ?? DEFAULT_HOOK_TOTAL_TIMEOUT_SECONDS * 1000;
  const continuedFrom = continuation ? Date.parse(continuation.startedAt) : NaN;
  const startedAt = Number.isFinite(continuedFrom) ? continuedFrom : invokedAt;
  return {
    hookName: options.hookName ?? process.env[HOOK_NAME_ENV] ?? lambdaContext.functionName ?? 'hook',
    invokedAt,
    functionDeadline: invokedAt + remaining,
    safetyMarginMs,
    totalDeadline: startedAt + totalTimeoutMs,
    totalTimeoutMs,
    startedAt,
  };
}

/** Internal: reads a continuation from an untrusted event field. */
export function parseContinuation(value: unknown): HookContinuation | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const candidate = value as Partial<HookContinuation>;
  if (typeof candidate.attempt !== 'number' || typeof candidate.startedAt !== 'string' || !('state' in candidate)) {
    return undefined;
  }
  return {
    state: candidate.state,
    attempt: candidate.attempt,
    startedAt: candidate.startedAt,
    ...(typeof candidate.resumeAt === 'string' ? { resumeAt: candidate.resumeAt } : {}),
  };
}

export interface BodyRun<TState> {
  readonly body: HookBody<TState>;
  readonly plan: InvocationPlan;
  readonly execution: HookExecution;
  readonly continuation?: HookContinuation<TState>;
  readonly logger: Logger;
  readonly lambdaContext: LambdaContext;
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
 * deadline all become Failed with a reason.
 */
export async function runBodyOnce<TState>(run: BodyRun<TState>): Promise<HookOutcome<TState>> {
  const { plan, logger } = run;
  const startedRunAt = Date.now();
  const functionCutoff = plan.functionDeadline - plan.safetyMarginMs;
  const deadline = Math.min(functionCutoff, plan.totalDeadline);
  const controller = new AbortController();
  const cleanups: DeadlineCleanup[] = [];
  let progress: string | undefined;

  const deadlineReason = () => {
    const elapsed = formatSeconds(Date.now() - plan.startedAt);
    const why = deadline === plan.totalDeadline && plan.totalDeadline < functionCutoff
      ? `the hook's total time of ${formatSeconds(plan.totalTimeoutMs)} ran out`
      : `stopped ${formatSeconds(plan.safetyMarginMs)} before the function's timeout to report in time`;
    return `hook deadline reached after ${elapsed}; ${why}${progress ? `; ${progress}` : ''}`;
  };

  if (deadline <= startedRunAt) {
    return failed(deadlineReason());
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
    lambdaContext: run.lambdaContext,
  };

  let timer: NodeJS.Timeout | undefined;
  const deadlineReached = new Promise<typeof DEADLINE_HIT>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE_HIT), deadline - startedRunAt);
  });

  const bodyDone = (async (): Promise<HookOutcome<TState> | typeof DEADLINE_HIT> => {
    try {
      const outcome = await run.body(context);
      return validOutcome(outcome);
    } catch (error) {
      if (controller.signal.aborted || deadline - Date.now() <= DEADLINE_SLACK_MS) {
        // The deadline stopped the body (an AWS call cut off at it, or the body reacting to its
        // signal): the runtime gives up as when its own timer fires, cleanups included.
        logger.debug('hook body stopped at its deadline', { error: describeError(error) });
        return DEADLINE_HIT;
      }
      logger.error('hook body threw', { error: describeError(error), elapsedMs: Date.now() - startedRunAt });
      return failed(errorMessage(error) || 'hook body threw an error without a message');
    }
  })();

  try {
    const first = await Promise.race([bodyDone, deadlineReached]);
    if (first !== DEADLINE_HIT) {
      return first;
    }
    const reason = deadlineReason();
    controller.abort(new Error(reason));
    await runDeadlineCleanups(cleanups.splice(0), reason, plan, logger);
    return failed(reason);
  } finally {
    clearTimeout(timer);
    if (!controller.signal.aborted) {
      // Stops anything the body left running (a check it did not await, a timer).
      controller.abort(new Error('hook run finished'));
    }
  }
}

/**
 * Runs the body's deadline cleanups together, for at most {@link MAX_DEADLINE_CLEANUP_MS} and
 * never into the second half of the safety margin. Never rejects: a cleanup that fails or runs
 * late is logged, and the report goes ahead.
 */
async function runDeadlineCleanups(
  cleanups: readonly DeadlineCleanup[],
  reason: string,
  plan: InvocationPlan,
  logger: Logger,
): Promise<void> {
  if (cleanups.length === 0) {
    return;
  }
  const started = Date.now();
  const budgetMs = Math.floor(Math.min(MAX_DEADLINE_CLEANUP_MS, plan.functionDeadline - plan.safetyMarginMs / 2 - started));
  if (budgetMs <= 0) {
    logger.error('no time left for the deadline cleanup; reporting without it', { cleanups: cleanups.length, reason });
    return;
  }
  logger.warn('hook deadline reached; cleaning up before reporting', { cleanups: cleanups.length, budgetMs, reason });
  const controller = new AbortController();
  const scope: DeadlineCleanupScope = { signal: controller.signal, deadline: started + budgetMs, logger, reason };
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<'time-up'>((resolve) => {
    timer = setTimeout(() => resolve('time-up'), budgetMs);
  });
  try {
    const results = await Promise.race([
      Promise.allSettled(cleanups.map(async (cleanup) => cleanup(scope))),
      timeUp,
    ]);
    if (results === 'time-up') {
      logger.error('deadline cleanup did not finish in time; reporting anyway', { budgetMs, elapsedMs: Date.now() - started });
      return;
    }
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    for (const failure of failures) {
      logger.error('deadline cleanup failed', { error: describeError(failure.reason) });
    }
    logger.info('deadline cleanup finished', {
      cleanups: cleanups.length, failed: failures.length, elapsedMs: Date.now() - started,
    });
  } finally {
    clearTimeout(timer);
    controller.abort(new Error('deadline cleanup over'));
  }
}

function validOutcome<TState>(outcome: unknown): HookOutcome<TState> {
  if (typeof outcome === 'object' && outcome !== null) {
    const candidate = outcome as { status?: unknown; reason?: unknown };
    if (candidate.status === 'Succeeded' || candidate.status === 'InProgress') {
      return outcome as HookOutcome<TState>;
    }
    if (candidate.status === 'Failed') {
      return typeof candidate.reason === 'string' && candidate.reason.length > 0
        ? outcome as HookFailed
        : failed('hook body returned Failed without a reason');
    }
  }
  return failed(`hook body returned an invalid outcome: ${truncate(safeJson(outcome), 200)}`);
}

/** `41.2 s`, or `3 min 20 s` past two minutes. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 120) {
    return `${seconds.toFixed(1)} s`;
  }
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function truncate(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Lambda's longest timeout, assumed when the context cannot tell (a local run). */
const MAX_FUNCTION_TIMEOUT_MS = 900_000;

function safeRemaining(lambdaContext: LambdaContext): number {
  try {
    const remaining = lambdaContext.getRemainingTimeInMillis();
    return Number.isFinite(remaining) ? remaining : MAX_FUNCTION_TIMEOUT_MS;
  } catch {
    return MAX_FUNCTION_TIMEOUT_MS;
  }
}

function positiveNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') {
    return undefined;
  }
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}
