/**
 * `gnc denoise DIR -o OUTDIR` and `gnc inpaint DIR --mask MASKDIR -o OUTDIR`:
 * every photo of a folder, one after the other on one engine worker, with one
 * progress bar across the files.
 *
 * - Bad files are skipped and reported, never fatal: a name whose extension is
 *   no image format is skipped up front; a file that fails to decode (corrupt,
 *   truncated) fails its own run and the batch goes on; at the end, any
 *   failure makes the command exit with status 1.
 * - Resumable: outputs are written atomically (temp file, then rename), so an
 *   output that exists is complete, and a second run skips it.
 * - Recorded in the library as one experiment (kind `batch-denoise` or
 *   `batch-inpaint`, named after the two folders) holding one run per file; a
 *   resumed batch adds its runs to the same experiment.
 * - Ctrl-C cancels the file in progress (nothing of it is written) and stops.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DenoiseJobRequest, InpaintJobRequest, JobResult, RestoreJobResult } from '../jobs/contract.js';
import { formatFromPath } from '../image/io.js';
import { GncError, isAbortError } from '../util/errors.js';
import { openCliJobs, type RecordingOptions } from './recording.js';
import { formatSeconds, progressBar } from './progress.js';

export type BatchTask = 'denoise' | 'inpaint';

export interface BatchOptions extends RecordingOptions {
  out: string;
  mask?: string;
  clean?: string;
  json?: boolean;
  progress?: boolean;
}

export interface BatchItem {
  input: string;
  output?: string;
  status: 'done' | 'skipped' | 'failed' | 'cancelled';
  reason?: string;
  /** The σ the solver used (0–255) and where it came from, for denoising. */
  sigma?: number;
  noise?: RestoreJobResult['noise'];
  /** Method vn: the noise is well above the level of the schedule used (scheduleLevelWarning). */
  warning?: string;
  seconds?: number;
  run?: string;
}

export interface BatchReport {
  command: BatchTask;
  batch: true;
  input: string;
  output: string;
  experiment?: string;
  files: BatchItem[];
  done: number;
  skipped: number;
  failed: number;
  cancelled: boolean;
  seconds: number;
}

export function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function stem(file: string): string {
  return path.basename(file, path.extname(file));
}

/** Masks by file stem; a stem with two mask files is ambiguous and maps to an error message. */
function masksByStem(dir: string): Map<string, string | Error> {
  const masks = new Map<string, string | Error>();
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (name.startsWith('.') || !statSync(full).isFile()) continue;
    try {
      formatFromPath(name);
    } catch {
      continue;
    }
    const key = stem(name);
    const seen = masks.get(key);
    masks.set(key, seen === undefined ? full : new Error(`two masks are named ${key}.*: ${path.basename(seen instanceof Error ? seen.message : seen)} and ${name}`));
  }
  return masks;
}

/**
 * Runs the batch. `requestFor` builds one file's job request exactly as the
 * single-file command would (same options), with that file's output and mask.
 */
export async function runBatch(
  task: BatchTask,
  inputDir: string,
  o: BatchOptions,
  requestFor: (input: string, output: string, mask: string | undefined) => DenoiseJobRequest | InpaintJobRequest,
): Promise<BatchReport> {
  const inDir = path.resolve(inputDir);
  const outDir = path.resolve(o.out);
  if (o.clean) throw new GncError('invalid-argument', `--clean takes one reference image and does not apply to a folder of photos (${inputDir})`);
  if (existsSync(outDir) && !isDirectory(outDir)) {
    throw new GncError('invalid-argument', `With a folder of photos as input, -o must be a folder for the results, but ${o.out} is a file`);
  }
  if (outDir === inDir) throw new GncError('invalid-argument', `The output folder must differ from the input folder (${inputDir}): the results would replace the photos`);
  let masks: Map<string, string | Error> | undefined;
  if (task === 'inpaint') {
    if (!o.mask || !isDirectory(o.mask)) {
      throw new GncError('invalid-mask', `With a folder of photos as input, --mask must be a folder of masks named like the photos (photo.jpg ↔ photo.png), got ${JSON.stringify(o.mask ?? '')}`);
    }
    masks = masksByStem(path.resolve(o.mask));
  }
  mkdirSync(outDir, { recursive: true });

  const names = readdirSync(inDir)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .filter((name) => statSync(path.join(inDir, name)).isFile());
  if (names.length === 0) throw new GncError('not-found', `The folder ${inputDir} holds no files to ${task}`);

  // Plan: what to run, what to skip and why.
  const items: BatchItem[] = [];
  const todo: Array<{ item: BatchItem; mask?: string }> = [];
  for (const name of names) {
    const input = path.join(inDir, name);
    const item: BatchItem = { input, status: 'skipped' };
    items.push(item);
    try {
      formatFromPath(name);
    } catch {
      item.reason = `unsupported file type ${JSON.stringify(path.extname(name) || '(none)')} (expected .png .jpg .jpeg .tif .tiff .webp)`;
      continue;
    }
    item.output = path.join(outDir, name);
    if (existsSync(item.output)) {
      item.reason = 'output exists (finished by an earlier run)';
      continue;
    }
    let mask: string | undefined;
    if (masks) {
      const found = masks.get(stem(name));
      if (found === undefined) {
        item.reason = `no mask named ${stem(name)}.* in ${o.mask}`;
        continue;
      }
      if (found instanceof Error) {
        item.reason = found.message;
        continue;
      }
      mask = found;
    }
    todo.push({ item, ...(mask ? { mask } : {}) });
  }

  const started = performance.now();
  const bar = progressBar(task, o.progress ?? (process.stderr.isTTY === true && !o.json));
  const jobs = openCliJobs(o);
  let experiment: string | undefined;
  let cancelled = false;
  let cancelCurrent: (() => void) | undefined;
  const onSigint = () => {
    cancelled = true;
    bar.finish('cancelling…');
    cancelCurrent?.();
  };
  process.once('SIGINT', onSigint);
  try {
    if (jobs.library && todo.length > 0) {
      // One experiment per pair of folders: a resumed batch continues it.
      const name = `${task} ${inDir} → ${outDir}`;
      const kind = `batch-${task}`;
      const existing = jobs.library.experiments.list().find((e) => e.kind === kind && e.name === name);
      experiment = (existing ?? jobs.library.experiments.create({ name, kind, notes: `gnc ${task} on the folder ${inDir}` })).id;
    }
    for (const [index, { item, mask }] of todo.entries()) {
      if (cancelled) {
        item.status = 'cancelled';
        continue;
      }
      const label = path.basename(item.input);
      bar.update(index, todo.length, { file: label });
      const request = { ...requestFor(item.input, item.output!, mask), ...(experiment ? { experiment } : {}) };
      try {
        const job = await jobs.service.submit(request, {
          onProgress: (p) => bar.update(index, todo.length, { file: `${label} ${Math.round(p.fraction * 100)}%` }),
        });
        cancelCurrent = () => job.cancel();
        // Ctrl-C while the job was being queued.
        if (cancelled) job.cancel();
        if (job.recordId) item.run = job.recordId;
        const result = (await job.result) as JobResult as RestoreJobResult;
        item.status = 'done';
        item.seconds = result.seconds;
        if (result.sigma !== undefined) item.sigma = result.sigma;
        if (result.noise) item.noise = result.noise;
        if (result.schedule?.warning) item.warning = result.schedule.warning;
      } catch (err) {
        if (isAbortError(err) || cancelled) {
          item.status = 'cancelled';
          cancelled = true;
        } else {
          item.status = 'failed';
          item.reason = (err as Error).message;
        }
      } finally {
        cancelCurrent = undefined;
      }
      if (!o.json) process.stdout.write(`${lineFor(item)}\n`);
    }
  } finally {
    process.off('SIGINT', onSigint);
    bar.finish();
    await jobs.close();
  }
  const count = (status: BatchItem['status']) => items.filter((i) => i.status === status).length;
  const report: BatchReport = {
    command: task,
    batch: true,
    input: inDir,
    output: outDir,
    ...(experiment ? { experiment } : {}),
    files: items,
    done: count('done'),
    skipped: count('skipped'),
    failed: count('failed'),
    cancelled,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    for (const item of items) if (item.status === 'skipped') process.stdout.write(`${lineFor(item)}\n`);
    process.stdout.write(
      `${task}: ${report.done} done, ${report.skipped} skipped, ${report.failed} failed of ${items.length} files in ${formatSeconds(report.seconds)} → ${o.out}` +
        `${experiment ? `; recorded as experiment ${experiment.slice(0, 8)}` : ''}\n`,
    );
  }
  if (cancelled) throw new GncError('cancelled', `The batch was cancelled after ${report.done} of ${todo.length} files; run the same command again to finish it (finished outputs are kept and skipped)`);
  if (report.failed > 0) {
    // After the report, so a script sees both the list and a failing exit status.
    throw new GncError('invalid-image', `${report.failed} of ${items.length} files could not be ${task === 'denoise' ? 'denoised' : 'inpainted'} (each listed with its reason); the others were written`);
  }
  return report;
}

function lineFor(item: BatchItem): string {
  const name = path.basename(item.input);
  if (item.status === 'done') {
    const sigma = item.noise ? ` σ ${item.noise.sigma.toFixed(2)}${item.noise.source === 'estimated' ? ' (estimated)' : ''}` : '';
    return `done     ${name} → ${item.output}${sigma} in ${formatSeconds(item.seconds ?? 0)}${item.warning ? ` (warning: ${item.warning})` : ''}`;
  }
  return `${item.status.padEnd(8)} ${name}${item.reason ? `: ${item.reason}` : ''}`;
}
