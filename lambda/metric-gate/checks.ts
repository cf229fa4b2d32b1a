/**
 * The metric gate's checks, each turning figures into a verdict it can explain.
 *
 * Every check has a threshold T and a marginal limit M = T × (1 + marginalBand). With at least
 * `minRequestCount` green requests a check judges the point estimate, as a person reading the
 * dashboard would; with fewer, only a statistical test can fail it, and a sample that the test
 * cannot tell from healthy is `inconclusive`, never `pass`. The error-rate checks use their
 * confidence bound at every size, so a handful of errors on modest traffic is not enough to
 * roll back and a 100 % error rate on ten requests is.
 */
import {
  ALPHA, ProportionInterval, Z_ONE_SIDED_95, mannWhitneyGreater, signTestPValue, wilsonInterval,
} from './statistics';
import type { CheckResult, ResolvedThresholds, SeriesSummary, Verdict } from './verdict';

/** Floating-point slack so that exactly-at-threshold figures pass. */
const EPSILON = 1e-9;

const WILSON = 'Wilson score, continuity-corrected, one-sided 95 %';
const CONFIDENCE = 0.95;

export function round(value: number | undefined, digits = 4): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

const pct = (value: number) => `${round(value, 3)} %`;
const ms = (seconds: number) => `${Math.round(seconds * 1000)} ms`;

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

function overBy(verdict: Verdict, band: number): string {
  return verdict === 'marginal' ? ` by no more than ${band * 100} %` : ` by more than ${band * 100} %`;
}

/**
 * Green's 5xx rate against a threshold in percent, which is blue's rate plus the allowed delta
 * (`errors`) or the absolute ceiling (`error-ceiling`):
 * - lower bound over M: fail; lower bound over T: marginal (the data show green is over T);
 * - otherwise, with too few requests: inconclusive (the data cannot tell);
 * - otherwise the point estimate: within T passes, over it is marginal, since chance explains it.
 */
function rateCheck(
  check: 'errors' | 'error-ceiling',
  green: SeriesSummary,
  threshold: number,
  describeThreshold: string,
  t: ResolvedThresholds,
  extra: Pick<CheckResult, 'blue'> = {},
): CheckResult {
  const marginalLimit = threshold * (1 + t.marginalBand);
  const interval: ProportionInterval = wilsonInterval(green.errors, green.requests, Z_ONE_SIDED_95);
  const lower = interval.lower * 100;
  const upper = interval.upper * 100;
  const rate = (green.errors / green.requests) * 100;
  const figures = `green 5xx rate ${pct(rate)} (${green.errors}/${green.requests})`;
  const bound = `its lower ${CONFIDENCE * 100} % bound ${pct(lower)}`;
  const base = {
    check,
    green: round(rate, 6),
    ...extra,
    threshold: round(threshold, 6),
    marginalLimit: round(marginalLimit, 6),
    test: WILSON,
    lowerBound: round(lower, 6),
    upperBound: round(upper, 6),
  };
  if (lower > marginalLimit + EPSILON) {
    return { ...base, verdict: 'fail', basis: 'bound', reason: `${figures} exceeds ${describeThreshold}: ${bound} is over ${pct(marginalLimit)} (${pct(threshold)} + ${t.marginalBand * 100} %)` };
  }
  if (lower > threshold + EPSILON) {
    return { ...base, verdict: 'marginal', basis: 'bound', reason: `${figures} exceeds ${describeThreshold}: ${bound} is over it, but not over ${pct(marginalLimit)}` };
  }
  if (green.requests < t.minRequestCount) {
    return {
      ...base,
      verdict: 'inconclusive',
      basis: 'too few requests',
      reason: `green served ${green.requests} requests, fewer than the ${t.minRequestCount} needed to judge it by its figures, `
        + `and ${figures} cannot be told from ${describeThreshold}: ${bound} is not over it`,
    };
  }
  const { verdict } = classify(rate, threshold, t.marginalBand);
  if (verdict === 'pass') {
    return { ...base, verdict, basis: 'point estimate', reason: `${figures} within ${describeThreshold}` };
  }
  return {
    ...base,
    verdict: 'marginal',
    basis: 'point estimate',
    reason: `${figures} exceeds ${describeThreshold}, but by no more than chance explains: ${bound} is not over it`,
  };
}

export function errorCheck(green: SeriesSummary, blue: SeriesSummary, t: ResolvedThresholds): CheckResult {
  if (green.errorRatePercent === undefined || blue.errorRatePercent === undefined) {
    const missing = green.errorRatePercent === undefined ? 'green' : 'blue';
    return {
      check: 'errors',
      verdict: 'inconclusive',
      green: green.errorRatePercent,
      blue: blue.errorRatePercent,
      basis: 'no data',
      reason: `no requests for ${missing}, so no error rate to compare`,
    };
  }
  if (blue.requests < t.minBaselineRequestCount) {
    return {
      check: 'errors',
      verdict: 'inconclusive',
      green: round(green.errorRatePercent, 6),
      blue: round(blue.errorRatePercent, 6),
      basis: 'no baseline',
      reason: `blue served ${blue.requests} requests, fewer than the ${t.minBaselineRequestCount} needed for a baseline`,
    };
  }
  const threshold = blue.errorRatePercent + t.errorRateDeltaPercentagePoints;
  const describe = `${pct(threshold)} (blue ${pct(blue.errorRatePercent)} + ${t.errorRateDeltaPercentagePoints} points)`;
  return rateCheck('errors', green, threshold, describe, t, { blue: round(blue.errorRatePercent, 6) });
}

/** Green alone against the absolute error-rate ceiling: needs no baseline, so it judges a green that blue cannot. */
export function errorCeilingCheck(green: SeriesSummary, t: ResolvedThresholds): CheckResult {
  if (green.requests === 0) {
    return { check: 'error-ceiling', verdict: 'inconclusive', basis: 'no data', reason: 'green served 0 requests, so no error rate' };
  }
  return rateCheck('error-ceiling', green, t.maxErrorRatePercent, `the ${pct(t.maxErrorRatePercent)} ceiling`, t);
}

/**
 * Green's p99 against max(latencyRatio × blue p99, latencyFloor). With too few requests, a
 * one-sided Mann-Whitney test of green's per-minute p99 against blue's, each scaled to that
 * allowance, must show green slower before the check can fail (as Kayenta judges canaries).
 */
export function latencyCheck(green: SeriesSummary, blue: SeriesSummary, t: ResolvedThresholds): CheckResult {
  if (green.p99Seconds === undefined || blue.p99Seconds === undefined) {
    const missing = green.p99Seconds === undefined ? 'green' : 'blue';
    return {
      check: 'latency',
      verdict: 'inconclusive',
      green: green.p99Seconds,
      blue: blue.p99Seconds,
      basis: 'no data',
      reason: `no TargetResponseTime p99 datapoints for ${missing}`,
    };
  }
  const base = { check: 'latency' as const, green: green.p99Seconds, blue: blue.p99Seconds };
  if (blue.requests < t.minBaselineRequestCount) {
    return { ...base, verdict: 'inconclusive', basis: 'no baseline', reason: `blue served ${blue.requests} requests, fewer than the ${t.minBaselineRequestCount} needed for a baseline` };
  }
  const allowance = (blueP99: number) => Math.max(t.latencyRatio * blueP99, t.latencyFloorSeconds);
  const threshold = allowance(blue.p99Seconds);
  const { verdict, marginalLimit } = classify(green.p99Seconds, threshold, t.marginalBand);
  const figures = `green p99 ${ms(green.p99Seconds)}`;
  const describe = `${ms(threshold)} (max(${t.latencyRatio} × blue p99 ${ms(blue.p99Seconds)}, ${ms(t.latencyFloorSeconds)}))`;
  const limits = { threshold: round(threshold, 6), marginalLimit: round(marginalLimit, 6) };
  if (green.requests >= t.minRequestCount) {
    const reason = verdict === 'pass' ? `${figures} within ${describe}` : `${figures} exceeds ${describe}${overBy(verdict, t.marginalBand)}`;
    return { ...base, ...limits, verdict, basis: 'point estimate', reason };
  }
  const greenMinutes = green.p99PerMinuteSeconds ?? [];
  const blueMinutes = (blue.p99PerMinuteSeconds ?? []).map(allowance);
  const tooFew = `green served ${green.requests} requests, fewer than the ${t.minRequestCount} needed to judge it by its figures`;
  if (verdict === 'pass' || greenMinutes.length === 0 || blueMinutes.length === 0) {
    return { ...base, ...limits, verdict: 'inconclusive', basis: 'too few requests', reason: `${tooFew}; ${figures} against ${describe}` };
  }
  const test = mannWhitneyGreater(greenMinutes, blueMinutes);
  const evidence = `Mann-Whitney U ${test.u} over ${greenMinutes.length} green and ${blueMinutes.length} blue minutes, one-sided p ${round(test.pValue, 4)}`;
  const tested = { ...base, ...limits, test: `Mann-Whitney U (${test.method}), one-sided, alpha ${ALPHA}`, pValue: round(test.pValue, 6) };
  if (test.pValue >= ALPHA) {
    return { ...tested, verdict: 'inconclusive', basis: 'too few requests', reason: `${tooFew}; ${figures} exceeds ${describe}, but ${evidence} does not show it` };
  }
  return { ...tested, verdict, basis: 'test', reason: `${figures} exceeds ${describe}${overBy(verdict, t.marginalBand)}; ${evidence}` };
}

/**
 * Green's p99 against the absolute ceiling, when one is set. With too few requests, a one-sided
 * sign test must show green's per-minute p99 over the ceiling in more minutes than chance allows.
 */
export function latencyCeilingCheck(green: SeriesSummary, ceiling: number, t: ResolvedThresholds): CheckResult {
  if (green.p99Seconds === undefined) {
    return { check: 'latency-ceiling', verdict: 'inconclusive', basis: 'no data', reason: 'no TargetResponseTime p99 datapoints for green' };
  }
  const { verdict, marginalLimit } = classify(green.p99Seconds, ceiling, t.marginalBand);
  const base = { check: 'latency-ceiling' as const, green: green.p99Seconds, threshold: ceiling, marginalLimit: round(marginalLimit, 6) };
  const figures = `green p99 ${ms(green.p99Seconds)}`;
  const describe = `the ${ms(ceiling)} ceiling`;
  if (green.requests >= t.minRequestCount) {
    const reason = verdict === 'pass' ? `${figures} within ${describe}` : `${figures} exceeds ${describe}${overBy(verdict, t.marginalBand)}`;
    return { ...base, verdict, basis: 'point estimate', reason };
  }
  const minutes = green.p99PerMinuteSeconds ?? [];
  const over = minutes.filter((value) => value > ceiling + EPSILON).length;
  const pValue = signTestPValue(over, minutes.length);
  const evidence = `sign test: over it in ${over} of ${minutes.length} minutes, one-sided p ${round(pValue, 4)}`;
  const tested = { ...base, test: `sign test, one-sided, alpha ${ALPHA}`, pValue: round(pValue, 6) };
  const tooFew = `green served ${green.requests} requests, fewer than the ${t.minRequestCount} needed to judge it by its figures`;
  if (verdict === 'pass' || pValue >= ALPHA) {
    return { ...tested, verdict: 'inconclusive', basis: 'too few requests', reason: `${tooFew}; ${figures} against ${describe}, ${evidence}` };
  }
  return { ...tested, verdict, basis: 'test', reason: `${figures} exceeds ${describe}${overBy(verdict, t.marginalBand)}; ${evidence}` };
}
