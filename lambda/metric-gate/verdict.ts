/**
 * The metric gate's decision, kept free of AWS calls so it can be tested and reasoned about on
 * its own: figures of the green and blue target groups in, a verdict and a report status out.
 */
import {
  METRIC_GATE_DEFAULTS,
  MetricGateThresholds,
  UncertainVerdictAction,
} from '../../contract/metric-gate';
import { errorCeilingCheck, errorCheck, latencyCeilingCheck, latencyCheck } from './checks';

export type Verdict = 'pass' | 'marginal' | 'fail' | 'inconclusive';

/** What CloudWatch said about one target group over its window. */
export interface SeriesFigures {
  /** Sum of RequestCount; 0 when there were no datapoints. */
  readonly requests: number;
  /** Sum of HTTPCode_Target_5XX_Count; 0 when there were no datapoints. */
  readonly errors: number;
  /** p99 of TargetResponseTime in seconds over the whole window; undefined when there were no datapoints. */
  readonly p99Seconds?: number;
  /** p99 of TargetResponseTime of each minute with datapoints, for the rank and sign tests. */
  readonly p99PerMinuteSeconds?: readonly number[];
}

export interface SeriesSummary extends SeriesFigures {
  /** errors / requests in percent; undefined without requests. */
  readonly errorRatePercent?: number;
}

export interface ResolvedThresholds {
  readonly latencyRatio: number;
  readonly latencyFloorSeconds: number;
  readonly errorRateDeltaPercentagePoints: number;
  readonly marginalBand: number;
  readonly minRequestCount: number;
  readonly minBaselineRequestCount: number;
  readonly maxErrorRatePercent: number;
  /** Undefined: no absolute latency ceiling. */
  readonly maxLatencySeconds?: number;
}

export interface CheckResult {
  readonly check: 'latency' | 'errors' | 'error-ceiling' | 'latency-ceiling';
  readonly verdict: Verdict;
  /** Green's value: p99 seconds, or error rate in percent. */
  readonly green?: number;
  /** Blue's value, same unit. */
  readonly blue?: number;
  /** Green at or under this passes. */
  readonly threshold?: number;
  /** Green over the threshold but at or under this is marginal; over it fails. */
  readonly marginalLimit?: number;
  /**
   * What decided: `point estimate` (enough requests), `bound` (the confidence bound of the error
   * rate), `test` (a significant rank or sign test), `too few requests`, `no baseline`, `no data`.
   */
  readonly basis: 'point estimate' | 'bound' | 'test' | 'too few requests' | 'no baseline' | 'no data';
  /** The statistical test or bound computed, if any. */
  readonly test?: string;
  /** Confidence bounds of green's error rate, in percent. */
  readonly lowerBound?: number;
  readonly upperBound?: number;
  /** The test's one-sided p-value. */
  readonly pValue?: number;
  readonly reason: string;
}

export interface GateVerdict {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly green: SeriesSummary;
  /** Absent when there was no blue to compare with (see {@link evaluateGreenAgainstCeilings}). */
  readonly blue?: SeriesSummary;
  readonly thresholds: ResolvedThresholds;
  readonly checks: CheckResult[];
}

/** Order of severity used to combine checks: the worst one wins. */
const SEVERITY: Record<Verdict, number> = { pass: 0, inconclusive: 1, marginal: 2, fail: 3 };

export function resolveThresholds(thresholds: MetricGateThresholds = {}): ResolvedThresholds {
  const minRequestCount = thresholds.minRequestCount ?? METRIC_GATE_DEFAULTS.minRequestCount;
  const resolved: ResolvedThresholds = {
    latencyRatio: thresholds.latencyRatio ?? METRIC_GATE_DEFAULTS.latencyRatio,
    latencyFloorSeconds: thresholds.latencyFloorSeconds ?? METRIC_GATE_DEFAULTS.latencyFloorSeconds,
    errorRateDeltaPercentagePoints:
      thresholds.errorRateDeltaPercentagePoints ?? METRIC_GATE_DEFAULTS.errorRateDeltaPercentagePoints,
    marginalBand: thresholds.marginalBand ?? METRIC_GATE_DEFAULTS.marginalBand,
    minRequestCount,
    minBaselineRequestCount: thresholds.minBaselineRequestCount ?? minRequestCount,
    maxErrorRatePercent: thresholds.maxErrorRatePercent ?? METRIC_GATE_DEFAULTS.maxErrorRatePercent,
    ...(thresholds.maxLatencySeconds !== undefined ? { maxLatencySeconds: thresholds.maxLatencySeconds } : {}),
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`metric gate threshold ${name} must be a non-negative number, got ${JSON.stringify(value)}`);
    }
  }
  if (resolved.maxErrorRatePercent > 100) {
    throw new Error(`metric gate threshold maxErrorRatePercent must be at most 100, got ${resolved.maxErrorRatePercent}`);
  }
  if (resolved.latencyRatio < 1) {
    throw new Error(`metric gate threshold latencyRatio must be at least 1, got ${resolved.latencyRatio}`);
  }
  return resolved;
}

export function summarize(figures: SeriesFigures): SeriesSummary {
  return {
    requests: figures.requests,
    errors: figures.errors,
    p99Seconds: figures.p99Seconds,
    ...(figures.p99PerMinuteSeconds ? { p99PerMinuteSeconds: figures.p99PerMinuteSeconds } : {}),
    errorRatePercent: figures.requests > 0 ? (figures.errors / figures.requests) * 100 : undefined,
  };
}

/**
 * Compares green with blue, and green with the absolute ceilings.
 *
 * Each check (p99 latency against blue, 5xx rate against blue, 5xx rate against the ceiling,
 * p99 against the latency ceiling when set) is `pass`, `marginal`, `fail` or `inconclusive` as
 * described in `checks.ts`, and the worst check decides: fail > marginal > inconclusive > pass.
 * Too few requests, or no baseline, make a check inconclusive unless its statistical test shows
 * green is worse, so a broken green fails even on little traffic or with no blue to compare.
 */
export function evaluateMetricGate(
  greenFigures: SeriesFigures,
  blueFigures: SeriesFigures,
  thresholds: ResolvedThresholds,
): GateVerdict {
  const green = summarize(greenFigures);
  const blue = summarize(blueFigures);
  const checks = [
    latencyCheck(green, blue, thresholds),
    errorCheck(green, blue, thresholds),
    errorCeilingCheck(green, thresholds),
    ...(thresholds.maxLatencySeconds !== undefined ? [latencyCeilingCheck(green, thresholds.maxLatencySeconds, thresholds)] : []),
  ];
  return { green, blue, thresholds, checks, ...worstOf(checks) };
}

/**
 * Green against the absolute ceilings alone (the 5xx rate ceiling, and the p99 ceiling when set),
 * judged as in {@link evaluateMetricGate}: for a service's first deployment, which has no blue.
 * The relative checks need a baseline there is none of, while the ceilings are what a release
 * must meet whatever came before it: passing a first release unchecked would let one that fails
 * every request through.
 */
export function evaluateGreenAgainstCeilings(greenFigures: SeriesFigures, thresholds: ResolvedThresholds): GateVerdict {
  const green = summarize(greenFigures);
  const checks = [
    errorCeilingCheck(green, thresholds),
    ...(thresholds.maxLatencySeconds !== undefined ? [latencyCeilingCheck(green, thresholds.maxLatencySeconds, thresholds)] : []),
  ];
  return { green, thresholds, checks, ...worstOf(checks) };
}

/** The worst check decides; the reason gathers the checks of that verdict (all of them on a pass). */
function worstOf(checks: readonly CheckResult[]): { verdict: Verdict; reason: string } {
  const worst = checks.reduce((a, b) => (SEVERITY[b.verdict] > SEVERITY[a.verdict] ? b : a));
  const verdict = worst.verdict;
  const reason = verdict === 'pass'
    ? checks.map((c) => c.reason).join('; ')
    : [...new Set(checks.filter((c) => c.verdict === verdict).map((c) => c.reason))].join('; ');
  return { verdict, reason };
}

export interface ReportPolicy {
  readonly onMarginal: UncertainVerdictAction;
  readonly onInconclusive: UncertainVerdictAction;
  readonly production: boolean;
  readonly dryRun: boolean;
}

export interface ReportDecision {
  readonly status: 'Succeeded' | 'Failed';
  /** The verdict's own outcome before dry run is applied. */
  readonly wouldFail: boolean;
  readonly explanation: string;
}

function actionFails(action: UncertainVerdictAction, production: boolean): boolean {
  switch (action) {
    case 'fail':
      return true;
    case 'pass':
      return false;
    case 'fail-in-production':
      return production;
  }
}

/** Turns a verdict into the status reported to CodeDeploy, applying the configured policy. */
export function decideReport(verdict: Verdict, policy: ReportPolicy): ReportDecision {
  let wouldFail: boolean;
  let explanation: string;
  switch (verdict) {
    case 'pass':
      wouldFail = false;
      explanation = 'pass';
      break;
    case 'fail':
      wouldFail = true;
      explanation = 'fail';
      break;
    case 'marginal':
      wouldFail = actionFails(policy.onMarginal, policy.production);
      explanation = `marginal, onMarginal=${policy.onMarginal}, production=${policy.production}`;
      break;
    case 'inconclusive':
      wouldFail = actionFails(policy.onInconclusive, policy.production);
      explanation = `inconclusive, onInconclusive=${policy.onInconclusive}, production=${policy.production}`;
      break;
  }
  if (policy.dryRun) {
    return {
      status: 'Succeeded',
      wouldFail,
      explanation: `${explanation}; dry run, so Succeeded${wouldFail ? ' (would have failed)' : ''}`,
    };
  }
  return { status: wouldFail ? 'Failed' : 'Succeeded', wouldFail, explanation };
}
