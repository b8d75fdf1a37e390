/**
 * Summaries of a metric over seeds: mean, sample standard deviation and a confidence interval from Student's t
 * distribution (n - 1 degrees of freedom), and the paired difference of two objectives trained on the same seeds.
 */

export interface SeedSummary {
  n: number;
  mean: number;
  sd: number; // sample standard deviation (n - 1 in the denominator); NaN for one value
  ci: [number, number]; // the 95% (or `level`) confidence interval of the mean; [NaN, NaN] for fewer than two values
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularised incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularised incomplete beta function. */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T <= t) for Student's t with df degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with df degrees of freedom (bisection on the CDF; 1e-10 absolute). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return NaN;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The count, mean and sample standard deviation of the finite `values` (mean NaN for none, sd NaN for fewer than two). */
export function meanAndSd(values: ArrayLike<number>): { n: number; mean: number; sd: number } {
  const v = Array.from(values).filter((x) => Number.isFinite(x));
  const n = v.length;
  const mean = n > 0 ? v.reduce((a, b) => a + b, 0) / n : NaN;
  const sd = n < 2 ? NaN : Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { n, mean, sd };
}

/** Mean, sample standard deviation and the t-interval of the mean of `values` (non-finite values are left out). */
export function summarise(values: number[], level = 0.95): SeedSummary {
  const { n, mean, sd } = meanAndSd(values);
  if (n < 2) return { n, mean, sd: NaN, ci: [NaN, NaN] };
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, ci: [mean - half, mean + half] };
}

/**
 * The paired difference a − b over seeds (a[i] and b[i] trained on the same seed, batches and initial weights),
 * summarised as above; `significant` when its interval excludes 0. Seeds where either value is missing are left out.
 */
export function pairedDifference(a: number[], b: number[], level = 0.95): SeedSummary & { significant: boolean } {
  const diffs = a.map((x, i) => x - b[i]).filter((x) => Number.isFinite(x));
  const s = summarise(diffs, level);
  return { ...s, significant: s.n >= 2 && (s.ci[0] > 0 || s.ci[1] < 0) };
}
