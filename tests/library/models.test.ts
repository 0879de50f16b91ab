/**
 * Models and schedules in the library: shipped-model registration, adding,
 * finding by name / id / prefix, tags, notes, removal, and the errors users
 * see for unknown and ambiguous references.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/library/files.js';
import { openLibrary, type Library } from '../../src/library/library.js';
import { readModelInfo } from '../../src/library/model-info.js';
import { shippedModelFiles } from '../../src/library/shipped.js';
import { decodeModel } from '../../src/prior/model-file.js';
import { shippedModels } from '../../src/prior/registry.js';
import { GncError } from '../../src/util/errors.js';
import { tempFolder, writeTinyModels } from './helpers.js';

const tmp = tempFolder('gnc-lib-models-');
let tiny: string[] = [];
beforeAll(async () => {
  mkdirSync(tmp.file('src'));
  tiny = await writeTinyModels(tmp.file('src'), 4);
});
afterAll(() => tmp.cleanup());

let libs = 0;
function fresh(options: { shippedDir?: string; registerShipped?: boolean } = {}): Library {
  return openLibrary({ path: tmp.file(`lib-${++libs}/library.sqlite`), ...options });
}

function thrown(fn: () => unknown): GncError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GncError);
    return err as GncError;
  }
  throw new Error('expected an error');
}

describe('model files', () => {
  it('are read by the library exactly as prior/model-file.ts decodes them', () => {
    expect(shippedModelFiles()).toEqual(shippedModels());
    for (const m of [...shippedModels().map((s) => s.path), ...tiny]) {
      const bytes = readFileSync(m);
      const info = readModelInfo(m);
      const decoded = decodeModel(bytes, m);
      expect(info.id).toBe(decoded.id);
      expect(info.architecture).toEqual(decoded.architecture);
      expect(info.fileSha256).toBe(sha256(bytes));
    }
  });

  it('that are corrupt are refused with the file named', async () => {
    const lib = fresh({ registerShipped: false });
    try {
      const bad = tmp.file('bad.gncm');
      const bytes = readFileSync(tiny[0]!);
      bytes[bytes.length - 3]! ^= 0xff;
      writeFileSync(bad, bytes);
      await expect(lib.models.add(bad)).rejects.toMatchObject({ kind: 'invalid-model', message: expect.stringContaining('bad.gncm') });
      await expect(lib.models.add(tmp.file('missing.gncm'))).rejects.toMatchObject({ kind: 'not-found' });
      expect(readdirSync(lib.folders.models)).toEqual([]);
    } finally {
      lib.close();
    }
  });
});

describe('shipped models', () => {
  it('are registered in place on first open, flagged shipped, and not copied', () => {
    const lib = fresh();
    try {
      const rows = lib.models.list();
      // The library lists by name; the folder by file name ('-' sorts before '.'), so compare as sets.
      expect(rows.map((r) => r.name).sort()).toEqual(shippedModels().map((m) => m.name).sort());
      for (const r of rows) {
        expect(r.shipped).toBe(true);
        expect(r.filePath.startsWith(path.join(lib.dir, 'library-files'))).toBe(false);
        expect(existsSync(r.filePath)).toBe(true);
      }
      expect(readdirSync(lib.folders.models)).toEqual([]);
      expect(lib.models.get('grey-l1-dsm')).toMatchObject({ iterations: 3000, trainingData: expect.stringContaining('Train400') });
    } finally {
      lib.close();
    }
  });

  it('follow the install: new files are added, vanished ones dropped, unchanged ones left alone', async () => {
    const shippedDir = tmp.file('shipped');
    mkdirSync(shippedDir);
    copyFileSync(tiny[0]!, path.join(shippedDir, 'alpha.gncm'));
    copyFileSync(tiny[1]!, path.join(shippedDir, 'beta.gncm'));
    const file = tmp.file('lib-shipped/library.sqlite');
    let lib = openLibrary({ path: file, shippedDir });
    expect(lib.models.list().map((m) => [m.name, m.shipped])).toEqual([
      ['alpha', true],
      ['beta', true],
    ]);
    const before = lib.models.get('alpha').updatedAt;
    lib.close();

    await new Promise((r) => setTimeout(r, 5));
    lib = openLibrary({ path: file, shippedDir });
    expect(lib.models.get('alpha').updatedAt).toBe(before);
    lib.close();

    rmSync(path.join(shippedDir, 'beta.gncm'));
    copyFileSync(tiny[2]!, path.join(shippedDir, 'gamma.gncm'));
    lib = openLibrary({ path: file, shippedDir });
    try {
      expect(lib.models.list().map((m) => m.name)).toEqual(['alpha', 'gamma']);
      expect(lib.models.get('gamma').filePath).toBe(path.join(shippedDir, 'gamma.gncm'));
    } finally {
      lib.close();
    }
  });
});

describe('models.add and friends', () => {
  let lib: Library;
  beforeAll(() => {
    lib = fresh();
  });
  afterAll(() => lib.close());

  it('copy the file in, take the facts from its metadata, and add each identity once', async () => {
    const { row, added } = await lib.models.add(tiny[0]!, { tags: ['test', 'tiny'], notes: 'first' });
    const info = readModelInfo(tiny[0]!);
    expect(added).toBe(true);
    expect(row).toMatchObject({
      id: info.id,
      name: 'tiny-0',
      description: 'tiny test model 0',
      shipped: false,
      trainingData: 'none',
      settings: { seed: 0 },
      iterations: 10,
      validation: { psnr: 20 },
      tags: ['test', 'tiny'],
      notes: 'first',
      architecture: info.architecture,
      fileSha256: info.fileSha256,
    });
    expect(row.filePath).toBe(path.join(lib.folders.models, `${info.id}.gncm`));
    expect(sha256(readFileSync(row.filePath))).toBe(row.fileSha256);
    expect(row.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const copy = tmp.file('renamed-copy.gncm');
    copyFileSync(tiny[0]!, copy);
    const again = await lib.models.add(copy, { name: 'other name' });
    expect(again.added).toBe(false);
    expect(again.row.name).toBe('tiny-0');
    expect(readdirSync(lib.folders.models)).toEqual([`${info.id}.gncm`]);
  });

  it('keep names unique: an explicit clash is an error, a default name gets a suffix', async () => {
    const err = await lib.models.add(tiny[1]!, { name: 'tiny-0' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'library', message: expect.stringContaining('already named "tiny-0"') });
    expect(readdirSync(lib.folders.models)).toHaveLength(1);

    const clash = tmp.file('clash');
    mkdirSync(clash);
    const [sameName] = await writeTinyModels(clash, 1, { seed: 99 }); // metadata name "tiny-0", other weights
    const { row } = await lib.models.add(sameName!);
    expect(row.name).toBe('tiny-0-2');
  });

  it('find models by name, full id or a unique id prefix of at least 6 characters', async () => {
    const { row } = await lib.models.add(tiny[1]!);
    expect(lib.models.get('tiny-1').id).toBe(row.id);
    expect(lib.models.get(row.id).id).toBe(row.id);
    expect(lib.models.get(row.id.slice(0, 6)).id).toBe(row.id);
    expect(lib.models.get(row.id.slice(0, 10).toUpperCase()).id).toBe(row.id);
    expect(lib.models.find(row.id.slice(0, 5))).toBeUndefined();
  });

  it('name what was tried and what exists when a reference is unknown', () => {
    const err = thrown(() => lib.models.get('no-such-model'));
    expect(err.kind).toBe('unknown-model');
    expect(err.message).toContain('"no-such-model"');
    expect(err.message).toContain('tiny-1');
    expect(err.message).toContain('grey-l1-dsm');
  });

  it('call an id prefix shared by two models ambiguous, naming both', () => {
    const at = new Date().toISOString();
    const insert = lib.db.prepare(
      `INSERT INTO models (id, name, architecture, file_path, file_sha256, file_bytes, created_at, updated_at) VALUES (?, ?, '{}', 'x', ?, 0, ?, ?)`,
    );
    insert.run(`abcdef01${'0'.repeat(56)}`, 'twin-a', '0'.repeat(64), at, at);
    insert.run(`abcdef02${'0'.repeat(56)}`, 'twin-b', '0'.repeat(64), at, at);
    const err = thrown(() => lib.models.get('abcdef'));
    expect(err.kind).toBe('unknown-model');
    expect(err.message).toMatch(/ambiguous/);
    expect(err.message).toContain('twin-a');
    expect(err.message).toContain('twin-b');
    expect(lib.models.get('abcdef01').name).toBe('twin-a');
    lib.db.prepare(`DELETE FROM models WHERE name IN ('twin-a', 'twin-b')`).run();
  });

  it('tag, annotate and rename', () => {
    expect(lib.models.tag('tiny-1', ['a', 'b'], []).tags).toEqual(['a', 'b']);
    expect(lib.models.tag('tiny-1', ['c'], ['a', 'not-there']).tags).toEqual(['b', 'c']);
    expect(lib.models.list({ tag: 'c' }).map((m) => m.name)).toEqual(['tiny-1']);
    expect(thrown(() => lib.models.tag('tiny-1', ['has space'])).kind).toBe('invalid-argument');
    expect(lib.models.setNotes('tiny-1', 'good at σ 25').notes).toBe('good at σ 25');
    expect(lib.models.rename('tiny-1', 'renamed').name).toBe('renamed');
    expect(thrown(() => lib.models.rename('renamed', 'tiny-0')).kind).toBe('library');
  });

  it('refuse to remove a shipped model', () => {
    const err = thrown(() => lib.models.remove('grey-l1-dsm'));
    expect(err.kind).toBe('library');
    expect(err.message).toMatch(/shipped/);
    expect(lib.models.get('grey-l1-dsm').shipped).toBe(true);
  });

  it('remove a model with its schedules and files, keeping runs that used it', async () => {
    const { row } = await lib.models.add(tiny[2]!);
    const scheduleFile = tmp.file('schedule.json');
    writeFileSync(scheduleFile, JSON.stringify({ steps: [1, 2, 3] }));
    const schedule = await lib.schedules.add(scheduleFile, { model: 'tiny-2', task: 'denoise', level: 25, steps: 3, figures: { psnr: 29.1 } });
    expect(schedule).toMatchObject({ modelId: row.id, task: 'denoise', level: 25, steps: 3, figures: { psnr: 29.1 } });
    expect(path.dirname(schedule.filePath)).toBe(lib.folders.schedules);
    expect(schedule.filePath.endsWith('.json')).toBe(true);
    expect(readFileSync(schedule.filePath, 'utf8')).toBe(readFileSync(scheduleFile, 'utf8'));
    expect(lib.schedules.get(schedule.id.slice(0, 6)).id).toBe(schedule.id);
    const run = lib.runs.create({ kind: 'denoise', method: 'gnc', model: 'tiny-2', params: { sigma: 25 } });

    lib.models.remove(row.id.slice(0, 8));
    expect(lib.models.find('tiny-2')).toBeUndefined();
    expect(existsSync(row.filePath)).toBe(false);
    expect(lib.schedules.find(schedule.id)).toBeUndefined();
    expect(existsSync(schedule.filePath)).toBe(false);
    expect(lib.runs.get(run.id).modelId).toBeNull();
  });

  it('validate schedule fields and name the unknown model', async () => {
    const f = tmp.file('s2.bin');
    writeFileSync(f, 'x');
    await expect(lib.schedules.add(f, { model: 'tiny-0', task: 'deblur' as never, level: 25, steps: 3 })).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(lib.schedules.add(f, { model: 'tiny-0', task: 'inpaint', level: 80, steps: 3 })).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringContaining('missing fraction') });
    await expect(lib.schedules.add(f, { model: 'nope', task: 'denoise', level: 25, steps: 3 })).rejects.toMatchObject({ kind: 'unknown-model' });
    const s = await lib.schedules.add(f, { model: 'tiny-0', task: 'inpaint', level: 0.8, steps: 5 });
    // Filtered by model too: the shipped schedules (of the shipped models) are in this library as well.
    expect(lib.schedules.list({ task: 'inpaint', modelId: s.modelId }).map((x) => x.id)).toEqual([s.id]);
    lib.schedules.remove(s.id);
    expect(existsSync(s.filePath)).toBe(false);
    expect(thrown(() => lib.schedules.get(s.id)).kind).toBe('not-found');
  });

  it('report a hand-corrupted JSON column with table, row and column', () => {
    const id = lib.models.get('tiny-0').id;
    lib.db.pragma('ignore_check_constraints = ON');
    lib.db.prepare(`UPDATE models SET settings = '{broken' WHERE id = ?`).run(id);
    lib.db.pragma('ignore_check_constraints = OFF');
    const err = thrown(() => lib.models.get('tiny-0'));
    expect(err.kind).toBe('library');
    expect(err.message).toMatch(/models row .* column settings holds invalid JSON/);
    lib.db.prepare(`UPDATE models SET settings = NULL WHERE id = ?`).run(id);
  });
});
