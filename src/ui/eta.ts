/**
 * A steady time-left estimate. The rate is measured over a sliding window of wall-clock time (not step to step, whose
 * times swing with evaluations, pictures and saves), and the estimate shown moves only when it has changed by more
 * than 15 % off the clock's count-down: no 2,439 → 882 → 1,274 → 402 s.
 */
export class EtaEstimator {
  private samples: { t: number; done: number }[] = [];
  private shown?: number;
  private shownAt?: number;

  constructor(
    /** The rate is measured over about this much of the recent past (ms). */
    private readonly windowMs = 30_000,
    /** No estimate until the window spans at least this much (ms). */
    private readonly minSpanMs = 3_000,
  ) {}

  /** Forgets every sample (a pause, other runs): the next estimate starts afresh. */
  reset(): void {
    this.samples = [];
    this.shown = undefined;
    this.shownAt = undefined;
  }

  /** `done` units of work (run-steps) completed at time `t` (ms). */
  add(t: number, done: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && done < last.done) this.reset(); // the runs restarted
    if (last && done === last.done) return;
    this.samples.push({ t, done });
    // Keep one sample at or before the window's start, so the window stays full.
    while (this.samples.length > 2 && this.samples[1].t <= t - this.windowMs) this.samples.shift();
  }

  /** Work units per second over the window; undefined until it spans `minSpanMs`. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < this.minSpanMs || last.done === first.done) return undefined;
    return ((last.done - first.done) * 1000) / (last.t - first.t);
  }

  /**
   * Seconds left to do `total` units, rounded (roundEta); undefined while unknown. The estimate counts down with the
   * clock while the measured one stays within 15 % of it, and otherwise moves a third of the way towards it.
   */
  secondsLeft(total: number): number | undefined {
    const r = this.rate();
    const last = this.samples[this.samples.length - 1];
    if (r === undefined || !last) return undefined;
    const measured = Math.max(0, total - last.done) / r;
    if (this.shown === undefined || this.shownAt === undefined) this.shown = measured;
    else {
      const counted = Math.max(0, this.shown - (last.t - this.shownAt) / 1000);
      this.shown = Math.abs(measured - counted) <= 0.15 * counted ? counted : counted + (measured - counted) / 3;
    }
    this.shownAt = last.t;
    return roundEta(this.shown);
  }
}

/** The rounding step of a time-left: 5 s under a minute, 15 s under 5 min, a minute under an hour, then 5 min. */
function etaStep(seconds: number): number {
  return seconds < 60 ? 5 : seconds < 300 ? 15 : seconds < 3600 ? 60 : 300;
}

export function roundEta(seconds: number): number {
  const step = etaStep(seconds);
  return Math.max(0, Math.round(seconds / step) * step);
}

/** "about 40 s", "about 2 min 15 s", "about 25 min", "about 1 h 5 min". */
export function formatEta(seconds: number): string {
  if (seconds < 60) return `about ${Math.max(5, seconds)} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  if (h > 0) return `about ${h} h${m > 0 ? ` ${m} min` : ''}`;
  return `about ${m} min${s > 0 ? ` ${s} s` : ''}`;
}
