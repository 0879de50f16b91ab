/**
 * Shipped schedules (resources/schedules/*.gncs) in the library: registered in
 * place on open for models the library holds, flagged shipped, kept in step
 * with the install (vanished files drop their rows), skipped when invalid or
 * when their model is missing, refused by remove, and clean for check.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLibrary } from '../../src/library/check.js';
import { sha256FileSync } from '../../src/library/files.js';
import { openLibrary, type Library } from '../../src/library/library.js';
import { readModelInfo } from '../../src/library/model-info.js';
import { registerShippedSchedules, shippedScheduleFiles, shippedScheduleId } from '../../src/library/shipped-schedules.js';
import { shippedModelFiles } from '../../src/library/shipped.js';
import { shippedSchedulesDir, type VnSchedule } from '../../src/vn/schedule-file.js';
import { root, tempFolder, writeTinyModels } from './helpers.js';

const tmp = tempFolder('gnc-lib-shipped-schedules-');
let tiny: string[] = [];
beforeAll(async () => {
  mkdirSync(tmp.file('src'));
  tiny = await writeTinyModels(tmp.file('src'), 2, { seed: 11 });
});
afterAll(() => tmp.cleanup());

function schedule(modelFile: string, task: 'denoise' | 'inpaint', level: number, steps = 4): VnSchedule {
  const info = readModelInfo(modelFile);
  return {
    format: 'gnc-schedule',
    version: 1,
    modelId: info.id,
    modelName: path.basename(modelFile, '.gncm'),
    task,
    level,
    sigmas: Array.from({ length: steps }, (_, i) => 50 / (i + 1)),
    stepScales: Array.from({ length: steps }, () => 1),
    figures: { validationPsnr: 27.5 },
  };
}

/** A shipped models folder holding tiny-0, and an empty shipped schedules folder. */
function install(name: string): { models: string; schedules: string; write: (file: string, s: unknown) => string } {
  const models = tmp.file(`${name}/models`);
  const schedules = tmp.file(`${name}/schedules`);
  mkdirSync(models, { recursive: true });
  mkdirSync(schedules, { recursive: true });
  copyFileSync(tiny[0]!, path.join(models, 'tiny-0.gncm'));
  const write = (file: string, s: unknown) => {
    const target = path.join(schedules, file);
    writeFileSync(target, typeof s === 'string' ? s : JSON.stringify(s));
    return target;
  };
  return { models, schedules, write };
}

const open = (name: string, dirs: { models: string; schedules: string }): Library =>
  openLibrary({ path: tmp.file(`${name}/library.sqlite`), shippedDir: dirs.models, shippedSchedulesDir: dirs.schedules });

describe('shipped schedules', () => {
  it('are registered in place for a shipped model, flagged shipped, and not copied', async () => {
    const dirs = install('a');
    const file = dirs.write('tiny-0-denoise-25.gncs', schedule(tiny[0]!, 'denoise', 25));
    const lib = open('a', dirs);
    try {
      const rows = lib.schedules.list();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        id: shippedScheduleId('tiny-0-denoise-25'),
        modelId: readModelInfo(tiny[0]!).id,
        task: 'denoise',
        level: 25,
        steps: 4,
        filePath: file,
        fileSha256: sha256FileSync(file),
        figures: { validationPsnr: 27.5 },
        shipped: true,
      });
      expect(readdirSync(lib.folders.schedules)).toEqual([]);
      expect(lib.schedules.modelIds()).toEqual(new Set([readModelInfo(tiny[0]!).id]));
      // An unchanged install is not read again.
      expect(registerShippedSchedules(lib, lib.schedules, dirs.schedules)).toEqual({ added: [], updated: [], removed: [], skipped: [] });
      expect(await checkLibrary(lib)).toEqual([]);
    } finally {
      lib.close();
    }
  });

  it('follow the install: a vanished file loses its row, a changed one is updated', () => {
    const dirs = install('b');
    const denoise = dirs.write('tiny-0-denoise-25.gncs', schedule(tiny[0]!, 'denoise', 25));
    dirs.write('tiny-0-inpaint-0.5.gncs', schedule(tiny[0]!, 'inpaint', 0.5, 6));
    let lib = open('b', dirs);
    const id = shippedScheduleId('tiny-0-denoise-25');
    expect(lib.schedules.list().map((s) => [s.task, s.level])).toEqual([
      ['denoise', 25],
      ['inpaint', 0.5],
    ]);
    lib.close();

    rmSync(path.join(dirs.schedules, 'tiny-0-inpaint-0.5.gncs'));
    writeFileSync(denoise, JSON.stringify(schedule(tiny[0]!, 'denoise', 25, 8)));
    lib = open('b', dirs);
    try {
      expect(lib.schedules.list().map((s) => [s.id, s.task, s.steps])).toEqual([[id, 'denoise', 8]]);
      expect(lib.schedules.get(id).fileSha256).toBe(sha256FileSync(denoise));
    } finally {
      lib.close();
    }
  });

  it('skip a schedule whose model is not in the library, and invalid files, without failing the open; the schedule arrives with its model', async () => {
    const dirs = install('c');
    dirs.write('tiny-1-denoise-15.gncs', schedule(tiny[1]!, 'denoise', 15));
    dirs.write('broken.gncs', '{ not json');
    dirs.write('wrong-format.gncs', { ...schedule(tiny[0]!, 'denoise', 25), format: 'something-else' });
    let lib = open('c', dirs);
    try {
      expect(lib.schedules.list()).toEqual([]);
      const sync = registerShippedSchedules(lib, lib.schedules, dirs.schedules);
      expect(sync.added).toEqual([]); // unchanged: the fingerprint holds
      lib.db.prepare(`DELETE FROM library_meta WHERE key = 'shipped-schedules'`).run();
      const again = registerShippedSchedules(lib, lib.schedules, dirs.schedules);
      expect(again.skipped.map((s) => s.name).sort()).toEqual(['broken', 'tiny-1-denoise-15', 'wrong-format']);
      expect(again.skipped.find((s) => s.name === 'tiny-1-denoise-15')!.reason).toMatch(/its model tiny-1 \([0-9a-f]{12}\) is not in the library/);
      expect(again.skipped.find((s) => s.name === 'wrong-format')!.reason).toMatch(/expected format "gnc-schedule"/);
      await lib.models.add(tiny[1]!);
    } finally {
      lib.close();
    }
    lib = open('c', dirs);
    try {
      expect(lib.schedules.list().map((s) => [s.task, s.level, s.shipped])).toEqual([['denoise', 15, true]]);
    } finally {
      lib.close();
    }
  });

  it('cannot be removed, and go with their model when it leaves the install', () => {
    const dirs = install('d');
    dirs.write('tiny-0-denoise-25.gncs', schedule(tiny[0]!, 'denoise', 25));
    let lib = open('d', dirs);
    const id = shippedScheduleId('tiny-0-denoise-25');
    try {
      expect(() => lib.schedules.remove(id)).toThrow(/is a shipped schedule: it comes with GNC Studio .* and cannot be removed/);
      expect(lib.schedules.get(id).shipped).toBe(true);
    } finally {
      lib.close();
    }
    rmSync(path.join(dirs.models, 'tiny-0.gncm'));
    lib = open('d', dirs);
    try {
      expect(lib.models.list()).toEqual([]);
      expect(lib.schedules.list()).toEqual([]);
    } finally {
      lib.close();
    }
  });

  it('whose file vanishes while the library is open are reported by check, not dropped (the next open follows the install)', async () => {
    const dirs = install('e');
    const file = dirs.write('tiny-0-denoise-25.gncs', schedule(tiny[0]!, 'denoise', 25));
    const lib = open('e', dirs);
    try {
      rmSync(file);
      const found = await checkLibrary(lib, { fix: true });
      expect(found).toEqual([{ kind: 'missing-file', what: `schedule ${shippedScheduleId('tiny-0-denoise-25')}`, detail: `${file} does not exist (a shipped schedule: reinstall GNC Studio)`, fixed: false }]);
      expect(lib.schedules.list()).toHaveLength(1);
    } finally {
      lib.close();
    }
  });

  it('of this install are registered for their shipped models', () => {
    const lib = openLibrary({ path: tmp.file('real/library.sqlite') });
    try {
      const files = shippedScheduleFiles();
      expect(files.length).toBeGreaterThan(0);
      const shippedIds = new Set(lib.models.list({ shipped: true }).map((m) => m.id));
      expect(shippedModelFiles().length).toBe(shippedIds.size);
      const rows = lib.schedules.list();
      expect(rows.map((r) => r.id).sort()).toEqual(files.map((f) => shippedScheduleId(f.name)).sort());
      for (const r of rows) {
        expect(r.shipped).toBe(true);
        expect(shippedIds.has(r.modelId)).toBe(true);
        expect(path.dirname(r.filePath)).toBe(shippedSchedulesDir());
      }
    } finally {
      lib.close();
    }
  });
});

/** Every module a source file reaches through static imports (relative ones followed, packages listed). */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('the library open path', () => {
  it('stays free of tfjs: registering shipped schedules reads them without the model code', () => {
    const { files, packages } = importGraph(path.join(root, 'src/library/library.ts'));
    expect(files).toContain(path.join(root, 'src/library/shipped-schedules.ts'));
    expect([...packages].filter((p) => p.includes('tensorflow'))).toEqual([]);
    const rel = [...files].map((f) => path.relative(root, f));
    expect(rel.filter((f) => /prior\/(registry|model-file|foe)/.test(f))).toEqual([]);
  });
});
