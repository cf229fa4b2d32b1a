import { mannWhitneyGreater, normalCdf, signTestPValue, wilsonInterval, Z_ONE_SIDED_95 } from '../../../lambda/metric-gate/statistics';

describe('wilsonInterval', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, 95 %:
  // method 3 (score) and method 4 (score with continuity correction).
  test.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i without correction matches Newcombe: %f to %f', (k, n, lower, upper) => {
    const interval = wilsonInterval(k, n, 1.96, false);
    expect(interval.lower).toBeCloseTo(lower, 4);
    expect(interval.upper).toBeCloseTo(upper, 4);
  });

  test.each([
    [81, 263, 0.2535, 0.3682],
    [0, 20, 0, 0.2005],
    [1, 29, 0.0018, 0.1963],
  ])('%i/%i with continuity correction matches Newcombe: %f to %f', (k, n, lower, upper) => {
    const interval = wilsonInterval(k, n, 1.96);
    expect(interval.lower).toBeCloseTo(lower, 4);
    expect(interval.upper).toBeCloseTo(upper, 4);
  });

  test('all successes has an upper bound of 1, and the bounds are symmetric in k and n - k', () => {
    const all = wilsonInterval(10, 10, Z_ONE_SIDED_95);
    const none = wilsonInterval(0, 10, Z_ONE_SIDED_95);
    expect(all.upper).toBe(1);
    expect(all.lower).toBeCloseTo(1 - none.upper, 12);
  });

  test('1 error in 10 requests does not prove a rate over 1 %; 2 do', () => {
    // Agrees with the exact binomial test: P(X >= 1 | 10, 1 %) = 0.096, P(X >= 2) = 0.0043.
    expect(wilsonInterval(1, 10, Z_ONE_SIDED_95).lower).toBeLessThan(0.01);
    expect(wilsonInterval(2, 10, Z_ONE_SIDED_95).lower).toBeGreaterThan(0.01);
  });

  test('refuses impossible counts', () => {
    expect(() => wilsonInterval(3, 2, 1.96)).toThrow(/0 <= successes <= trials/);
    expect(() => wilsonInterval(0, 0, 1.96)).toThrow(/trials > 0/);
  });
});

describe('normalCdf', () => {
  test.each([[0, 0.5], [1.96, 0.9750021], [-1.6448536, 0.05], [1, 0.8413447], [-3, 0.0013499]])('Φ(%f) = %f', (x, p) => {
    expect(normalCdf(x)).toBeCloseTo(p, 6);
  });
});

/** Samples of sizes m and n where each x beats `beats[i]` of the y's 0, 1, …, n - 1, with no ties. */
function samplesWithU(beats: number[], n: number): [number[], number[]] {
  return [beats.map((b, i) => b - 0.5 + i * 0.001), Array.from({ length: n }, (_, j) => j)];
}

describe('mannWhitneyGreater', () => {
  // Critical values of U, one-tailed alpha 0.05 (standard tables, e.g. Siegel & Castellan):
  // n1 = n2 = 5: 4; n1 = n2 = 8: 15; n1 = n2 = 10: 27. By symmetry, U_x >= n1·n2 - critical is significant.
  test.each([
    [5, 4],
    [8, 15],
    [10, 27],
  ])('n1 = n2 = %i: the critical value %i is significant at 5 %, one more is not', (size, critical) => {
    const beatsFor = (u: number) => {
      const beats = new Array<number>(size).fill(0);
      for (let left = u, i = 0; left > 0; i++) {
        beats[i] = Math.min(size, left);
        left -= beats[i];
      }
      return beats;
    };
    const significant = mannWhitneyGreater(...samplesWithU(beatsFor(size * size - critical), size));
    const notSignificant = mannWhitneyGreater(...samplesWithU(beatsFor(size * size - critical - 1), size));
    expect(significant).toMatchObject({ u: size * size - critical, method: 'exact' });
    expect(significant.pValue).toBeLessThan(0.05);
    expect(notSignificant.pValue).toBeGreaterThan(0.05);
  });

  test('n1 = n2 = 5: P(U >= 21) = 12/252 exactly', () => {
    expect(mannWhitneyGreater(...samplesWithU([5, 5, 5, 5, 1], 5)).pValue).toBeCloseTo(12 / 252, 12);
  });

  test('with ties, the normal approximation with tie and continuity correction', () => {
    // U = 16.5; mean 36; ties 2×3, 3×5, 4×3, 5×2, 6×2: Σ(t³ - t) = 180; variance (72/12)(18 - 180/272); z = (16.5 - 36 - 0.5) / sqrt(variance)
    const result = mannWhitneyGreater([1, 2, 2, 3, 3, 3, 4, 5], [2, 3, 3, 4, 4, 5, 6, 6, 7]);
    const z = (16.5 - 36 - 0.5) / Math.sqrt(6 * (18 - 180 / 272));
    expect(result).toMatchObject({ u: 16.5, method: 'normal' });
    expect(result.pValue).toBeCloseTo(1 - normalCdf(z), 12);
    // scipy.stats.mannwhitneyu(x, y, alternative='greater', method='asymptotic') gives 0.97505
    expect(result.pValue).toBeCloseTo(0.97505, 5);
  });

  test('the normal approximation is close to the exact p-value for 10 against 10', () => {
    const [x, y] = samplesWithU([10, 10, 10, 10, 10, 10, 10, 3, 0, 0], 10);
    const exact = mannWhitneyGreater(x, y);
    const withTie = mannWhitneyGreater([...x.slice(0, 9), x[8]], y);
    expect(exact.u).toBe(73);
    expect(withTie.method).toBe('normal');
    expect(Math.abs(withTie.pValue - exact.pValue)).toBeLessThan(0.01);
  });

  test('all values equal tells nothing', () => {
    expect(mannWhitneyGreater([1, 1], [1, 1, 1]).pValue).toBe(1);
  });
});

describe('signTestPValue', () => {
  test.each([[5, 5, 1 / 32], [8, 10, 56 / 1024], [0, 4, 1], [3, 3, 1 / 8]])('P(X >= %i | n = %i, 1/2) = %f', (k, n, p) => {
    expect(signTestPValue(k, n)).toBeCloseTo(p, 12);
  });

  test('stays finite over a day of minutes', () => {
    expect(signTestPValue(800, 1440)).toBeCloseTo(1.3700864783652761e-5, 15);
  });
});
