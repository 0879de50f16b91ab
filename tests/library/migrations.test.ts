/**
 * Schema migrations: a fresh library gets every migration; a library left at
 * any earlier version is brought up to date with its data intact; a library
 * from a newer build, a non-database and a failing migration fail clearly.
 */
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/library.js';
import { latestVersion, migrate, schemaVersion, type Migration } from '../../src/library/migrate.js';
import { MIGRATIONS } from '../../src/library/migrations/index.js';
import { GncError } from '../../src/util/errors.js';
import { tempFolder } from './helpers.js';

const tmp = tempFolder('gnc-lib-migrate-');
afterAll(() => tmp.cleanup());

const MODEL_ID = 'ab'.repeat(32);
const AT = '2026-01-02T03:04:05.000Z';

/** Rows written with the columns schema version `version` has (version ≥ 1). */
function seed(db: Database.Database, version: number): void {
  if (version < 1) return;
  db.prepare(
    `INSERT INTO models (id, name, architecture, file_path, file_sha256, file_bytes, shipped, settings, iterations, notes, created_at, updated_at)
     VALUES (?, 'old-model', '{"kind":"foe"}', 'library-files/models/x.gncm', ?, 10, 0, '{"lr":0.1}', 42, 'kept', ?, ?)`,
  ).run(MODEL_ID, 'cd'.repeat(32), AT, AT);
  db.prepare(`INSERT INTO schedules (id, model_id, task, level, steps, file_path, file_sha256, created_at) VALUES ('5c4ed01e00000001', ?, 'denoise', 25, 8, 'library-files/schedules/s', ?, ?)`).run(
    MODEL_ID,
    'ef'.repeat(32),
    AT,
  );
  db.prepare(`INSERT INTO experiments (id, name, kind, created_at) VALUES ('e0e0e0e0e0e0e0e0', 'old comparison', 'compare', ?)`).run(AT);
  db.prepare(
    `INSERT INTO runs (id, experiment_id, kind, method, model_id, params, status, psnr, created_at)
     VALUES ('7a7a7a7a7a7a7a7a', 'e0e0e0e0e0e0e0e0', 'denoise', 'gnc', ?, '{"sigma":25,"seed":3}', 'done', 30.5, ?)`,
  ).run(MODEL_ID, AT);
  db.prepare(
    `INSERT INTO training_runs (id, settings, status, loss_curve, iterations, created_at)
     VALUES ('7b7b7b7b7b7b7b7b', '{"batch":8}', 'done', '{"stride":1,"pending":0,"samples":[[1,0.5]],"last":[1,0.5]}', 1, ?)`,
  ).run(AT);
}

describe('library migrations', () => {
  it('are numbered 1, 2, ... and there are at least two', () => {
    expect(MIGRATIONS.length).toBeGreaterThanOrEqual(2);
    MIGRATIONS.forEach((m, i) => expect(m.version).toBe(i + 1));
  });

  it('build a fresh library with the pragmas and bookkeeping in place', () => {
    const lib = openLibrary({ path: tmp.file('fresh/library.sqlite'), registerShipped: false });
    try {
      expect(lib.schemaVersion).toBe(latestVersion());
      expect(lib.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(lib.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(lib.db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(lib.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      const recorded = lib.db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<{ version: number; name: string; applied_at: string }>;
      expect(recorded.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
      expect(new Date(recorded[0]!.applied_at).toISOString()).toBe(recorded[0]!.applied_at);
    } finally {
      lib.close();
    }
  });

  for (let k = 0; k < latestVersion(); k++) {
    it(`upgrade a library at schema version ${k} with its data intact`, () => {
      const file = tmp.file(`v${k}/library.sqlite`);
      mkdirSync(path.dirname(file));
      const db = new Database(file);
      migrate(db, file, { upTo: k });
      expect(schemaVersion(db)).toBe(k);
      seed(db, k);
      db.close();

      const lib = openLibrary({ path: file, registerShipped: false });
      try {
        expect(lib.schemaVersion).toBe(latestVersion());
        if (k >= 1) {
          const m = lib.models.get('old-model');
          expect(m).toMatchObject({ id: MODEL_ID, settings: { lr: 0.1 }, iterations: 42, notes: 'kept', tags: [], shipped: false });
          expect(lib.models.tag(MODEL_ID.slice(0, 8), ['migrated']).tags).toEqual(['migrated']);
          // Rows from before version 3 are the user's own (shipped = 0) and stay removable.
          expect(lib.schedules.list({ modelId: MODEL_ID })).toMatchObject([{ id: '5c4ed01e00000001', task: 'denoise', level: 25, steps: 8, shipped: false }]);
          expect(lib.experiments.get('e0e0e0e0e0e0e0e0').runs).toBe(1);
          expect(lib.runs.get('7a7a7a7a7a7a7a7a')).toMatchObject({ status: 'done', psnr: 30.5, params: { sigma: 25, seed: 3 }, modelId: MODEL_ID });
          expect(lib.training.get('7b7b7b7b').lossCurve).toEqual([{ iteration: 1, loss: 0.5 }]);
        } else {
          expect(lib.models.list()).toEqual([]);
        }
        expect(lib.db.pragma('foreign_key_check')).toEqual([]);
      } finally {
        lib.close();
      }
    });
  }

  it('refuse a library written by a newer build, naming both versions', () => {
    const file = tmp.file('newer.sqlite');
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    const err = (() => {
      try {
        openLibrary({ path: file, registerShipped: false });
      } catch (e) {
        return e;
      }
    })() as GncError;
    expect(err).toBeInstanceOf(GncError);
    expect(err.kind).toBe('library');
    expect(err.message).toContain('schema version 99');
    expect(err.message).toContain(`up to ${latestVersion()}`);
  });

  it('refuse a file that is not a SQLite database', () => {
    const file = tmp.file('not-a-db.sqlite');
    writeFileSync(file, 'this is a text file, not a database, and it is long enough to have a header'.repeat(10));
    expect(() => openLibrary({ path: file, registerShipped: false })).toThrow(/not a usable SQLite database|Cannot open the library/);
  });

  it('roll a failing migration back completely and stay at the previous version', () => {
    const file = tmp.file('failing.sqlite');
    const db = new Database(file);
    const broken: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      up(d) {
        d.exec('CREATE TABLE half_done (x INTEGER)');
        d.exec('INSERT INTO no_such_table VALUES (1)');
      },
    };
    expect(() => migrate(db, file, { migrations: [...MIGRATIONS, broken] })).toThrow(new RegExp(`schema version ${broken.version} \\(broken\\).*stays at version ${MIGRATIONS.length}`));
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'half_done'`).pluck().get()).toBe(0);
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(MIGRATIONS.length);
    db.close();
  });
});
