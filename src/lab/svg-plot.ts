/**
 * A tiny dependency-free SVG plotter for the lab's figures: line plots (linear
 * or log axes, reference lines, legend), step histograms and heat maps. Each
 * function returns the SVG document as a string; the CLI writes it.
 */

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function paletteColour(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Short tick labels: up to 4 significant digits, no trailing zeros, exponent form for very small or large values. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace(/\.0e/, 'e');
  return String(Number(v.toPrecision(4)));
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  // Multiples k·step, rounded to 12 digits so that 3 × 0.2 prints as 0.6.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return out;
}

/** Ticks for a log axis: the powers of ten in [lo, hi], with 2 and 5 between when there are few decades. */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const few = Math.log10(hi / lo) < 2.5;
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of few ? [1, 2, 5] : [1]) {
      const t = m * Math.pow(10, e);
      if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) out.push(t);
    }
  }
  return out.length >= 2 ? out : [lo, hi];
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function defaultFrame(width = 640, height = 420): Frame {
  return { width, height, left: 70, right: 20, top: 36, bottom: 56 };
}

class Axis {
  constructor(
    readonly lo: number,
    readonly hi: number,
    readonly log: boolean,
    readonly from: number,
    readonly to: number,
  ) {}
  map(v: number): number {
    const f = this.log ? (Math.log(v) - Math.log(this.lo)) / (Math.log(this.hi) - Math.log(this.lo)) : (v - this.lo) / (this.hi - this.lo);
    return this.from + f * (this.to - this.from);
  }
  ticks(): number[] {
    return this.log ? logTicks(this.lo, this.hi) : niceTicks(this.lo, this.hi);
  }
}

function header(f: Frame, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${f.width}" height="${f.height}" fill="white"/>`,
    `<text x="${f.width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
}

function axes(f: Frame, x: Axis, y: Axis, xLabel: string, yLabel: string, xTickLabels?: (v: number) => string): string[] {
  const out: string[] = [];
  const x0 = f.left;
  const x1 = f.width - f.right;
  const y0 = f.height - f.bottom;
  const y1 = f.top;
  out.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#333"/>`);
  for (const t of x.ticks()) {
    const px = x.map(t).toFixed(1);
    out.push(`<line x1="${px}" y1="${y0}" x2="${px}" y2="${y0 + 5}" stroke="#333"/>`);
    out.push(`<line x1="${px}" y1="${y0}" x2="${px}" y2="${y1}" stroke="#eee"/>`);
    out.push(`<text x="${px}" y="${y0 + 18}" text-anchor="middle">${escapeXml((xTickLabels ?? formatTick)(t))}</text>`);
  }
  for (const t of y.ticks()) {
    const py = y.map(t).toFixed(1);
    out.push(`<line x1="${x0 - 5}" y1="${py}" x2="${x0}" y2="${py}" stroke="#333"/>`);
    out.push(`<line x1="${x0}" y1="${py}" x2="${x1}" y2="${py}" stroke="#eee"/>`);
    out.push(`<text x="${x0 - 8}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatTick(t))}</text>`);
  }
  out.push(`<text x="${(x0 + x1) / 2}" y="${f.height - 14}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  return out;
}

export type LegendPosition = 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left' | 'none';

function legend(f: Frame, entries: Array<{ name: string; colour: string; dash?: boolean }>, position: LegendPosition = 'top-right'): string[] {
  if (entries.length === 0 || position === 'none') return [];
  const out: string[] = [];
  const h = 16 * entries.length + 8;
  const x = position.endsWith('right') ? f.width - f.right - 170 : f.left + 8;
  const top = position.startsWith('top') ? f.top + 6 : f.height - f.bottom - 6 - h;
  out.push(`<rect x="${x}" y="${top}" width="162" height="${h}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
  entries.forEach((e, i) => {
    const y = top + 14 + 16 * i;
    out.push(`<line x1="${x + 8}" y1="${y}" x2="${x + 30}" y2="${y}" stroke="${e.colour}" stroke-width="2"${e.dash ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(`<text x="${x + 36}" y="${y}" dominant-baseline="middle">${escapeXml(e.name.length > 20 ? `${e.name.slice(0, 19)}…` : e.name)}</text>`);
  });
  return out;
}

function extent(values: Iterable<number>, log: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(hi >= lo)) return log ? [1, 10] : [0, 1];
  if (hi === lo) return log ? [lo / 2, hi * 2] : [lo - 0.5, hi + 0.5];
  if (log) return [lo, hi];
  const pad = 0.04 * (hi - lo);
  return [lo - pad, hi + pad];
}

export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  colour?: string;
  dash?: boolean;
  /** Leave the series out of the legend (e.g. one of many trajectories). */
  hideInLegend?: boolean;
  strokeWidth?: number;
}

export interface ReferenceLine {
  value: number;
  label?: string;
  colour?: string;
}

export interface LinePlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  xLog?: boolean;
  yLog?: boolean;
  xRange?: [number, number];
  yRange?: [number, number];
  /** Vertical reference lines (x = value) and horizontal ones (y = value). */
  vLines?: ReferenceLine[];
  hLines?: ReferenceLine[];
  legend?: LegendPosition;
  width?: number;
  height?: number;
}

export function linePlot(o: LinePlotOptions): string {
  const f = defaultFrame(o.width, o.height);
  const xs = o.xRange ?? extent(o.series.flatMap((s) => Array.from(s.x)), !!o.xLog);
  const ys = o.yRange ?? extent(o.series.flatMap((s) => Array.from(s.y)), !!o.yLog);
  const x = new Axis(xs[0], xs[1], !!o.xLog, f.left, f.width - f.right);
  const y = new Axis(ys[0], ys[1], !!o.yLog, f.height - f.bottom, f.top);
  const out = header(f, o.title);
  out.push(...axes(f, x, y, o.xLabel, o.yLabel));
  out.push(`<clipPath id="plot"><rect x="${f.left}" y="${f.top}" width="${f.width - f.left - f.right}" height="${f.height - f.top - f.bottom}"/></clipPath>`);
  out.push('<g clip-path="url(#plot)">');
  o.series.forEach((s, i) => {
    const colour = s.colour ?? paletteColour(i);
    // Break the polyline at non-finite or (on log axes) non-positive points.
    let path = '';
    let pen = false;
    for (let k = 0; k < s.x.length; k++) {
      const vx = s.x[k]!;
      const vy = s.y[k]!;
      const ok = Number.isFinite(vx) && Number.isFinite(vy) && (!o.xLog || vx > 0) && (!o.yLog || vy > 0);
      if (!ok) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${x.map(vx).toFixed(2)} ${y.map(vy).toFixed(2)}`;
      pen = true;
    }
    out.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="${s.strokeWidth ?? 1.8}"${s.dash ? ' stroke-dasharray="5 3"' : ''}/>`);
  });
  for (const l of o.vLines ?? []) {
    const px = x.map(l.value).toFixed(1);
    out.push(`<line x1="${px}" y1="${f.top}" x2="${px}" y2="${f.height - f.bottom}" stroke="${l.colour ?? '#555'}" stroke-dasharray="4 3"/>`);
    if (l.label) out.push(`<text x="${Number(px) + 4}" y="${f.height - f.bottom - 8}" fill="${l.colour ?? '#555'}">${escapeXml(l.label)}</text>`);
  }
  for (const l of o.hLines ?? []) {
    const py = y.map(l.value).toFixed(1);
    out.push(`<line x1="${f.left}" y1="${py}" x2="${f.width - f.right}" y2="${py}" stroke="${l.colour ?? '#555'}" stroke-dasharray="4 3"/>`);
    if (l.label) out.push(`<text x="${f.width - f.right - 6}" y="${Number(py) - 4}" text-anchor="end" fill="${l.colour ?? '#555'}">${escapeXml(l.label)}</text>`);
  }
  out.push('</g>');
  out.push(...legend(f, o.series.map((s, i) => ({ name: s.name, colour: s.colour ?? paletteColour(i), dash: s.dash, hide: s.hideInLegend })).filter((e) => !e.hide), o.legend));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export interface HistogramSeries {
  name: string;
  /** bins + 1 edges. */
  edges: ArrayLike<number>;
  /** One value per bin (a density or counts). */
  heights: ArrayLike<number>;
  colour?: string;
  /** Fill the bars (translucent); otherwise draw the step outline only. */
  filled?: boolean;
}

export interface HistogramOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: HistogramSeries[];
  /** Curves drawn over the bars (e.g. a reference density). */
  curves?: LineSeries[];
  legend?: LegendPosition;
  width?: number;
  height?: number;
}

export function histogramPlot(o: HistogramOptions): string {
  const f = defaultFrame(o.width, o.height);
  const xs = extent(o.series.flatMap((s) => Array.from(s.edges)), false);
  const top = Math.max(1e-300, ...o.series.flatMap((s) => Array.from(s.heights)), ...(o.curves ?? []).flatMap((c) => Array.from(c.y).filter(Number.isFinite)));
  const x = new Axis(xs[0], xs[1], false, f.left, f.width - f.right);
  const y = new Axis(0, top * 1.08, false, f.height - f.bottom, f.top);
  const out = header(f, o.title);
  out.push(...axes(f, x, y, o.xLabel, o.yLabel));
  const entries: Array<{ name: string; colour: string; dash?: boolean }> = [];
  o.series.forEach((s, i) => {
    const colour = s.colour ?? paletteColour(i);
    entries.push({ name: s.name, colour });
    let path = `M${x.map(s.edges[0]!).toFixed(2)} ${y.map(0).toFixed(2)}`;
    for (let b = 0; b < s.heights.length; b++) {
      const py = y.map(s.heights[b]!).toFixed(2);
      path += `L${x.map(s.edges[b]!).toFixed(2)} ${py}L${x.map(s.edges[b + 1]!).toFixed(2)} ${py}`;
    }
    path += `L${x.map(s.edges[s.heights.length]!).toFixed(2)} ${y.map(0).toFixed(2)}`;
    out.push(`<path d="${path}" fill="${s.filled ? colour : 'none'}" fill-opacity="0.25" stroke="${colour}" stroke-width="1.5"/>`);
  });
  (o.curves ?? []).forEach((c, i) => {
    const colour = c.colour ?? paletteColour(o.series.length + i);
    entries.push({ name: c.name, colour, dash: c.dash });
    let path = '';
    for (let k = 0; k < c.x.length; k++) path += `${k ? 'L' : 'M'}${x.map(c.x[k]!).toFixed(2)} ${y.map(c.y[k]!).toFixed(2)}`;
    out.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${c.dash ? ' stroke-dasharray="5 3"' : ''}/>`);
  });
  out.push(...legend(f, entries, o.legend));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export interface HeatMapOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Column and row labels; values[row][col]. Row 0 is drawn at the bottom. */
  columns: string[];
  rows: string[];
  values: number[][];
  min?: number;
  max?: number;
  /** Print each cell's value (formatted) inside it. */
  annotate?: (v: number) => string;
  width?: number;
  height?: number;
}

/** Viridis-like ramp from dark blue (0) through teal to yellow (1). */
export function rampColour(t: number): string {
  const stops: Array<[number, number, number]> = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const c = stops[i]!.map((v, k) => Math.round(v + f * (stops[i + 1]![k]! - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export function heatMap(o: HeatMapOptions): string {
  const f = { ...defaultFrame(o.width, o.height), right: 80 };
  const all = o.values.flat().filter(Number.isFinite);
  const lo = o.min ?? Math.min(...all);
  const hi = o.max ?? Math.max(...all);
  const out = header(f, o.title);
  const x0 = f.left;
  const x1 = f.width - f.right;
  const y0 = f.height - f.bottom;
  const y1 = f.top;
  const cw = (x1 - x0) / o.columns.length;
  const ch = (y0 - y1) / o.rows.length;
  o.rows.forEach((_, r) => {
    o.columns.forEach((__, c) => {
      const v = o.values[r]![c]!;
      const t = hi > lo ? (v - lo) / (hi - lo) : 1;
      const px = x0 + c * cw;
      const py = y0 - (r + 1) * ch;
      out.push(`<rect x="${px.toFixed(2)}" y="${py.toFixed(2)}" width="${(cw + 0.5).toFixed(2)}" height="${(ch + 0.5).toFixed(2)}" fill="${rampColour(t)}"/>`);
      if (o.annotate) {
        out.push(
          `<text x="${(px + cw / 2).toFixed(2)}" y="${(py + ch / 2).toFixed(2)}" text-anchor="middle" dominant-baseline="middle" font-size="10" fill="${t > 0.6 ? '#000' : '#fff'}">${escapeXml(o.annotate(v))}</text>`,
        );
      }
    });
  });
  out.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#333"/>`);
  o.columns.forEach((label, c) => out.push(`<text x="${(x0 + (c + 0.5) * cw).toFixed(2)}" y="${y0 + 18}" text-anchor="middle">${escapeXml(label)}</text>`));
  o.rows.forEach((label, r) => out.push(`<text x="${x0 - 8}" y="${(y0 - (r + 0.5) * ch).toFixed(2)}" text-anchor="end" dominant-baseline="middle">${escapeXml(label)}</text>`));
  out.push(`<text x="${(x0 + x1) / 2}" y="${f.height - 14}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  // Colour bar.
  const bx = x1 + 20;
  const steps = 40;
  for (let k = 0; k < steps; k++) {
    const by = y0 - ((k + 1) * (y0 - y1)) / steps;
    out.push(`<rect x="${bx}" y="${by.toFixed(2)}" width="14" height="${((y0 - y1) / steps + 0.5).toFixed(2)}" fill="${rampColour((k + 0.5) / steps)}"/>`);
  }
  out.push(`<rect x="${bx}" y="${y1}" width="14" height="${y0 - y1}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${bx + 18}" y="${y0}" dominant-baseline="middle">${escapeXml(formatTick(lo))}</text>`);
  out.push(`<text x="${bx + 18}" y="${y1}" dominant-baseline="middle">${escapeXml(formatTick(hi))}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
