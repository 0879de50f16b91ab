/**
 * Scales, ticks and SVG paths for the small line charts (energy, PSNR, loss).
 * No dependencies; the LineChart component only lays these out.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface Scale {
  (v: number): number;
  domain: [number, number];
  range: [number, number];
  log: boolean;
  ticks(count?: number): number[];
}

function finite(v: number): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A linear scale from domain to range; a zero-width domain is widened so nothing divides by zero. */
export function linearScale(domain: [number, number], range: [number, number]): Scale {
  let [d0, d1] = domain;
  if (!finite(d0) || !finite(d1)) [d0, d1] = [0, 1];
  if (d0 === d1) {
    const pad = Math.abs(d0) * 0.05 || 1;
    d0 -= pad;
    d1 += pad;
  }
  const [r0, r1] = range;
  const f = ((v: number) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0)) as Scale;
  f.domain = [d0, d1];
  f.range = [r0, r1];
  f.log = false;
  f.ticks = (count = 5) => niceTicks(d0, d1, count);
  return f;
}

/** A log10 scale; the domain must be positive. */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  let [d0, d1] = domain;
  if (!(d0 > 0) || !(d1 > 0) || !finite(d0) || !finite(d1)) [d0, d1] = [1, 10];
  if (d0 === d1) {
    d0 /= 2;
    d1 *= 2;
  }
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  const [r0, r1] = range;
  const f = ((v: number) => r0 + ((Math.log10(Math.max(v, Number.MIN_VALUE)) - l0) / (l1 - l0)) * (r1 - r0)) as Scale;
  f.domain = [d0, d1];
  f.range = [r0, r1];
  f.log = true;
  f.ticks = () => {
    const out: number[] = [];
    for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
      const v = 10 ** e;
      if (v >= d0 * (1 - 1e-9) && v <= d1 * (1 + 1e-9)) out.push(v);
    }
    if (out.length < 2) return niceTicks(d0, d1, 4).filter((v) => v > 0);
    return out;
  };
  return f;
}

/** Round tick values (1, 2, 5 × 10ⁿ steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!finite(lo) || !finite(hi)) return [];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  const start = Math.ceil(lo / step - 1e-9) * step;
  for (let v = start; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** [min, max] of the finite values, or null. */
export function extent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!finite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * An SVG path through the points; non-finite points break the line (so a gap
 * in a trace shows as a gap, not as a jump to zero).
 */
export function linePath(points: Point[], sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!finite(p.x) || !finite(p.y)) {
      pen = false;
      continue;
    }
    const x = sx(p.x);
    const y = sy(p.y);
    if (!finite(x) || !finite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${round2(x)},${round2(y)}`;
    pen = true;
  }
  return d;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Short labels: 1.2k, 3.4M, 0.012, 1e-5. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  if (a >= 0.01) return trim(v);
  return v.toExponential(0);
}

function trim(v: number): string {
  return String(Number(v.toPrecision(3)));
}

export interface ChartLayout {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

/**
 * Scales for a set of series in a chart of the given size. A log y-axis is
 * used when asked for and every y is positive.
 */
export function chartScales(series: Series[], layout: ChartLayout, options: { logY?: boolean } = {}): { x: Scale; y: Scale } {
  const xs = extent(series.flatMap((s) => s.points.map((p) => p.x))) ?? [0, 1];
  const ys = extent(series.flatMap((s) => s.points.map((p) => p.y))) ?? [0, 1];
  const { width, height, margin } = layout;
  const xr: [number, number] = [margin.left, width - margin.right];
  const yr: [number, number] = [height - margin.bottom, margin.top];
  const useLog = options.logY === true && ys[0] > 0;
  return { x: linearScale(xs, xr), y: useLog ? logScale(ys, yr) : linearScale(ys, yr) };
}
