/**
 * Benchmark helpers. Every figure is printed as one line
 *   BENCH <name> <value> <unit> baseline <value> <unit> ratio <r>
 * with the baseline measured in the same run on the same machine, because the machines here
 * are shared and noisy: only ratios are comparable between runs.
 */
export interface BenchOptions {
  quick: boolean;
}

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  baselineUnit: string;
  ratio: number;
  goal?: string;
}

export const figures: BenchFigure[] = [];

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 100) return n.toFixed(1);
  if (a >= 1) return n.toFixed(3);
  return n.toPrecision(4);
}

/** Prints one figure. `ratio` defaults to value / baseline. */
export function report(f: Omit<BenchFigure, 'ratio'> & { ratio?: number }): BenchFigure {
  const ratio = f.ratio ?? f.value / f.baseline;
  const fig = { ...f, ratio };
  figures.push(fig);
  const goal = f.goal ? `  (goal: ${f.goal})` : '';
  console.log(
    `BENCH ${f.name} ${fmt(f.value)} ${f.unit} baseline ${fmt(f.baseline)} ${f.baselineUnit} ratio ${fmt(ratio)}${goal}`,
  );
  return fig;
}

/** Runs `fn` repeatedly for about `ms` wall milliseconds (after a warm-up); returns ops per second. */
export async function opsPerSecond(
  fn: () => unknown | Promise<unknown>,
  ms: number,
  warmup = 20,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    await fn();
    n++;
    if ((n & 7) === 0) t = performance.now();
  }
  t = performance.now();
  return (n * 1000) / (t - t0);
}

/**
 * Measures a subject and its baseline interleaved in several rounds and keeps the median of
 * each, so a burst of noise from the shared machine hits both sides alike.
 */
export async function compareOps(
  subject: () => unknown | Promise<unknown>,
  baseline: () => unknown | Promise<unknown>,
  opts: { rounds: number; msPerRound: number },
): Promise<{ subject: number; baseline: number }> {
  const s: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    b.push(await opsPerSecond(baseline, opts.msPerRound));
    s.push(await opsPerSecond(subject, opts.msPerRound));
  }
  return { subject: median(s), baseline: median(b) };
}

export function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const a = [...xs].sort((x, y) => x - y);
  return a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))]!;
}
