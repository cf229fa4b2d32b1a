/**
 * The metric gate's decision, kept free of AWS calls so it can be tested and reasoned about on
 * its own: figures of the green and blue target groups in, a verdict and a report status out.
 */
import {
  METRIC_GATE_DEFAULTS,
  MetricGateThresholds,
  UncertainVerdictAction,
} from '../../lib/private/contract/metric-gate';

export type Verdict = 'pass' | 'marginal' | 'fail' | 'inconclusive';

/** What CloudWatch said about one target group over its window. */
export interface SeriesFigures {
  /** Sum of RequestCount; 0 when there were no datapoints. */
  readonly requests: number;
  /** Sum of HTTPCode_Target_5XX_Count; 0 when there were no datapoints. */
  readonly errors: number;
  /** p99 of TargetResponseTime in seconds; undefined when there were no datapoints. */
  readonly p99Seconds?: number;
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
}

export interface CheckResult {
  readonly check: 'latency' | 'errors';
  readonly verdict: Verdict;
  /** Green's value: p99 seconds, or error rate in percent. */
  readonly green?: number;
  /** Blue's value, same unit. */
  readonly blue?: number;
  /** Green at or under this passes. */
  readonly threshold?: number;
  /** Green over the threshold but at or under this is marginal; over it fails. */
  readonly marginalLimit?: number;
  readonly reason: string;
}

export interface GateVerdict {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly green: SeriesSummary;
  readonly blue: SeriesSummary;
  readonly thresholds: ResolvedThresholds;
  readonly checks: CheckResult[];
}

/** Floating-point slack so that exactly-at-threshold figures pass. */
const EPSILON = 1e-9;

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
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`metric gate threshold ${name} must be a non-negative number, got ${JSON.stringify(value)}`);
    }
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
    errorRatePercent: figures.requests > 0 ? (figures.errors / figures.requests) * 100 : undefined,
  };
}

function classify(value: number, threshold: number, band: number): { verdict: Verdict; marginalLimit: number } {
  const marginalLimit = threshold * (1 + band);
  if (value <= threshold + EPSILON) {
    return { verdict: 'pass', marginalLimit };
  }
  if (value <= marginalLimit + EPSILON) {
    return { verdict: 'marginal', marginalLimit };
  }
  return { verdict: 'fail', marginalLimit };
}

function round(value: number | undefined, digits = 4): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function latencyCheck(green: SeriesSummary, blue: SeriesSummary, t: ResolvedThresholds): CheckResult {
  if (green.p99Seconds === undefined || blue.p99Seconds === undefined) {
    const missing = green.p99Seconds === undefined ? 'green' : 'blue';
    return {
      check: 'latency',
      verdict: 'inconclusive',
      green: green.p99Seconds,
      blue: blue.p99Seconds,
      reason: `no TargetResponseTime p99 datapoints for ${missing}`,
    };
  }
  const threshold = Math.max(t.latencyRatio * blue.p99Seconds, t.latencyFloorSeconds);
  const { verdict, marginalLimit } = classify(green.p99Seconds, threshold, t.marginalBand);
  const ms = (seconds: number) => `${Math.round(seconds * 1000)} ms`;
  const reason = verdict === 'pass'
    ? `green p99 ${ms(green.p99Seconds)} within ${ms(threshold)} (max(${t.latencyRatio} × blue p99 ${ms(blue.p99Seconds)}, ${ms(t.latencyFloorSeconds)}))`
    : `green p99 ${ms(green.p99Seconds)} exceeds ${ms(threshold)} (max(${t.latencyRatio} × blue p99 ${ms(blue.p99Seconds)}, ${ms(t.latencyFloorSeconds)}))`
      + (verdict === 'marginal' ? ` by no more than ${t.marginalBand * 100} %` : ` by more than ${t.marginalBand * 100} %`);
  return {
    check: 'latency',
    verdict,
    green: green.p99Seconds,
    blue: blue.p99Seconds,
    threshold: round(threshold, 6),
    marginalLimit: round(marginalLimit, 6),
    reason,
  };
}

function errorCheck(green: SeriesSummary, blue: SeriesSummary, t: ResolvedThresholds): CheckResult {
  if (green.errorRatePercent === undefined || blue.errorRatePercent === undefined) {
    const missing = green.errorRatePercent === undefined ? 'green' : 'blue';
    return {
      check: 'errors',
      verdict: 'inconclusive',
      green: green.errorRatePercent,
      blue: blue.errorRatePercent,
      reason: `no requests for ${missing}, so no error rate`,
    };
  }
  const threshold = blue.errorRatePercent + t.errorRateDeltaPercentagePoints;
  const { verdict, marginalLimit } = classify(green.errorRatePercent, threshold, t.marginalBand);
  const pct = (value: number) => `${round(value, 3)} %`;
  const comparison = `${pct(threshold)} (blue ${pct(blue.errorRatePercent)} + ${t.errorRateDeltaPercentagePoints} points)`;
  const reason = verdict === 'pass'
    ? `green 5xx rate ${pct(green.errorRatePercent)} within ${comparison}`
    : `green 5xx rate ${pct(green.errorRatePercent)} (${green.errors}/${green.requests}) exceeds ${comparison}`
      + (verdict === 'marginal' ? ` by no more than ${t.marginalBand * 100} %` : ` by more than ${t.marginalBand * 100} %`);
  return {
    check: 'errors',
    verdict,
    green: round(green.errorRatePercent, 6),
    blue: round(blue.errorRatePercent, 6),
    threshold: round(threshold, 6),
    marginalLimit: round(marginalLimit, 6),
    reason,
  };
}

/**
 * Compares green with blue.
 *
 * - Too few green requests (or blue baseline requests), or no datapoints at all: `inconclusive`.
 * - Otherwise each check (p99 latency, 5xx error rate) is `pass`, `marginal` or `fail` as
 *   defined in {@link MetricGateThresholds}, or `inconclusive` when its figures are missing, and
 *   the worst check decides: fail > marginal > inconclusive > pass.
 */
export function evaluateMetricGate(
  greenFigures: SeriesFigures,
  blueFigures: SeriesFigures,
  thresholds: ResolvedThresholds,
): GateVerdict {
  const green = summarize(greenFigures);
  const blue = summarize(blueFigures);
  const base = { green, blue, thresholds };
  if (green.requests < thresholds.minRequestCount) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason: `green served ${green.requests} requests, fewer than the ${thresholds.minRequestCount} needed to judge it`,
      checks: [],
    };
  }
  if (blue.requests < thresholds.minBaselineRequestCount) {
    return {
      ...base,
      verdict: 'inconclusive',
      reason: `blue served ${blue.requests} requests, fewer than the ${thresholds.minBaselineRequestCount} needed for a baseline`,
      checks: [],
    };
  }
  const checks = [latencyCheck(green, blue, thresholds), errorCheck(green, blue, thresholds)];
  const worst = checks.reduce((a, b) => (SEVERITY[b.verdict] > SEVERITY[a.verdict] ? b : a));
  const verdict = worst.verdict;
  const reason = verdict === 'pass'
    ? checks.map((c) => c.reason).join('; ')
    : checks.filter((c) => c.verdict === verdict).map((c) => c.reason).join('; ');
  return { ...base, verdict, reason, checks };
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
