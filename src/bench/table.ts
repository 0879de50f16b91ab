/**
 * What `gnc bench` measures (the report its --json prints) and the plain-text
 * table it prints otherwise: one row per method, one column pair (mean PSNR,
 * mean seconds per image) per noise level or missing fraction.
 */
import path from 'node:path';
import type { ReferenceStatus } from './references.js';

export type BenchTask = 'denoise' | 'inpaint';

/** One image under one method at one level. */
export interface ImageFigure {
  image: string;
  /** dB against the clean image; null when the run failed. */
  psnr: number | null;
  /** Seconds of the restoration itself; null for the input row and failures. */
  seconds: number | null;
  error?: string;
}

export interface LevelFigures {
  /** σ on the 0–255 scale (denoise) or the missing fraction (inpaint). */
  level: number;
  /** Means over the images that succeeded; null when none did. */
  meanPsnr: number | null;
  meanSeconds: number | null;
  failures: number;
  images: ImageFigure[];
  /** VN rows: the learned schedule this level used (the nearest one to the level), by file name. */
  schedule?: { file: string; level: number; steps: number };
}

export interface BenchRow {
  /** Stable key: input, gnc, joint, opencv-nlm, gmic-denoise, opencv-telea, opencv-ns, gmic-inpaint-pde. */
  id: string;
  label: string;
  kind: 'input' | 'ours' | 'reference';
  /** What the method was given: the float input of the protocol or its 8-bit PNG. */
  input: 'float' | '8-bit';
  available: boolean;
  /** Why an unavailable row has no figures ("not installed: …"). */
  note?: string;
  levels: LevelFigures[];
}

export interface BenchReport {
  command: 'bench';
  task: BenchTask;
  data: string;
  images: string[];
  /** Each image's central crop of this side, when the bench ran on crops. */
  crop?: number;
  seed: number;
  levelName: 'sigma' | 'missing';
  levels: number[];
  backend: { name: string; device: string; threads: number; package: string };
  model: { name: string; id: string; path: string };
  /** Solver settings per method, σ values on the 0–255 scale. */
  settings: Record<string, Record<string, unknown>>;
  /** null when --no-references. */
  references: ReferenceStatus | null;
  rows: BenchRow[];
  seconds: number;
}

// ---------------------------------------------------------------- accumulation

/** Builds a row's figures level by level as images complete. */
export function emptyRow(row: Omit<BenchRow, 'levels'>, levels: number[]): BenchRow {
  return { ...row, levels: levels.map((level) => ({ level, meanPsnr: null, meanSeconds: null, failures: 0, images: [] })) };
}

export function addFigure(row: BenchRow, levelIndex: number, figure: ImageFigure): void {
  const cell = row.levels[levelIndex]!;
  cell.images.push(figure);
  const ok = cell.images.filter((f) => f.psnr !== null);
  cell.failures = cell.images.length - ok.length;
  cell.meanPsnr = ok.length ? ok.reduce((a, f) => a + f.psnr!, 0) / ok.length : null;
  const timed = ok.filter((f) => f.seconds !== null);
  cell.meanSeconds = timed.length ? timed.reduce((a, f) => a + f.seconds!, 0) / timed.length : null;
}

/** Notes which learned schedule a VN row used at one level (the same for every image of the level). */
export function recordSchedule(row: BenchRow, levelIndex: number, used: { file: string; level: number; steps: number } | undefined): void {
  if (used) row.levels[levelIndex]!.schedule = { ...used, file: path.basename(used.file) };
}

// ---------------------------------------------------------------- formatting

export type Align = 'left' | 'right';

export interface TableSpec {
  /** Optional first header line: titles centred over runs of columns. */
  groups?: Array<{ title: string; span: number }>;
  headers: string[];
  align: Align[];
  /** A row is its cells, or a first cell and a note written across the others. */
  rows: Array<string[] | { first: string; note: string }>;
}

const width = (s: string): number => [...s].length;
const pad = (s: string, w: number, align: Align): string =>
  align === 'right' ? ' '.repeat(Math.max(0, w - width(s))) + s : s + ' '.repeat(Math.max(0, w - width(s)));

/** A plain-text table: columns two spaces apart, a dashed rule under the headers, no trailing spaces. */
export function formatTable(spec: TableSpec): string {
  const n = spec.headers.length;
  const widths = spec.headers.map(width);
  for (const row of spec.rows) {
    if (Array.isArray(row)) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, width(c))));
    else widths[0] = Math.max(widths[0]!, width(row.first));
  }
  // Widen the last column of a group whose title is wider than its columns.
  if (spec.groups) {
    let col = 0;
    for (const g of spec.groups) {
      const span = widths.slice(col, col + g.span).reduce((a, w) => a + w, 0) + 2 * (g.span - 1);
      if (width(g.title) > span) widths[col + g.span - 1]! += width(g.title) - span;
      col += g.span;
    }
  }
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => pad(c, widths[i]!, spec.align[i] ?? 'left'))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  if (spec.groups) {
    const parts: string[] = [];
    let col = 0;
    for (const g of spec.groups) {
      const span = widths.slice(col, col + g.span).reduce((a, w) => a + w, 0) + 2 * (g.span - 1);
      const left = Math.floor((span - width(g.title)) / 2);
      parts.push(' '.repeat(left) + g.title + ' '.repeat(span - left - width(g.title)));
      col += g.span;
    }
    out.push(parts.join('  ').trimEnd());
  }
  out.push(line(spec.headers));
  out.push(line(widths.map((w) => '-'.repeat(w))));
  for (const row of spec.rows) {
    if (Array.isArray(row)) out.push(line([...row, ...Array<string>(Math.max(0, n - row.length)).fill('')]));
    else out.push(`${pad(row.first, widths[0]!, spec.align[0] ?? 'left')}  ${row.note}`.trimEnd());
  }
  return out.join('\n');
}

export function levelTitle(levelName: BenchReport['levelName'], level: number): string {
  return levelName === 'sigma' ? `σ = ${Number(level.toFixed(3))}` : `${Number((level * 100).toFixed(2))} % missing`;
}

function psnrCell(cell: LevelFigures): string {
  if (cell.meanPsnr === null) return cell.failures ? 'failed' : '–';
  return cell.failures ? `${cell.meanPsnr.toFixed(2)} (${cell.failures} failed)` : cell.meanPsnr.toFixed(2);
}

function secondsCell(cell: LevelFigures): string {
  if (cell.meanSeconds === null) return '–';
  return cell.meanSeconds < 10 ? cell.meanSeconds.toFixed(2) : cell.meanSeconds.toFixed(1);
}

/** A factor setting named only when moved from 1, so the usual header stays short. */
function movedFromOne(label: string, value: unknown): string {
  return value !== undefined && value !== 1 ? `${label} ${Number(Number(value).toFixed(2))}` : '';
}

function describeSettings(report: BenchReport): string {
  return Object.entries(report.settings)
    .map(([method, s]) => {
      const f = (v: unknown) => Number(Number(v).toFixed(2));
      // A VN run takes its steps and σ from the learned schedule picked per level, not from these settings.
      if (method === 'vn') {
        const used = (report.rows.find((r) => r.id === 'vn')?.levels ?? [])
          .filter((cell) => cell.schedule !== undefined)
          .map((cell) => `${levelTitle(report.levelName, cell.level)}: ${cell.schedule!.file} in ${cell.schedule!.steps} steps`);
        const weight = movedFromOne('data weight', s.dataWeight);
        return `vn${weight ? `, ${weight}` : ''}: the ${Array.isArray(s.schedules) ? `given schedule (${s.schedules.join(', ')})` : 'shipped learned schedule'} nearest each level${used.length ? ` (${used.join(', ')})` : ''}`;
      }
      if (method === 'posterior') return `posterior: ${s.samples} annealed-Langevin chains, ${s.levels}×${s.stepsPerLevel} steps, σ ${f(s.sigmaMax)} → ${f(s.sigmaMin)}`;
      const extra = [movedFromOne('step scale', s.stepScale), movedFromOne('data weight', s.dataWeight)].filter(Boolean);
      return `${method}: ${s.steps} steps, σ₀ ${f(s.sigma0)} → σ_min ${f(s.sigmaMin)}${method === 'gnc' ? ` (${s.schedule})` : ''}${extra.length ? `, ${extra.join(', ')}` : ''}`;
    })
    .join('; ');
}

/** The header lines and the table `gnc bench` prints. */
export function formatBenchReport(report: BenchReport): string {
  const b = report.backend;
  const threads = b.threads > 0 ? `${b.threads} thread${b.threads === 1 ? '' : 's'}` : 'threads: library default';
  const lines: string[] = [];
  lines.push(
    `gnc bench ${report.task}: ${report.images.length} image${report.images.length === 1 ? '' : 's'} from ${report.data}${report.crop !== undefined ? ` (central ${report.crop}×${report.crop} crops)` : ''}, seed ${report.seed} (image i uses seed + i)`,
  );
  lines.push(`backend ${b.name} (${b.device}, ${threads}) · model ${report.model.name} (id ${report.model.id.slice(0, 12)}) · ${describeSettings(report)}`);
  if (report.task === 'denoise') {
    lines.push(
      'Input: clean/255 + (σ/255)·n, n ~ N(0, 1), kept in floating point for our solvers; reference tools (8-bit input) get it rounded and clipped to 8 bits. ' +
        'PSNR on [0, 1] against the clean image, averaged over images; s/image is the restoration alone.',
    );
  } else {
    lines.push(
      'Input: the clean image with a uniformly random pixel mask (the missing pixels set to 0); reference tools (8-bit input) get it as an 8-bit PNG with a mask PNG. ' +
        'PSNR on [0, 1] over the whole image against the clean image, averaged over images; s/image is the restoration alone.',
    );
  }
  if (!report.references) lines.push('Reference tools: skipped (--no-references).');
  else {
    const refs = Object.values(report.references)
      .map((t) => (t.available ? `${t.id === 'opencv' ? 'OpenCV' : "G'MIC"} ${t.version}` : `${t.id === 'opencv' ? 'OpenCV' : "G'MIC"} not installed (${t.reason})`))
      .join(', ');
    lines.push(`Reference tools: ${refs}.`);
  }
  lines.push('');

  const groups = [{ title: '', span: 1 }, ...report.levels.map((l) => ({ title: levelTitle(report.levelName, l), span: 2 }))];
  const headers = ['method', ...report.levels.flatMap(() => ['PSNR dB', 's/image'])];
  const align: Align[] = ['left', ...report.levels.flatMap((): Align[] => ['right', 'right'])];
  const rows: TableSpec['rows'] = report.rows.map((row) =>
    row.available ? [row.label, ...row.levels.flatMap((c) => [psnrCell(c), secondsCell(c)])] : { first: row.label, note: row.note ?? 'not available' },
  );
  lines.push(formatTable({ groups, headers, align, rows }));

  const errors = report.rows.flatMap((row) => {
    const first = row.levels.flatMap((c) => c.images).find((f) => f.error);
    return first ? [`${row.label}: ${first.image}: ${first.error}`] : [];
  });
  if (errors.length) lines.push('', 'Failures (first per method):', ...errors.map((e) => `  ${e}`));
  return lines.join('\n');
}
