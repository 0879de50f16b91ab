/**
 * Training runs: settings, data, progress, a bounded loss curve, validation
 * figures, and the model they produced (set when it is registered at the end).
 *
 * The loss curve keeps at most MAX_LOSS_SAMPLES points however long training
 * runs: when full, every other point is dropped and the sampling stride
 * doubles, so the stored curve stays evenly spaced over the whole run. The
 * latest sample is always kept as `lastLoss` for progress displays.
 */
import { GncError, checkInteger, checkNumber, invalidArgument } from '../util/errors.js';
import { absolutePath, storedPath, type LibraryContext } from './context.js';
import { isPidAlive, newId, now } from './files.js';
import { isPlainObject, objectColumn, optionalObjectColumn, parseColumn, type JsonObject } from './json.js';
import type { ModelsRepo } from './models-repo.js';
import { idsMatching, listForMessage, MIN_PREFIX } from './refs.js';
import { describeError, type RunStatus } from './runs-repo.js';

export const MAX_LOSS_SAMPLES = 2000;

export interface LossSample {
  iteration: number;
  loss: number;
}

export interface TrainingRow {
  id: string;
  modelId: string | null;
  settings: JsonObject;
  dataDescription: string;
  status: RunStatus;
  /** Evenly thinned samples, oldest first. */
  lossCurve: LossSample[];
  /** Every lossStride-th appended sample is kept. */
  lossStride: number;
  lastLoss: LossSample | null;
  validation: JsonObject | null;
  checkpointPath: string | null;
  iterations: number;
  seconds: number;
  errorMessage: string | null;
  errorKind: string | null;
  pid: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Stored form of the curve: [iteration, loss] pairs plus the thinning state. */
interface StoredCurve {
  stride: number;
  /** Samples appended since the last kept one. */
  pending: number;
  samples: Array<[number, number]>;
  last: [number, number] | null;
}

const EMPTY_CURVE: StoredCurve = { stride: 1, pending: 0, samples: [], last: null };

const isCurve = (v: unknown): v is StoredCurve =>
  isPlainObject(v) && typeof v.stride === 'number' && v.stride >= 1 && typeof v.pending === 'number' && Array.isArray(v.samples) && (v.last === null || Array.isArray(v.last));

interface TrainingRecord {
  id: string;
  model_id: string | null;
  settings: string;
  data_description: string;
  status: RunStatus;
  loss_curve: string;
  validation: string | null;
  checkpoint_path: string | null;
  iterations: number;
  seconds: number;
  error_message: string | null;
  error_kind: string | null;
  pid: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const ACTIVE = `status IN ('queued', 'running')`;

/** Adds samples to a stored curve, thinning it to at most `max` points. Pure, for testing. */
export function appendToCurve(curve: StoredCurve, samples: LossSample[], max = MAX_LOSS_SAMPLES): StoredCurve {
  const next: StoredCurve = { stride: curve.stride, pending: curve.pending, samples: curve.samples.slice(), last: curve.last };
  for (const s of samples) {
    const pair: [number, number] = [s.iteration, Number.isFinite(s.loss) ? s.loss : NaN];
    next.last = pair;
    next.pending++;
    if (next.pending < next.stride) continue;
    next.pending = 0;
    next.samples.push(pair);
    if (next.samples.length > max) {
      // Keep indices 0, 2, 4...; if that drops the newest, it was `stride` appends after the last kept.
      next.pending = (next.samples.length - 1) % 2 === 1 ? next.stride : 0;
      next.samples = next.samples.filter((_, i) => i % 2 === 0);
      next.stride *= 2;
    }
  }
  return next;
}

export class TrainingRepo {
  constructor(
    private readonly ctx: LibraryContext,
    private readonly models: ModelsRepo,
  ) {}

  private toRow(r: TrainingRecord): TrainingRow {
    const where = (col: string) => `training_runs row ${r.id} column ${col}`;
    const curve = parseColumn(where('loss_curve'), r.loss_curve, isCurve, 'a loss curve {stride, pending, samples, last}')!;
    // NaN is stored as JSON null; give it back as NaN so charts show a gap rather than a zero.
    const sample = ([iteration, loss]: [number, number | null]): LossSample => ({ iteration, loss: loss ?? NaN });
    return {
      id: r.id,
      modelId: r.model_id,
      settings: parseColumn(where('settings'), r.settings, isPlainObject, 'a JSON object')!,
      dataDescription: r.data_description,
      status: r.status,
      lossCurve: curve.samples.map(sample),
      lossStride: curve.stride,
      lastLoss: curve.last && sample(curve.last),
      validation: parseColumn(where('validation'), r.validation, isPlainObject, 'a JSON object'),
      checkpointPath: absolutePath(this.ctx, r.checkpoint_path),
      iterations: r.iterations,
      seconds: r.seconds,
      errorMessage: r.error_message,
      errorKind: r.error_kind,
      pid: r.pid,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    };
  }

  byId(id: string): TrainingRow | undefined {
    const r = this.ctx.sql('SELECT * FROM training_runs WHERE id = ?').get(id) as TrainingRecord | undefined;
    return r && this.toRow(r);
  }

  find(ref: string): TrainingRow | undefined {
    const ids = idsMatching(this.ctx, 'training_runs', ref);
    if (ids.length > 1) throw new GncError('not-found', `Training run reference ${JSON.stringify(ref)} is ambiguous: it starts ${listForMessage(ids)}. Type more of the id.`);
    return ids.length ? this.byId(ids[0]!) : undefined;
  }

  get(ref: string): TrainingRow {
    const row = this.find(ref);
    if (!row) throw new GncError('not-found', `No training run with id ${JSON.stringify(ref)} (expected a full id or a unique prefix of at least ${MIN_PREFIX} hex characters)`);
    return row;
  }

  list(options: { status?: RunStatus; limit?: number } = {}): TrainingRow[] {
    const rows = this.ctx.sql('SELECT * FROM training_runs WHERE (@status IS NULL OR status = @status) ORDER BY created_at DESC, rowid DESC LIMIT @limit')
      .all({ status: options.status ?? null, limit: options.limit ?? -1 }) as TrainingRecord[];
    return rows.map((r) => this.toRow(r));
  }

  create(spec: { settings: JsonObject; dataDescription?: string; checkpointPath?: string | null }): TrainingRow {
    const id = newId();
    this.ctx.sql(`INSERT INTO training_runs (id, settings, data_description, status, loss_curve, checkpoint_path, created_at)
         VALUES (?, ?, ?, 'queued', ?, ?, ?)`)
      .run(
        id,
        objectColumn('training settings', spec.settings),
        spec.dataDescription ?? '',
        JSON.stringify(EMPTY_CURVE),
        spec.checkpointPath ? storedPath(this.ctx, spec.checkpointPath) : null,
        now(),
      );
    return this.byId(id)!;
  }

  start(id: string, pid: number = process.pid): TrainingRow {
    const changed = this.ctx.sql(`UPDATE training_runs SET status = 'running', pid = ?, started_at = ? WHERE id = ? AND status = 'queued'`).run(pid, now(), id).changes;
    if (!changed) throw this.notInState(id, 'start', 'queued');
    return this.byId(id)!;
  }

  /** Appends loss samples (read-modify-write in one transaction, so concurrent appends cannot lose samples). */
  appendLoss(id: string, samples: LossSample[]): void {
    samples.forEach((s, i) => {
      checkInteger(`loss sample ${i} iteration`, s?.iteration, 0, Number.MAX_SAFE_INTEGER);
      if (typeof s.loss !== 'number') throw invalidArgument(`loss sample ${i} loss`, 'a number', s.loss);
    });
    const db = this.ctx.db;
    db.transaction(() => {
      const text = this.ctx.value('SELECT loss_curve FROM training_runs WHERE id = ?').get(id) as string | undefined;
      if (text === undefined) throw new GncError('not-found', `Cannot record loss for training run ${id}: no such training run`);
      const curve = parseColumn(`training_runs row ${id} column loss_curve`, text, isCurve, 'a loss curve')!;
      this.ctx.sql('UPDATE training_runs SET loss_curve = ? WHERE id = ?').run(JSON.stringify(appendToCurve(curve, samples)), id);
    }).immediate();
  }

  /** Progress while running: iterations done, seconds, latest checkpoint and validation figures. */
  progress(id: string, p: { iterations?: number; seconds?: number; checkpointPath?: string | null; validation?: JsonObject | null }): TrainingRow {
    const row = this.get(id);
    if (p.iterations !== undefined) checkInteger('iterations', p.iterations, 0, Number.MAX_SAFE_INTEGER);
    if (p.seconds !== undefined) checkNumber('seconds', p.seconds, 0, Number.MAX_VALUE);
    this.ctx.sql('UPDATE training_runs SET iterations = ?, seconds = ?, checkpoint_path = ?, validation = ? WHERE id = ?')
      .run(
        p.iterations ?? row.iterations,
        p.seconds ?? row.seconds,
        p.checkpointPath === undefined ? (row.checkpointPath && storedPath(this.ctx, row.checkpointPath)) : p.checkpointPath && storedPath(this.ctx, p.checkpointPath),
        p.validation === undefined ? optionalObjectColumn('validation', row.validation) : optionalObjectColumn('validation', p.validation),
        row.id,
      );
    return this.byId(row.id)!;
  }

  /** running → done, linking the model it produced (already registered with models.add). */
  finish(id: string, result: { model?: string | null; validation?: JsonObject | null; iterations: number; seconds: number }): TrainingRow {
    checkInteger('iterations', result.iterations, 0, Number.MAX_SAFE_INTEGER);
    checkNumber('seconds', result.seconds, 0, Number.MAX_VALUE);
    const modelId = result.model == null ? null : this.models.get(result.model).id;
    const validation = optionalObjectColumn('validation', result.validation);
    const changed = this.ctx.sql(`UPDATE training_runs SET status = 'done', model_id = ?, validation = coalesce(?, validation), iterations = ?, seconds = ?, finished_at = ?
         WHERE id = ? AND ${ACTIVE}`)
      .run(modelId, validation, result.iterations, result.seconds, now(), id).changes;
    if (!changed) throw this.notInState(id, 'finish', 'queued or running');
    return this.byId(id)!;
  }

  fail(id: string, error: unknown): TrainingRow {
    const { message, kind } = describeError(error);
    const changed = this.ctx.sql(`UPDATE training_runs SET status = 'failed', error_message = ?, error_kind = ?, finished_at = ? WHERE id = ? AND ${ACTIVE}`)
      .run(message, kind, now(), id).changes;
    if (!changed) throw this.notInState(id, 'fail', 'queued or running');
    return this.byId(id)!;
  }

  /** Like runs.cancel: a run that already ended is returned unchanged. */
  cancel(id: string): TrainingRow {
    const row = this.get(id);
    this.ctx.sql(`UPDATE training_runs SET status = 'cancelled', finished_at = ? WHERE id = ? AND ${ACTIVE}`).run(now(), row.id);
    return this.byId(row.id)!;
  }

  /** Deletes the record (the checkpoint file belongs to the trainer and stays). */
  remove(ref: string): TrainingRow {
    const row = this.get(ref);
    if (row.status === 'running' && row.pid != null && isPidAlive(row.pid)) {
      throw new GncError('library', `Training run ${row.id} is running (pid ${row.pid}); cancel it before removing it`);
    }
    this.ctx.sql('DELETE FROM training_runs WHERE id = ?').run(row.id);
    return row;
  }

  private notInState(id: string, action: string, expected: string): GncError {
    const status = this.ctx.value('SELECT status FROM training_runs WHERE id = ?').get(id) as string | undefined;
    if (status === undefined) return new GncError('not-found', `Cannot ${action} training run ${id}: no such training run`);
    return new GncError('library', `Cannot ${action} training run ${id}: it is ${status}, expected ${expected}`);
  }
}
