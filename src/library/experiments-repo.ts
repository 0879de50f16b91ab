/**
 * Experiments: named groups of runs, such as the GNC/joint/VN runs of one
 * `gnc compare`. Deleting an experiment deletes its runs (ON DELETE CASCADE)
 * and then their files.
 */
import { GncError, invalidArgument } from '../util/errors.js';
import type { LibraryContext } from './context.js';
import { newId, now } from './files.js';
import { releaseRunFiles } from './runs-repo.js';
import { idsMatching, listForMessage, MIN_PREFIX } from './refs.js';

export interface ExperimentRow {
  id: string;
  name: string;
  /** What grouped the runs: 'compare', 'bench', ... (free text, set by the creator). */
  kind: string;
  notes: string;
  createdAt: string;
  /** Number of runs in the experiment. */
  runs: number;
}

interface ExperimentRecord {
  id: string;
  name: string;
  kind: string;
  notes: string;
  created_at: string;
  runs: number;
}

type RunFiles = Parameters<typeof releaseRunFiles>[1][number];

const SELECT = 'SELECT e.*, (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) AS runs FROM experiments e';

export class ExperimentsRepo {
  constructor(private readonly ctx: LibraryContext) {}

  private toRow(r: ExperimentRecord): ExperimentRow {
    return { id: r.id, name: r.name, kind: r.kind, notes: r.notes, createdAt: r.created_at, runs: r.runs };
  }

  create(o: { name: string; kind: string; notes?: string }): ExperimentRow {
    if (typeof o.name !== 'string' || !o.name.trim()) throw invalidArgument('experiment name', 'a non-empty string', o.name);
    if (typeof o.kind !== 'string' || !o.kind.trim()) throw invalidArgument('experiment kind', 'a non-empty string', o.kind);
    const id = newId();
    this.ctx.sql('INSERT INTO experiments (id, name, kind, notes, created_at) VALUES (?, ?, ?, ?, ?)').run(id, o.name.trim(), o.kind.trim(), o.notes ?? '', now());
    return this.get(id);
  }

  byId(id: string): ExperimentRow | undefined {
    const r = this.ctx.sql(`${SELECT} WHERE e.id = ?`).get(id) as ExperimentRecord | undefined;
    return r && this.toRow(r);
  }

  find(ref: string): ExperimentRow | undefined {
    const ids = idsMatching(this.ctx, 'experiments', ref);
    if (ids.length > 1) throw new GncError('not-found', `Experiment reference ${JSON.stringify(ref)} is ambiguous: it starts ${listForMessage(ids)}. Type more of the id.`);
    return ids.length ? this.byId(ids[0]!) : undefined;
  }

  get(ref: string): ExperimentRow {
    const row = this.find(ref);
    if (!row) throw new GncError('not-found', `No experiment with id ${JSON.stringify(ref)} (expected a full id or a unique prefix of at least ${MIN_PREFIX} hex characters)`);
    return row;
  }

  list(options: { limit?: number } = {}): ExperimentRow[] {
    const rows = this.ctx.sql(`${SELECT} ORDER BY e.created_at DESC, e.rowid DESC LIMIT ?`).all(options.limit ?? -1) as ExperimentRecord[];
    return rows.map((r) => this.toRow(r));
  }

  /** Deletes the experiment and its runs, then the runs' output files. */
  remove(ref: string): ExperimentRow {
    const row = this.get(ref);
    const db = this.ctx.db;
    const files = db.transaction(() => {
      const runs = this.ctx.sql('SELECT output_path, input_path, thumb_path FROM runs WHERE experiment_id = ?').all(row.id) as RunFiles[];
      this.ctx.sql('DELETE FROM experiments WHERE id = ?').run(row.id);
      return runs;
    }).immediate();
    releaseRunFiles(this.ctx, files);
    return row;
  }
}
