/**
 * What every hook construct passes to a hook function built on the runtime in `lambda/shared`,
 * and the fields the runtime adds to the event when it hands work over to a fresh invocation.
 *
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Name of the hook in every log line, e.g. `smoke-test`. Default: the function name. */
export const HOOK_NAME_ENV = 'CDK_ECS_RELEASE_HOOK_NAME';

/**
 * Milliseconds kept in reserve before the function's own timeout: when only this much is left,
 * the runtime stops the hook body and reports Failed instead of letting Lambda kill the function.
 * Default: {@link DEFAULT_HOOK_SAFETY_MARGIN_MS}, or {@link SHORT_FUNCTION_SAFETY_MARGIN_FRACTION}
 * of the remaining time for short functions.
 */
export const HOOK_SAFETY_MARGIN_MS_ENV = 'CDK_ECS_RELEASE_HOOK_SAFETY_MARGIN_MS';

/**
 * Seconds a hook may take in total, across the invocations it hands over to (a long migration).
 * CodeDeploy waits at most one hour for a hook's status; the default leaves five minutes of it.
 */
export const HOOK_TOTAL_TIMEOUT_SECONDS_ENV = 'CDK_ECS_RELEASE_HOOK_TOTAL_TIMEOUT_SECONDS';

export const DEFAULT_HOOK_SAFETY_MARGIN_MS = 10_000;
export const SHORT_FUNCTION_SAFETY_MARGIN_FRACTION = 0.2;
export const DEFAULT_HOOK_TOTAL_TIMEOUT_SECONDS = 3300;

/** CodeDeploy's own limit on how long it waits for a hook's status. */
export const CODEDEPLOY_HOOK_TIMEOUT_SECONDS = 3600;

/**
 * Field the runtime adds to the event of a continued invocation (CodeDeploy: next to
 * `DeploymentId`; Amazon ECS: inside `hookDetails`).
 */
export const CONTINUATION_FIELD = 'continuation';

/** The value of {@link CONTINUATION_FIELD}. */
export interface HookContinuation<TState = unknown> {
  /** What the hook body returned to carry over. Must be JSON-serialisable. */
  readonly state: TState;
  /** How many times the hook body has returned "in progress" so far: 1 for the first continued run. */
  readonly attempt: number;
  /** ISO 8601 time at which the first invocation of this hook execution started. */
  readonly startedAt: string;
  /** ISO 8601 time before which the next run must not start (the delay the body asked for). */
  readonly resumeAt?: string;
}
