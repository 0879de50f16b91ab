/**
 * Runs: one restoration, comparison, training, schedule-learning, sampling or
 * benchmark job, with every parameter and seed, what it produced and how it
 * went. Shaped for a job runner:
 *
 *   const run = lib.runs.create({ kind: 'denoise', method: 'gnc', model, params });   // queued
 *   lib.runs.start(run.id, process.pid);                                              // running
 *   const tmp = lib.runs.stagingPath(run.id, 'photo-denoised.png');  // write the result here
 *   await lib.runs.finish(run.id, { outputTempFile: tmp, outputName: 'photo-denoised.png', traces, psnr, ssim, seconds });
 *   // or lib.runs.fail(run.id, err) / lib.runs.cancel(run.id)
 *
 * finish() renames the finished file into library-files/outputs/ and then
 * commits the row; a crash between the two leaves an orphan file and a
 * 'running' row whose pid is dead, both of which `checkLibrary` repairs.
 */
import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { GncError, checkNumber, invalidArgument } from '../util/errors.js';
import { temporaryPathFor } from '../util/atomic.js';
import { absolutePath, isManaged, storedPath, type LibraryContext } from './context.js';
import { ioError, isPidAlive, newId, now, removeFileQuietly, safeFileName, sha256File } from './files.js';
import { isPlainObject, isTraces, objectColumn, optionalObjectColumn, parseColumn, tracesColumn, type JsonObject, type Traces } from './json.js';
import type { ModelsRepo } from './models-repo.js';
import { idsMatching, listForMessage, MIN_PREFIX } from './refs.js';

export const RUN_KINDS = ['denoise', 'inpaint', 'compare', 'train', 'learn-schedule', 'sample', 'bench'] as const;
export const RUN_METHODS = ['gnc', 'joint', 'vn', 'sampler'] as const;
export const RUN_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
export type RunMethod = (typeof RUN_METHODS)[number];
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What a run was given: the photo (see prepareInput in inputs.ts), its checksum and thumbnail. */
export interface RunInput {
  path: string;
  sha256: string;
  thumbPath?: string | null;
}

export interface CreateRun {
  kind: RunKind;
  method?: RunMethod | null;
  /** Model name, id or id prefix; resolved to its id. */
  model?: string | null;
  experimentId?: string | null;
  input?: RunInput | null;
  /** Every parameter and seed needed to repeat the run. */
  params: JsonObject;
  /** The compute backend that ran it (name, threads, versions). */
  backend?: JsonObject | null;
}

export interface FinishRun {
  /** A finished file to move into library-files/outputs/ (best written at stagingPath()). */
  outputTempFile?: string;
  /** The name the user would save it under; the stored file is "<run id>-<name>". */
  outputName?: string;
  /** Per-step arrays (energy, psnr, sigma...). */
  traces?: Traces;
  psnr?: number | null;
  ssim?: number | null;
  seconds: number;
  /** The backend that ran it, known only once the job has started (kept if omitted). */
  backend?: JsonObject | null;
  /** What the job settled that the request left open (e.g. an estimated noise level), kept in params as `resolved`. */
  resolved?: JsonObject;
}

export interface RunRow {
  id: string;
  experimentId: string | null;
  kind: RunKind;
  method: RunMethod | null;
  modelId: string | null;
  inputPath: string | null;
  inputSha256: string | null;
  thumbPath: string | null;
  params: JsonObject;
  backend: JsonObject | null;
  outputPath: string | null;
  outputName: string | null;
  outputSha256: string | null;
  traces: Traces | null;
  psnr: number | null;
  ssim: number | null;
  seconds: number | null;
  status: RunStatus;
  errorMessage: string | null;
  errorKind: string | null;
  pid: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface RunRecord {
  id: string;
  experiment_id: string | null;
  kind: RunKind;
  method: RunMethod | null;
  model_id: string | null;
  input_path: string | null;
  input_sha256: string | null;
  thumb_path: string | null;
  params: string;
  backend: string | null;
  output_path: string | null;
  output_name: string | null;
  output_sha256: string | null;
  traces: string | null;
  psnr: number | null;
  ssim: number | null;
  seconds: number | null;
  status: RunStatus;
  error_message: string | null;
  error_kind: string | null;
  pid: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const ACTIVE = `status IN ('queued', 'running')`;

function optionalFigure(name: string, value: unknown): number | null {
  if (value == null) return null;
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalidArgument(name, 'a number or null', value);
  return Number.isFinite(value) ? value : null;
}

/** The message and kind stored for a failed run: GncError kinds are kept so front ends can react. */
export function describeError(error: unknown): { message: string; kind: string } {
  if (error instanceof GncError) return { message: error.message, kind: error.kind };
  if (error instanceof Error) return { message: error.message, kind: 'internal' };
  if (isPlainObject(error) && typeof error.message === 'string') return { message: error.message, kind: typeof error.kind === 'string' ? error.kind : 'internal' };
  return { message: String(error), kind: 'internal' };
}

export class RunsRepo {
  constructor(
    private readonly ctx: LibraryContext,
    private readonly models: ModelsRepo,
  ) {}

  private toRow(r: RunRecord): RunRow {
    const where = (col: string) => `runs row ${r.id} column ${col}`;
    return {
      id: r.id,
      experimentId: r.experiment_id,
      kind: r.kind,
      method: r.method,
      modelId: r.model_id,
      inputPath: absolutePath(this.ctx, r.input_path),
      inputSha256: r.input_sha256,
      thumbPath: absolutePath(this.ctx, r.thumb_path),
      params: parseColumn(where('params'), r.params, isPlainObject, 'a JSON object')!,
      backend: parseColumn(where('backend'), r.backend, isPlainObject, 'a JSON object'),
      outputPath: absolutePath(this.ctx, r.output_path),
      outputName: r.output_name,
      outputSha256: r.output_sha256,
      traces: parseColumn(where('traces'), r.traces, isTraces, 'an object of number arrays'),
      psnr: r.psnr,
      ssim: r.ssim,
      seconds: r.seconds,
      status: r.status,
      errorMessage: r.error_message,
      errorKind: r.error_kind,
      pid: r.pid,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    };
  }

  byId(id: string): RunRow | undefined {
    const r = this.ctx.sql('SELECT * FROM runs WHERE id = ?').get(id) as RunRecord | undefined;
    return r && this.toRow(r);
  }

  find(ref: string): RunRow | undefined {
    const ids = idsMatching(this.ctx, 'runs', ref);
    if (ids.length > 1) throw new GncError('not-found', `Run reference ${JSON.stringify(ref)} is ambiguous: it starts ${listForMessage(ids)}. Type more of the id.`);
    return ids.length ? this.byId(ids[0]!) : undefined;
  }

  get(ref: string): RunRow {
    const row = this.find(ref);
    if (!row) throw new GncError('not-found', `No run with id ${JSON.stringify(ref)} (expected a full id or a unique prefix of at least ${MIN_PREFIX} hex characters)`);
    return row;
  }

  list(options: { kind?: RunKind; status?: RunStatus; experimentId?: string; modelId?: string; limit?: number } = {}): RunRow[] {
    const rows = this.ctx.sql(`SELECT * FROM runs
         WHERE (@kind IS NULL OR kind = @kind) AND (@status IS NULL OR status = @status)
           AND (@experiment IS NULL OR experiment_id = @experiment) AND (@model IS NULL OR model_id = @model)
         ORDER BY created_at DESC, rowid DESC LIMIT @limit`)
      .all({
        kind: options.kind ?? null,
        status: options.status ?? null,
        experiment: options.experimentId ?? null,
        model: options.modelId ?? null,
        limit: options.limit ?? -1,
      }) as RunRecord[];
    return rows.map((r) => this.toRow(r));
  }

  /** Records a queued run. Synchronous, so a caller can create several runs in one transaction. */
  create(spec: CreateRun): RunRow {
    if (!RUN_KINDS.includes(spec.kind)) throw invalidArgument('run kind', `one of ${RUN_KINDS.join(', ')}`, spec.kind);
    if (spec.method != null && !RUN_METHODS.includes(spec.method)) throw invalidArgument('run method', `one of ${RUN_METHODS.join(', ')} or null`, spec.method);
    if (spec.input && (typeof spec.input.path !== 'string' || !/^[0-9a-f]{64}$/.test(spec.input.sha256))) {
      throw invalidArgument('run input', 'a path and the sha256 of its content (see prepareInput)', spec.input);
    }
    const params = objectColumn('run params', spec.params);
    const backend = optionalObjectColumn('run backend', spec.backend);
    const modelId = spec.model == null ? null : this.models.get(spec.model).id;
    const id = newId();
    this.ctx.sql(`INSERT INTO runs (id, experiment_id, kind, method, model_id, input_path, input_sha256, thumb_path, params, backend, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`)
      .run(
        id,
        spec.experimentId ?? null,
        spec.kind,
        spec.method ?? null,
        modelId,
        spec.input ? storedPath(this.ctx, spec.input.path) : null,
        spec.input?.sha256 ?? null,
        spec.input?.thumbPath ? storedPath(this.ctx, spec.input.thumbPath) : null,
        params,
        backend,
        now(),
      );
    return this.byId(id)!;
  }

  /** queued → running, recording which process runs it (so a crash can be told from a long job). */
  start(id: string, pid: number = process.pid): RunRow {
    const changed = this.ctx.sql(`UPDATE runs SET status = 'running', pid = ?, started_at = ? WHERE id = ? AND status = 'queued'`).run(pid, now(), id).changes;
    if (!changed) throw this.notInState(id, 'start', 'queued');
    return this.byId(id)!;
  }

  /**
   * A temporary path inside library-files/outputs/ for the result of run `id`:
   * on the same file system as the final place (so finish() is one rename),
   * and named like util/atomic.ts's temporary files (so a crashed writer's
   * leftover is recognised and removed by `checkLibrary`).
   */
  stagingPath(id: string, outputName: string): string {
    mkdirSync(this.ctx.folders.outputs, { recursive: true });
    return temporaryPathFor(path.join(this.ctx.folders.outputs, `${id}-${safeFileName(outputName)}`));
  }

  /** running (or queued) → done: moves the output into the library, then commits the row. */
  async finish(id: string, result: FinishRun): Promise<RunRow> {
    const run = this.get(id);
    if (run.status !== 'queued' && run.status !== 'running') throw this.notInState(id, 'finish', 'queued or running', run.status);
    checkNumber('seconds', result.seconds, 0, Number.MAX_VALUE);
    const traces = result.traces === undefined ? null : tracesColumn('traces', result.traces);
    const psnr = optionalFigure('psnr', result.psnr);
    const ssim = optionalFigure('ssim', result.ssim);
    const backend = result.backend === undefined ? undefined : optionalObjectColumn('backend', result.backend);
    const resolved = result.resolved === undefined ? null : objectColumn('resolved', result.resolved);
    let output: { stored: string; absolute: string; sha256: string; name: string } | null = null;
    if (result.outputTempFile !== undefined) {
      const name = result.outputName ?? path.basename(result.outputTempFile);
      if (!result.outputName && name.endsWith('.tmp')) throw invalidArgument('outputName', 'the name of the output (the temporary file name says nothing)', result.outputName);
      const absolute = path.join(this.ctx.folders.outputs, `${id}-${safeFileName(name)}`);
      const sha256 = await sha256File(result.outputTempFile);
      moveInto(result.outputTempFile, absolute);
      output = { stored: storedPath(this.ctx, absolute), absolute, sha256, name };
    }
    try {
      const changed = this.ctx.sql(`UPDATE runs SET status = 'done', output_path = ?, output_name = ?, output_sha256 = ?, traces = ?, psnr = ?, ssim = ?,
             seconds = ?, finished_at = ?, backend = COALESCE(?, backend),
             params = CASE WHEN ? IS NULL THEN params ELSE json_set(params, '$.resolved', json(?)) END WHERE id = ? AND ${ACTIVE}`)
        .run(output?.stored ?? null, output?.name ?? null, output?.sha256 ?? null, traces, psnr, ssim, result.seconds, now(), backend ?? null, resolved, resolved, id).changes;
      // Cancelled (or removed) by someone else while the output was being moved.
      if (!changed) throw this.notInState(id, 'finish', 'queued or running');
    } catch (err) {
      if (output) removeFileQuietly(output.absolute);
      throw err;
    }
    return this.byId(id)!;
  }

  /** queued/running → failed, keeping the error's message and kind. */
  fail(id: string, error: unknown): RunRow {
    const { message, kind } = describeError(error);
    const changed = this.ctx.sql(`UPDATE runs SET status = 'failed', error_message = ?, error_kind = ?, finished_at = ? WHERE id = ? AND ${ACTIVE}`)
      .run(message, kind, now(), id).changes;
    if (!changed) throw this.notInState(id, 'fail', 'queued or running');
    return this.byId(id)!;
  }

  /**
   * queued/running → cancelled. Cancelling a run that already ended is not an
   * error (the user's click and the job's end race); the row is returned as is.
   * Stopping the process is the job runner's business, not the library's.
   */
  cancel(id: string): RunRow {
    const run = this.get(id);
    this.ctx.sql(`UPDATE runs SET status = 'cancelled', finished_at = ? WHERE id = ? AND ${ACTIVE}`).run(now(), run.id);
    return this.byId(run.id)!;
  }

  /** Deletes a run that is not being run, then its output (and its input copy and thumbnail if no other run uses them). */
  remove(ref: string): RunRow {
    const run = this.get(ref);
    if (run.status === 'running' && run.pid != null && isPidAlive(run.pid)) {
      throw new GncError('library', `Run ${run.id} is running (pid ${run.pid}); cancel it before removing it`);
    }
    this.ctx.sql('DELETE FROM runs WHERE id = ?').run(run.id);
    releaseRunFiles(this.ctx, [{ output_path: run.outputPath, input_path: run.inputPath, thumb_path: run.thumbPath }]);
    return run;
  }

  private notInState(id: string, action: string, expected: string, actual?: string): GncError {
    const status = actual ?? (this.ctx.value('SELECT status FROM runs WHERE id = ?').get(id) as string | undefined);
    if (status === undefined) return new GncError('not-found', `Cannot ${action} run ${id}: no such run`);
    return new GncError('library', `Cannot ${action} run ${id}: it is ${status}, expected ${expected}`);
  }
}

/**
 * Deletes the files of runs whose rows are already gone: outputs always,
 * copied inputs and thumbnails (shared by content between runs) only when no
 * remaining run refers to them. Paths may be stored or absolute.
 */
export function releaseRunFiles(ctx: LibraryContext, runs: Array<{ output_path: string | null; input_path: string | null; thumb_path: string | null }>): void {
  const stillUsed = ctx.sql('SELECT 1 FROM runs WHERE input_path = ? OR thumb_path = ? LIMIT 1');
  for (const r of runs) {
    if (r.output_path) {
      const abs = absolutePath(ctx, r.output_path);
      if (isManaged(ctx, abs)) removeFileQuietly(abs);
    }
    for (const shared of [r.input_path, r.thumb_path]) {
      if (!shared) continue;
      const abs = absolutePath(ctx, shared);
      const stored = storedPath(ctx, abs);
      if (isManaged(ctx, abs) && !stillUsed.get(stored, stored)) removeFileQuietly(abs);
    }
  }
}

/** Rename, or copy + rename across file systems, so the target never exists half-written. */
function moveInto(source: string, target: string): void {
  mkdirSync(path.dirname(target), { recursive: true });
  try {
    renameSync(source, target);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw ioError(`move ${source} to ${target}`, err);
  }
  const tmp = temporaryPathFor(target);
  try {
    copyFileSync(source, tmp);
    renameSync(tmp, target);
  } catch (err) {
    removeFileQuietly(tmp);
    throw ioError(`copy ${source} to ${target}`, err);
  }
  removeFileQuietly(source);
}
