/**
 * The few statistics the metric gate needs, implemented here rather than taken from a package:
 * each is a short, well-known formula, tested against published values, and a statistics
 * library would multiply the handler bundle for four functions.
 */

/** z for a one-sided 95 % bound (the 95th percentile of the standard normal). */
export const Z_ONE_SIDED_95 = 1.6448536269514722;

/** Significance level of the one-sided tests: 5 %. */
export const ALPHA = 0.05;

export interface ProportionInterval {
  readonly lower: number;
  readonly upper: number;
}

/**
 * Wilson score interval for `successes` out of `trials`, with continuity correction by default
 * (Newcombe 1998, methods 3 and 4). The corrected interval is used because the plain one is too
 * narrow at a handful of events: 1 error in 10 requests would already prove a rate over 1 %.
 * `z` is the normal quantile; 1.96 gives a two-sided 95 % interval whose lower end is a
 * one-sided 97.5 % bound, 1.645 a one-sided 95 % bound.
 */
export function wilsonInterval(successes: number, trials: number, z: number, continuityCorrection = true): ProportionInterval {
  if (!(trials > 0) || successes < 0 || successes > trials) {
    throw new Error(`wilsonInterval needs 0 <= successes <= trials and trials > 0, got ${successes}/${trials}`);
  }
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  if (!continuityCorrection) {
    const centre = p + z2 / (2 * n);
    const half = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
    const denominator = 1 + z2 / n;
    return { lower: Math.max(0, (centre - half) / denominator), upper: Math.min(1, (centre + half) / denominator) };
  }
  const denominator = 2 * (n + z2);
  // Newcombe: the bounds are 0 and 1 exactly at p = 0 and p = 1 (the square roots turn negative there).
  const lower = successes === 0
    ? 0
    : Math.max(0, (2 * n * p + z2 - 1 - z * Math.sqrt(z2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1))) / denominator);
  const upper = successes === n
    ? 1
    : Math.min(1, (2 * n * p + z2 + 1 + z * Math.sqrt(z2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1))) / denominator);
  return { lower, upper };
}

/**
 * Standard normal CDF, via the complementary error function of Numerical Recipes (erfcc,
 * Chebyshev fit, relative error under 1.2e-7 everywhere).
 */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
    + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
    + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** P(X >= k) for X ~ Binomial(n, 1/2): the one-sided sign test's p-value. Exact. */
export function signTestPValue(k: number, n: number): number {
  if (k <= 0) {
    return 1;
  }
  // Summed in log space so that long windows (up to 1440 minutes) neither overflow nor underflow.
  let logChoose = 0;
  const terms: number[] = [];
  for (let i = 0; i <= n; i++) {
    if (i > 0) {
      logChoose += Math.log(n - i + 1) - Math.log(i);
    }
    if (i >= k) {
      terms.push(logChoose);
    }
  }
  return Math.min(1, terms.reduce((sum, logC) => sum + Math.exp(logC - n * Math.LN2), 0));
}

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting one half. */
  readonly u: number;
  /** One-sided p-value of "the first sample is stochastically greater than the second". */
  readonly pValue: number;
  readonly method: 'exact' | 'normal';
}

/** Largest sample size for which the exact distribution of U is computed (no ties). */
const EXACT_MAX = 25;

/** Number of orderings of m x's and n y's with each U value, by the recurrence of Mann and Whitney (1947). */
function exactUCounts(m: number, n: number): number[] {
  // counts[i][j][u]; only the previous row is kept.
  let previous: number[][] = Array.from({ length: n + 1 }, () => [1]);
  for (let i = 1; i <= m; i++) {
    const current: number[][] = [[1]];
    for (let j = 1; j <= n; j++) {
      const size = i * j + 1;
      const row = new Array<number>(size).fill(0);
      // The largest element is an x (beating all j y's) or a y (beating none of the x's).
      previous[j].forEach((count, u) => { row[u + j] += count; });
      current[j - 1].forEach((count, u) => { row[u] += count; });
      current.push(row);
    }
    previous = current;
  }
  return previous[n];
}

/**
 * One-sided Mann-Whitney U test that `x` tends to be larger than `y`. Exact when both samples
 * have at most 25 values and there are no ties; otherwise the normal approximation with tie
 * correction and continuity correction.
 */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) {
    throw new Error('mannWhitneyGreater needs at least one value in each sample');
  }
  let u = 0;
  for (const a of x) {
    for (const b of y) {
      u += a > b ? 1 : a === b ? 0.5 : 0;
    }
  }
  const all = [...x, ...y].sort((a, b) => a - b);
  let tieTerm = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j] === all[i]) {
      j++;
    }
    const t = j - i;
    tieTerm += t * t * t - t;
    i = j;
  }
  if (tieTerm === 0 && m <= EXACT_MAX && n <= EXACT_MAX) {
    const counts = exactUCounts(m, n);
    const total = counts.reduce((a, b) => a + b, 0);
    const atLeast = counts.slice(u).reduce((a, b) => a + b, 0);
    return { u, pValue: atLeast / total, method: 'exact' };
  }
  const size = m + n;
  const variance = ((m * n) / 12) * ((size + 1) - tieTerm / (size * (size - 1)));
  if (variance <= 0) {
    // Every value equal: nothing tells the samples apart.
    return { u, pValue: 1, method: 'normal' };
  }
  const z = (u - (m * n) / 2 - 0.5) / Math.sqrt(variance);
  return { u, pValue: 1 - normalCdf(z), method: 'normal' };
}
