/**
 * Cleanups the runtime runs before it reports a Failed it decided itself: the body's deadline
 * cleanups (`context.onDeadline`) and the hook's failure cleanup (`onFailure`), so that nothing
 * the hook started outlives its Failed report.
 */
import type {
  DeadlineCleanup,
  DeadlineCleanupScope,
  FailureCleanup,
  HookExecution,
  InvocationPlan,
} from './hook';
import { Logger, describeError } from './logger';

/**
 * The longest the runtime waits for cleanups. It never takes more than half of the safety
 * margin either, so the other half stays for the report.
 */
export const MAX_DEADLINE_CLEANUP_MS = 5_000;

/** What the runtime knows of the work across runs, for the failure cleanup. */
export interface WorkRecord<TState> {
  /** The state the body last checkpointed or returned in progress, or the continuation's. */
  latest?: { readonly state: TState };
}

/** What the failure cleanup needs besides the reason. */
export interface FailureCleanupRun<TState> {
  readonly plan: InvocationPlan;
  readonly logger: Logger;
  readonly execution: HookExecution;
  readonly work: WorkRecord<TState>;
  readonly onFailure?: FailureCleanup<TState>;
}

/** The hook's failure cleanup as a cleanup of the common kind, given the latest state. */
export function failureCleanupOf<TState>(run: FailureCleanupRun<TState>): DeadlineCleanup[] {
  const onFailure = run.onFailure;
  if (!onFailure) {
    return [];
  }
  return [(scope: DeadlineCleanupScope) => onFailure({
    ...scope,
    execution: run.execution,
    ...(run.work.latest ? { state: run.work.latest.state } : {}),
  })];
}

/**
 * Runs the hook's failure cleanup, if it has one, before a Failed the runtime decided outside a
 * run of the body (a failed hand-over, the total time out). Never rejects.
 */
export async function runFailureCleanup<TState>(run: FailureCleanupRun<TState>, reason: string): Promise<void> {
  await runCleanups(failureCleanupOf(run), reason, run.plan, run.logger, 'failure');
}

/**
 * Runs cleanups together, for at most {@link MAX_DEADLINE_CLEANUP_MS} and never into the second
 * half of the safety margin. Never rejects: a cleanup that fails or runs late is logged, and the
 * report goes ahead.
 */
export async function runCleanups(
  cleanups: readonly DeadlineCleanup[],
  reason: string,
  plan: InvocationPlan,
  logger: Logger,
  occasion: 'deadline' | 'failure',
): Promise<void> {
  if (cleanups.length === 0) {
    return;
  }
  const label = occasion === 'deadline' ? 'deadline cleanup' : 'failure cleanup';
  const started = Date.now();
  const budgetMs = Math.floor(Math.min(MAX_DEADLINE_CLEANUP_MS, plan.functionDeadline - plan.safetyMarginMs / 2 - started));
  if (budgetMs <= 0) {
    logger.error(`no time left for the ${label}; reporting without it`, { cleanups: cleanups.length, reason });
    return;
  }
  logger.warn(occasion === 'deadline' ? 'hook deadline reached; cleaning up before reporting' : 'hook failed; cleaning up before reporting',
    { cleanups: cleanups.length, budgetMs, reason });
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
      logger.error(`${label} did not finish in time; reporting anyway`, { budgetMs, elapsedMs: Date.now() - started });
      return;
    }
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    for (const failure of failures) {
      logger.error(`${label} failed`, { error: describeError(failure.reason) });
    }
    logger.info(`${label} finished`, {
      cleanups: cleanups.length, failed: failures.length, elapsedMs: Date.now() - started,
    });
  } finally {
    clearTimeout(timer);
    controller.abort(new Error(`${label} over`));
  }
}
