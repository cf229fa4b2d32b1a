/**
 * The timing of one invocation of a hook (its deadlines, its safety margin, when the hook's work
 * started), the continuation it carries, and the formatting of times in reasons.
 */
import {
  DEFAULT_HOOK_SAFETY_MARGIN_MS,
  DEFAULT_HOOK_TOTAL_TIMEOUT_SECONDS,
  HOOK_NAME_ENV,
  HOOK_SAFETY_MARGIN_MS_ENV,
  HOOK_TOTAL_TIMEOUT_SECONDS_ENV,
  HookContinuation,
  SHORT_FUNCTION_SAFETY_MARGIN_FRACTION,
} from '../../contract/hook';
import type { HookRuntimeOptions, LambdaContext } from './hook';

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
  options: Pick<HookRuntimeOptions, 'hookName' | 'safetyMarginMs' | 'totalTimeoutMs'>,
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

export function safeJson(value: unknown): string {
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
