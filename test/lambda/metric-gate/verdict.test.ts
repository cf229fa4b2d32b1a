import { decideReport, evaluateMetricGate, resolveThresholds } from '../../../lambda/metric-gate/verdict';
import { computeWindows, metricQueryRange } from '../../../lambda/metric-gate/window';

const defaults = resolveThresholds();

describe('evaluateMetricGate', () => {
  test('defaults are the documented ones', () => {
    expect(defaults).toEqual({
      latencyRatio: 1.5,
      latencyFloorSeconds: 0.05,
      errorRateDeltaPercentagePoints: 0.5,
      marginalBand: 0.1,
      minRequestCount: 50,
      minBaselineRequestCount: 50,
      maxErrorRatePercent: 1,
    });
  });

  test('green like blue passes', () => {
    const v = evaluateMetricGate({ requests: 1000, errors: 2, p99Seconds: 0.2 }, { requests: 1000, errors: 1, p99Seconds: 0.19 }, defaults);
    expect(v.verdict).toBe('pass');
    expect(v.checks.map((c) => [c.check, c.verdict])).toEqual([['latency', 'pass'], ['errors', 'pass'], ['error-ceiling', 'pass']]);
    expect(v.checks[0].threshold).toBeCloseTo(0.285);
    expect(v.checks[1].threshold).toBeCloseTo(0.6);
    expect(v.green.errorRatePercent).toBeCloseTo(0.2);
  });

  test('exactly at a threshold passes', () => {
    // blue 1 %, threshold 1.5 %; green 15/1000 = 1.5 %; the ceiling raised out of the way
    const v = evaluateMetricGate({ requests: 1000, errors: 15, p99Seconds: 0.3 }, { requests: 1000, errors: 10, p99Seconds: 0.2 },
      resolveThresholds({ maxErrorRatePercent: 2 }));
    expect(v.verdict).toBe('pass');
  });

  test('latency over the marginal band fails and names the figures', () => {
    const v = evaluateMetricGate({ requests: 1000, errors: 0, p99Seconds: 0.5 }, { requests: 1000, errors: 0, p99Seconds: 0.2 }, defaults);
    expect(v.verdict).toBe('fail');
    expect(v.checks.find((c) => c.check === 'latency')?.verdict).toBe('fail');
    expect(v.reason).toContain('green p99 500 ms exceeds 300 ms');
  });

  test('latency just over the threshold is marginal', () => {
    // threshold 300 ms, marginal up to 330 ms
    const v = evaluateMetricGate({ requests: 1000, errors: 0, p99Seconds: 0.32 }, { requests: 1000, errors: 0, p99Seconds: 0.2 }, defaults);
    expect(v.verdict).toBe('marginal');
    expect(v.checks[0].marginalLimit).toBeCloseTo(0.33);
  });

  test('error rate over blue plus half a point fails', () => {
    const v = evaluateMetricGate({ requests: 1000, errors: 30, p99Seconds: 0.2 }, { requests: 1000, errors: 0, p99Seconds: 0.2 }, defaults);
    expect(v.verdict).toBe('fail');
    expect(v.reason).toContain('green 5xx rate 3 % (30/1000) exceeds 0.5 %');
  });

  test('error rate just over the threshold is marginal', () => {
    // threshold 0.5 %, marginal up to 0.55 %; green 0.54 %
    const v = evaluateMetricGate({ requests: 10000, errors: 54, p99Seconds: 0.2 }, { requests: 10000, errors: 0, p99Seconds: 0.2 }, defaults);
    expect(v.verdict).toBe('marginal');
  });

  test('fail wins over marginal', () => {
    const v = evaluateMetricGate({ requests: 10000, errors: 54, p99Seconds: 1 }, { requests: 10000, errors: 0, p99Seconds: 0.2 }, defaults);
    expect(v.verdict).toBe('fail');
    expect(v.checks.map((c) => c.verdict)).toEqual(['fail', 'marginal', 'pass']);
  });

  test('a fast service is not failed for a tiny absolute latency change', () => {
    const v = evaluateMetricGate({ requests: 1000, errors: 0, p99Seconds: 0.012 }, { requests: 1000, errors: 0, p99Seconds: 0.004 }, defaults);
    expect(v.verdict).toBe('pass');
  });

  test('too few green requests without errors is inconclusive, not a pass', () => {
    const v = evaluateMetricGate({ requests: 49, errors: 0, p99Seconds: 0.2 }, { requests: 1000, errors: 0, p99Seconds: 0.2 }, defaults);
    expect(v.verdict).toBe('inconclusive');
    expect(v.reason).toContain('green served 49 requests, fewer than the 50');
  });

  test('too few green requests, all of them errors, fails', () => {
    const v = evaluateMetricGate({ requests: 49, errors: 49, p99Seconds: 9 }, { requests: 1000, errors: 0, p99Seconds: 0.2 }, defaults);
    expect(v.verdict).toBe('fail');
  });

  test('too few blue requests is inconclusive', () => {
    const v = evaluateMetricGate({ requests: 500, errors: 0, p99Seconds: 0.2 }, { requests: 3, errors: 0, p99Seconds: 0.2 }, defaults);
    expect(v.verdict).toBe('inconclusive');
    expect(v.reason).toContain('blue served 3 requests');
  });

  test('missing p99 with enough requests makes the latency check inconclusive', () => {
    const v = evaluateMetricGate({ requests: 500, errors: 0 }, { requests: 500, errors: 0, p99Seconds: 0.2 }, defaults);
    expect(v.verdict).toBe('inconclusive');
    expect(v.checks[0].reason).toContain('no TargetResponseTime p99 datapoints for green');
  });

  test('invalid thresholds are refused', () => {
    expect(() => resolveThresholds({ latencyRatio: 0.5 })).toThrow(/latencyRatio must be at least 1/);
    expect(() => resolveThresholds({ marginalBand: -1 })).toThrow(/marginalBand/);
  });
});

describe('decideReport', () => {
  const policy = { onMarginal: 'fail-in-production', onInconclusive: 'pass', production: false, dryRun: false } as const;

  test.each([
    ['pass', policy, 'Succeeded'],
    ['fail', policy, 'Failed'],
    ['marginal', policy, 'Succeeded'],
    ['marginal', { ...policy, production: true }, 'Failed'],
    ['marginal', { ...policy, onMarginal: 'fail' }, 'Failed'],
    ['inconclusive', policy, 'Succeeded'],
    ['inconclusive', { ...policy, onInconclusive: 'fail' }, 'Failed'],
    ['inconclusive', { ...policy, onInconclusive: 'fail-in-production', production: true }, 'Failed'],
    ['fail', { ...policy, dryRun: true }, 'Succeeded'],
  ] as const)('%s with %j reports %s', (verdict, p, status) => {
    expect(decideReport(verdict, p).status).toBe(status);
  });

  test('dry run says it would have failed', () => {
    const d = decideReport('fail', { ...policy, dryRun: true });
    expect(d.wouldFail).toBe(true);
    expect(d.explanation).toContain('would have failed');
  });
});

describe('computeWindows', () => {
  const settings = { bakeWindowSeconds: 300, lookbackSeconds: 600, metricDelaySeconds: 90 };
  const t = (iso: string) => new Date(iso);

  test('all-at-once: green after the shift, blue the same length before it', () => {
    const w = computeWindows('all-at-once', { allowTrafficStart: t('2025-01-01T10:00:00Z'), allowTrafficEnd: t('2025-01-01T10:00:20Z') }, settings, t('2025-01-01T10:00:30Z'));
    expect(w.source).toBe('bake');
    expect(w.green).toEqual({ start: t('2025-01-01T10:00:20Z'), end: t('2025-01-01T10:05:20Z') });
    expect(w.blue).toEqual({ start: t('2025-01-01T09:55:20Z'), end: t('2025-01-01T10:00:20Z') });
    expect(w.readyAt).toEqual(t('2025-01-01T10:06:50Z'));
  });

  test('all-at-once without timing uses now as the shift', () => {
    const w = computeWindows('all-at-once', {}, settings, t('2025-01-01T10:00:00Z'));
    expect(w.green.start).toEqual(t('2025-01-01T10:00:00Z'));
  });

  test('canary: both over AllowTraffic', () => {
    const w = computeWindows('canary', { allowTrafficStart: t('2025-01-01T10:00:00Z'), allowTrafficEnd: t('2025-01-01T10:10:00Z') }, settings, t('2025-01-01T10:10:05Z'));
    expect(w.source).toBe('lifecycle');
    expect(w.green).toEqual({ start: t('2025-01-01T10:00:00Z'), end: t('2025-01-01T10:10:00Z') });
    expect(w.blue).toEqual(w.green);
    expect(w.readyAt).toEqual(t('2025-01-01T10:11:30Z'));
  });

  test('linear without timing falls back to the lookback', () => {
    const w = computeWindows('linear', {}, settings, t('2025-01-01T10:10:00Z'));
    expect(w.source).toBe('lookback');
    expect(w.green).toEqual({ start: t('2025-01-01T10:00:00Z'), end: t('2025-01-01T10:10:00Z') });
  });

  test('query range covers the window in one period', () => {
    const r = metricQueryRange({ start: t('2025-01-01T10:00:20Z'), end: t('2025-01-01T10:05:20Z') });
    expect(r).toEqual({ startTime: t('2025-01-01T10:00:00Z'), endTime: t('2025-01-01T10:06:00Z'), periodSeconds: 360 });
  });
});
