/**
 * `checkLibrary` finds each kind of problem (each situation made by hand) and
 * with fix repairs the repairable ones, after which a second check is clean
 * of them; work in progress of live processes is left alone.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLibrary, type Problem } from '../../src/library/check.js';
import { openLibrary, type Library } from '../../src/library/library.js';
import { latestVersion } from '../../src/library/migrate.js';
import { tempFolder, writeTinyModels } from './helpers.js';

const tmp = tempFolder('gnc-lib-check-');
let tiny: string[] = [];
/** The pid of a process that has exited. */
let deadPid = 0;
beforeAll(async () => {
  mkdirSync(tmp.file('src'));
  tiny = await writeTinyModels(tmp.file('src'), 3);
  deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
});
afterAll(() => tmp.cleanup());

let libs = 0;
const fresh = (o: { shippedDir?: string } = {}) => openLibrary({ path: tmp.file(`lib-${++libs}/library.sqlite`), shippedDir: o.shippedDir ?? tmp.file('no-shipped') });
const kinds = (ps: Problem[]) => ps.map((p) => p.kind).sort();

async function finishedRun(lib: Library, name: string) {
  const run = lib.runs.create({ kind: 'denoise', params: { name } });
  lib.runs.start(run.id);
  const staging = lib.runs.stagingPath(run.id, `${name}.png`);
  writeFileSync(staging, name);
  return lib.runs.finish(run.id, { outputTempFile: staging, outputName: `${name}.png`, seconds: 0.1 });
}

describe('checkLibrary', () => {
  it('reports nothing for a healthy library', async () => {
    const lib = fresh();
    try {
      await lib.models.add(tiny[0]!);
      await finishedRun(lib, 'fine');
      expect(await checkLibrary(lib)).toEqual([]);
    } finally {
      lib.close();
    }
  });

  it('marks runs and training runs of dead processes failed, and leaves live ones alone', async () => {
    const lib = fresh();
    try {
      const dead = lib.runs.create({ kind: 'denoise', params: {} });
      lib.runs.start(dead.id, deadPid);
      const alive = lib.runs.create({ kind: 'denoise', params: {} });
      lib.runs.start(alive.id, process.pid);
      const training = lib.training.create({ settings: {} });
      lib.training.start(training.id, deadPid);

      const found = await checkLibrary(lib);
      expect(found.map((p) => [p.kind, p.what, p.fixed])).toEqual([
        ['stale-run', `run ${dead.id}`, false],
        ['stale-run', `training run ${training.id}`, false],
      ]);
      expect(found[0]!.detail).toContain(String(deadPid));
      expect(lib.runs.get(dead.id).status).toBe('running');

      expect((await checkLibrary(lib, { fix: true })).every((p) => p.fixed)).toBe(true);
      expect(lib.runs.get(dead.id)).toMatchObject({ status: 'failed', errorMessage: 'interrupted' });
      expect(lib.training.get(training.id)).toMatchObject({ status: 'failed', errorMessage: 'interrupted' });
      expect(lib.runs.get(alive.id).status).toBe('running');
      expect(await checkLibrary(lib)).toEqual([]);
    } finally {
      lib.close();
    }
  });

  it('drops rows whose files vanished and clears vanished thumbnails', async () => {
    const lib = fresh();
    try {
      const { row: model } = await lib.models.add(tiny[0]!);
      const { row: other } = await lib.models.add(tiny[1]!);
      const scheduleFile = tmp.file('s.bin');
      writeFileSync(scheduleFile, 'schedule');
      const schedule = await lib.schedules.add(scheduleFile, { model: other.id, task: 'denoise', level: 15, steps: 4 });
      const run = await finishedRun(lib, 'gone');
      const thumbRun = lib.runs.create({ kind: 'denoise', input: { path: tmp.file('photo.png'), sha256: 'a'.repeat(64), thumbPath: path.join(lib.folders.thumbs, 'x.png') }, params: {} });
      rmSync(model.filePath);
      rmSync(schedule.filePath);
      rmSync(run.outputPath!);

      const found = await checkLibrary(lib, { fix: true });
      expect(kinds(found)).toEqual(['missing-file', 'missing-file', 'missing-file', 'missing-file']);
      expect(found.every((p) => p.fixed)).toBe(true);
      expect(lib.models.find(model.id)).toBeUndefined();
      expect(lib.schedules.find(schedule.id)).toBeUndefined();
      expect(lib.runs.find(run.id)).toBeUndefined();
      expect(lib.runs.get(thumbRun.id)).toMatchObject({ thumbPath: null, inputSha256: 'a'.repeat(64) });
      expect(lib.models.find(other.id)).toBeDefined();
      expect(await checkLibrary(lib)).toEqual([]);
    } finally {
      lib.close();
    }
  });

  it('reports a vanished shipped model without dropping it', async () => {
    const shippedDir = tmp.file('shipped');
    mkdirSync(shippedDir);
    copyFileSync(tiny[2]!, path.join(shippedDir, 'ship.gncm'));
    const lib = fresh({ shippedDir });
    try {
      rmSync(path.join(shippedDir, 'ship.gncm'));
      const found = await checkLibrary(lib, { fix: true });
      expect(found.map((p) => [p.kind, p.fixed])).toEqual([['missing-file', false]]);
      expect(found[0]!.detail).toContain('shipped');
      expect(lib.models.get('ship').shipped).toBe(true);
    } finally {
      lib.close();
    }
  });

  it('reports files whose content no longer matches their checksum, and does not touch them', async () => {
    const lib = fresh();
    try {
      const { row } = await lib.models.add(tiny[0]!);
      const run = await finishedRun(lib, 'edited');
      writeFileSync(run.outputPath!, 'edited by hand');
      const bytes = readFileSync(row.filePath);
      bytes[20]! ^= 1;
      writeFileSync(row.filePath, bytes);
      const found = await checkLibrary(lib, { fix: true });
      expect(found.map((p) => [p.kind, p.what, p.fixed])).toEqual([
        ['checksum', `model ${row.name} (${row.id.slice(0, 12)})`, false],
        ['checksum', `run ${run.id} output`, false],
      ]);
      expect(found[1]!.detail).toMatch(/has sha256 [0-9a-f]{64} but the library recorded [0-9a-f]{64}/);
      expect(readFileSync(run.outputPath!, 'utf8')).toBe('edited by hand');
    } finally {
      lib.close();
    }
  });

  it('deletes orphan files and temporary files of dead writers, but not those of live ones', async () => {
    const lib = fresh();
    try {
      const keep = await finishedRun(lib, 'keep');
      const orphan = path.join(lib.folders.outputs, '0123456789abcdef-lost.png');
      const stray = path.join(lib.filesDir, 'stray.txt');
      const deadTemp = path.join(lib.folders.models, `.${'f'.repeat(64)}.gncm.${deadPid}.0a1b2c3d.tmp`);
      const liveTemp = path.join(lib.folders.outputs, `.abc-out.png.${process.pid}.deadbeef.tmp`);
      for (const f of [orphan, stray, deadTemp, liveTemp]) writeFileSync(f, 'x');
      // An output being moved into place by a live job (renamed, row not yet committed).
      const busy = lib.runs.create({ kind: 'denoise', params: {} });
      lib.runs.start(busy.id, process.pid);
      const moving = path.join(lib.folders.outputs, `${busy.id}-result.png`);
      writeFileSync(moving, 'x');

      const found = await checkLibrary(lib);
      expect(found.map((p) => [p.kind, p.what, p.fixed]).sort()).toEqual(
        [
          ['orphan-file', orphan, false],
          ['orphan-file', stray, false],
          ['temp-file', deadTemp, false],
        ].sort(),
      );
      expect(existsSync(orphan)).toBe(true);
      await checkLibrary(lib, { fix: true });
      expect([orphan, stray, deadTemp].filter(existsSync)).toEqual([]);
      expect([liveTemp, moving, keep.outputPath!].every(existsSync)).toBe(true);
      expect(await checkLibrary(lib)).toEqual([]);
    } finally {
      lib.close();
    }
  });

  it('reports foreign-key violations and schema bookkeeping that disagrees', async () => {
    const lib = fresh();
    try {
      lib.db.pragma('foreign_keys = OFF');
      lib.db
        .prepare(`INSERT INTO schedules (id, model_id, task, level, steps, file_path, file_sha256, created_at) VALUES ('00000000000000aa', ?, 'denoise', 25, 3, 'nowhere', ?, '2026-01-01T00:00:00.000Z')`)
        .run('9'.repeat(64), '0'.repeat(64));
      lib.db.pragma('foreign_keys = ON');
      lib.db.prepare('DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)').run();
      const found = await checkLibrary(lib, { fix: true });
      const byKind = Object.fromEntries(found.map((p) => [p.kind, p]));
      expect(byKind['foreign-key']).toMatchObject({ what: expect.stringContaining('schedules'), detail: expect.stringContaining('models'), fixed: false });
      const latest = latestVersion();
      expect(byKind.schema).toMatchObject({ detail: `PRAGMA user_version is ${latest} but schema_migrations records version ${latest - 1}`, fixed: false });
    } finally {
      lib.close();
    }
  });

  it('cannot be turned against another library: a second database in the same folder is refused', async () => {
    const first = openLibrary({ path: tmp.file('shared/a.sqlite'), shippedDir: tmp.file('no-shipped') });
    try {
      await finishedRun(first, 'precious');
      expect(() => openLibrary({ path: tmp.file('shared/b.sqlite'), shippedDir: tmp.file('no-shipped') })).toThrow(
        expect.objectContaining({ kind: 'library', message: expect.stringMatching(/library-files belongs to another library .* not to .*b\.sqlite/) }),
      );
      expect(await checkLibrary(first)).toEqual([]);
    } finally {
      first.close();
    }
    // The same database reopened (or moved with its folder) is still at home.
    openLibrary({ path: tmp.file('shared/a.sqlite'), shippedDir: tmp.file('no-shipped') }).close();
  });

  it('reports a damaged index found by PRAGMA integrity_check', async () => {
    const file = tmp.file('damaged/library.sqlite');
    let lib = openLibrary({ path: file, shippedDir: tmp.file('no-shipped') });
    const run = lib.runs.create({ kind: 'bench', params: {} });
    lib.close();
    // Change one byte of the run's timestamp inside the index page only: the table row no longer matches it.
    const db = new Database(file);
    const root = db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'runs_by_kind_created'`).pluck().get() as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const bytes = readFileSync(file);
    const page = bytes.subarray((root - 1) * pageSize, root * pageSize);
    const at = page.indexOf(run.createdAt);
    expect(at).toBeGreaterThan(0);
    page[at + run.createdAt.length - 2] = 'X'.charCodeAt(0);
    writeFileSync(file, bytes);

    lib = openLibrary({ path: file, shippedDir: tmp.file('no-shipped') });
    try {
      const found = await checkLibrary(lib, { fix: true });
      expect(found.filter((p) => p.kind === 'integrity').length).toBeGreaterThan(0);
      expect(found.find((p) => p.kind === 'integrity')!.detail).toMatch(/runs_by_kind_created/);
    } finally {
      lib.close();
    }
  });
});
