import { evaluateMetricGate, resolveThresholds } from '../../../lambda/metric-gate/verdict';

const defaults = resolveThresholds();
const healthyBlue = { requests: 1000, errors: 0, p99Seconds: 0.2, p99PerMinuteSeconds: [0.2, 0.21, 0.19, 0.205, 0.22] };
const noBlue = { requests: 0, errors: 0 };
const check = (v: ReturnType<typeof evaluateMetricGate>, name: string) => v.checks.find((c) => c.check === name);

describe('green judged on its own, with or without a baseline', () => {
  test('with no blue datapoints, a green answering 100 % 5xx fails on the error-rate ceiling', () => {
    const v = evaluateMetricGate({ requests: 1000, errors: 1000, p99Seconds: 0.01 }, noBlue, defaults);
    expect(v.verdict).toBe('fail');
    expect(check(v, 'errors')).toMatchObject({ verdict: 'inconclusive', basis: 'no data' });
    expect(check(v, 'error-ceiling')).toMatchObject({
      verdict: 'fail', basis: 'bound', threshold: 1, marginalLimit: 1.1, test: 'Wilson score, continuity-corrected, one-sided 95 %',
    });
    expect(check(v, 'error-ceiling')!.lowerBound).toBeGreaterThan(99);
    expect(v.reason).toContain('green 5xx rate 100 % (1000/1000) exceeds the 1 % ceiling: its lower 95 % bound');
  });

  test('with no baseline, a healthy green is inconclusive (policy decides), not a pass', () => {
    const v = evaluateMetricGate({ requests: 1000, errors: 0, p99Seconds: 0.2 }, noBlue, defaults);
    expect(v.verdict).toBe('inconclusive');
    expect(check(v, 'error-ceiling')).toMatchObject({ verdict: 'pass', basis: 'point estimate' });
  });

  test('a blue baseline with too few requests still lets the ceiling fail a broken green', () => {
    const v = evaluateMetricGate({ requests: 300, errors: 60, p99Seconds: 0.2 }, { requests: 3, errors: 0, p99Seconds: 0.2 }, defaults);
    expect(v.verdict).toBe('fail');
    expect(check(v, 'errors')).toMatchObject({ verdict: 'inconclusive', basis: 'no baseline' });
  });

  test('a green as bad as blue, but over the ceiling, fails', () => {
    const v = evaluateMetricGate({ requests: 5000, errors: 150, p99Seconds: 0.2 }, { requests: 5000, errors: 150, p99Seconds: 0.2 }, defaults);
    expect(check(v, 'errors')?.verdict).toBe('pass');
    expect(v.verdict).toBe('fail');
  });

  test('the ceiling is a threshold: maxErrorRatePercent moves it', () => {
    const green = { requests: 5000, errors: 150, p99Seconds: 0.2 };
    expect(evaluateMetricGate(green, green, resolveThresholds({ maxErrorRatePercent: 5 })).verdict).toBe('pass');
  });
});

describe('few requests: the data decide only when they can', () => {
  test('9 errors in 10 requests fail: the lower Wilson bound is far above 1 %', () => {
    const v = evaluateMetricGate({ requests: 10, errors: 9, p99Seconds: 0.2 }, healthyBlue, defaults);
    expect(v.verdict).toBe('fail');
    const ceiling = check(v, 'error-ceiling')!;
    expect(ceiling).toMatchObject({ verdict: 'fail', basis: 'bound', green: 90 });
    expect(ceiling.lowerBound).toBeGreaterThan(50);
  });

  test('0 errors in 10 requests is inconclusive: the data cannot say it is broken', () => {
    const v = evaluateMetricGate({ requests: 10, errors: 0, p99Seconds: 0.2 }, healthyBlue, defaults);
    expect(v.verdict).toBe('inconclusive');
    expect(v.checks.map((c) => c.verdict)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
    expect(check(v, 'error-ceiling')!.reason).toContain('green served 10 requests, fewer than the 50 needed to judge it by its figures');
  });

  test('1 error in 10 requests does not prove a rate over the 1 % ceiling', () => {
    const v = evaluateMetricGate({ requests: 10, errors: 1, p99Seconds: 0.2 }, noBlue, defaults);
    expect(v.verdict).toBe('inconclusive');
    expect(check(v, 'error-ceiling')).toMatchObject({ verdict: 'inconclusive', basis: 'too few requests' });
    expect(check(v, 'error-ceiling')!.lowerBound).toBeLessThan(1);
  });

  test('1 error in 10 requests against a blue with none in 1000 is over blue + 0.5 points beyond chance', () => {
    // P(X >= 1 | 10, 0.5 %) = 0.049; Fisher's exact test of 1/10 against 0/1000 gives 0.0099.
    const v = evaluateMetricGate({ requests: 10, errors: 1, p99Seconds: 0.2 }, healthyBlue, defaults);
    expect(check(v, 'errors')).toMatchObject({ verdict: 'fail', basis: 'bound' });
  });

  test('with enough requests, a rate over the threshold that chance explains is marginal, not a failure', () => {
    // 8/1000 against blue 0 + 0.5 points: the lower bound (0.415 %) is under 0.5 %
    const v = evaluateMetricGate({ requests: 1000, errors: 8, p99Seconds: 0.2 }, healthyBlue, defaults);
    expect(check(v, 'errors')).toMatchObject({ verdict: 'marginal', basis: 'point estimate' });
    expect(v.verdict).toBe('marginal');
  });

  test('a slow green on few requests fails when the rank test over its minutes shows it', () => {
    const v = evaluateMetricGate(
      { requests: 20, errors: 0, p99Seconds: 3, p99PerMinuteSeconds: [3, 2.9, 3.1, 2.8, 2.95] }, healthyBlue, defaults);
    expect(v.verdict).toBe('fail');
    const latency = check(v, 'latency')!;
    expect(latency).toMatchObject({ verdict: 'fail', basis: 'test', test: 'Mann-Whitney U (exact), one-sided, alpha 0.05' });
    expect(latency.pValue).toBeCloseTo(1 / 252, 6);
  });

  test('a slow green over too few minutes for the rank test to tell is inconclusive', () => {
    const v = evaluateMetricGate(
      { requests: 20, errors: 0, p99Seconds: 3, p99PerMinuteSeconds: [3, 2.9] }, { ...healthyBlue, p99PerMinuteSeconds: [0.2, 0.21] }, defaults);
    expect(check(v, 'latency')).toMatchObject({ verdict: 'inconclusive', basis: 'too few requests' });
    expect(check(v, 'latency')!.pValue).toBeCloseTo(1 / 6, 6);
    expect(v.verdict).toBe('inconclusive');
  });

  test('the rank test compares green with blue scaled to the allowance, not merely with blue', () => {
    // green a little slower than blue every minute, but within 1.5 × blue: no evidence against it
    const v = evaluateMetricGate(
      { requests: 20, errors: 0, p99Seconds: 0.35, p99PerMinuteSeconds: [0.25, 0.26, 0.27, 0.28, 0.35] }, healthyBlue, defaults);
    expect(check(v, 'latency')).toMatchObject({ verdict: 'inconclusive' });
  });
});

describe('latency ceiling', () => {
  const withCeiling = resolveThresholds({ maxLatencySeconds: 1 });

  test('is off by default', () => {
    const v = evaluateMetricGate({ requests: 1000, errors: 0, p99Seconds: 5 }, { requests: 1000, errors: 0, p99Seconds: 5 }, defaults);
    expect(v.checks.map((c) => c.check)).toEqual(['latency', 'errors', 'error-ceiling']);
    expect(v.verdict).toBe('pass');
  });

  test('fails a green as slow as blue when both are over it', () => {
    const v = evaluateMetricGate({ requests: 1000, errors: 0, p99Seconds: 2 }, { requests: 1000, errors: 0, p99Seconds: 2 }, withCeiling);
    expect(check(v, 'latency')?.verdict).toBe('pass');
    expect(check(v, 'latency-ceiling')).toMatchObject({ verdict: 'fail', threshold: 1, basis: 'point estimate' });
    expect(v.verdict).toBe('fail');
  });

  test('on few requests, fails only when the sign test over its minutes shows it', () => {
    const slow = evaluateMetricGate({ requests: 20, errors: 0, p99Seconds: 2, p99PerMinuteSeconds: [2, 2, 2, 2, 2] }, noBlue, withCeiling);
    expect(check(slow, 'latency-ceiling')).toMatchObject({ verdict: 'fail', basis: 'test', pValue: 0.03125 });
    const mixed = evaluateMetricGate({ requests: 20, errors: 0, p99Seconds: 2, p99PerMinuteSeconds: [2, 2, 2, 0.5, 0.5] }, noBlue, withCeiling);
    expect(check(mixed, 'latency-ceiling')).toMatchObject({ verdict: 'inconclusive', basis: 'too few requests' });
  });

  test('refuses an error-rate ceiling over 100 %', () => {
    expect(() => resolveThresholds({ maxErrorRatePercent: 150 })).toThrow(/maxErrorRatePercent must be at most 100, got 150/);
  });
});
