/**
 * .gncpack bundles: a model with its schedules exported from one library and
 * imported into another arrives intact; importing it twice is a no-op; any
 * flipped byte, truncation or tampering is refused before anything is written.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBundle, exportBundle, importBundle, PACK_MAGIC } from '../../src/library/bundle.js';
import { checkLibrary } from '../../src/library/check.js';
import { sha256 } from '../../src/library/files.js';
import { openLibrary, type Library } from '../../src/library/library.js';
import { GncError } from '../../src/util/errors.js';
import { mulberry } from '../helpers/random.js';
import { tempFolder, writeTinyModels } from './helpers.js';

const tmp = tempFolder('gnc-lib-bundle-');
let source: Library;
let target: Library;
let pack: string;
let modelId: string;

beforeAll(async () => {
  mkdirSync(tmp.file('src'));
  const [model] = await writeTinyModels(tmp.file('src'), 1, { name: 'shared' });
  source = openLibrary({ path: tmp.file('a/library.sqlite'), registerShipped: false });
  target = openLibrary({ path: tmp.file('b/library.sqlite'), registerShipped: false });
  const { row } = await source.models.add(model!, { tags: ['portable'], notes: 'trained on my photos' });
  modelId = row.id;
  for (const [task, level] of [
    ['denoise', 25],
    ['inpaint', 0.8],
  ] as const) {
    const f = tmp.file(`${task}.json`);
    writeFileSync(f, JSON.stringify({ task, level, steps: [0.1, 0.2] }));
    await source.schedules.add(f, { model: 'shared-0', task, level, steps: 2, figures: { psnr: 28 } });
  }
  pack = tmp.file('shared.gncpack');
  await exportBundle(source, 'shared-0', pack);
});
afterAll(() => {
  source.close();
  target.close();
  tmp.cleanup();
});

async function importError(bytes: Buffer): Promise<GncError> {
  const f = tmp.file(`bad-${Math.random().toString(16).slice(2)}.gncpack`);
  writeFileSync(f, bytes);
  const err = await importBundle(target, f).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GncError);
  return err as GncError;
}

describe('model bundles', () => {
  it('carry a model with its schedules, tags and notes into another library', async () => {
    expect(readFileSync(pack).toString('latin1', 0, 8)).toBe(PACK_MAGIC);
    const result = await importBundle(target, pack);
    expect(result).toMatchObject({ added: true, schedules: 2 });
    const a = source.models.get(modelId);
    const b = target.models.get(modelId);
    expect({ ...b, filePath: '', createdAt: '', updatedAt: '' }).toEqual({ ...a, filePath: '', createdAt: '', updatedAt: '' });
    expect(b.createdAt).toBe(a.createdAt);
    expect(sha256(readFileSync(b.filePath))).toBe(a.fileSha256);
    const strip = (lib: Library) => lib.schedules.list({ modelId }).map((s) => ({ ...s, filePath: readFileSync(s.filePath, 'utf8') }));
    expect(strip(target)).toEqual(strip(source));
    expect(await checkLibrary(target)).toEqual([]);
  });

  it('say so and change nothing when the model is already present', async () => {
    const before = readdirSync(target.folders.schedules).sort();
    const result = await importBundle(target, pack);
    expect(result.added).toBe(false);
    expect(result.message).toMatch(/already in the library/);
    expect(readdirSync(target.folders.schedules).sort()).toEqual(before);
  });

  it('refuse any flipped byte, naming the bundle, before writing anything', async () => {
    const fresh = openLibrary({ path: tmp.file('c/library.sqlite'), registerShipped: false });
    try {
      const good = readFileSync(pack);
      const rand = mulberry(11);
      // Every region: magic, version, header length, header checksum, header, model bytes, schedule bytes.
      const positions = [0, 9, 13, 20, 60, good.length - 40, good.length - 1, ...Array.from({ length: 12 }, () => Math.floor(rand() * good.length))];
      for (const at of positions) {
        const bad = Buffer.from(good);
        bad[at]! ^= 0x10;
        const f = tmp.file(`flip-${at}.gncpack`);
        writeFileSync(f, bad);
        const err = await importBundle(fresh, f).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, `flipped byte ${at}`).toBeInstanceOf(GncError);
        expect((err as GncError).message).toContain(f);
      }
      expect(fresh.models.list()).toEqual([]);
      expect([...readdirSync(fresh.folders.models), ...readdirSync(fresh.folders.schedules)]).toEqual([]);
    } finally {
      fresh.close();
    }
  });

  it('explain truncation, trailing bytes, a wrong magic and a newer version', async () => {
    const good = readFileSync(pack);
    expect((await importError(good.subarray(0, good.length - 5))).message).toMatch(/truncated/);
    expect((await importError(good.subarray(0, 30))).message).toMatch(/truncated/);
    expect((await importError(Buffer.concat([good, Buffer.from('x')]))).message).toMatch(/1 unexpected bytes after the last entry/);
    expect((await importError(Buffer.from('hello, this is not a bundle at all, not even close to one'))).message).toMatch(/not a GNC Studio model bundle/);
    const newer = Buffer.from(good);
    newer.writeUInt32LE(2, 8);
    expect((await importError(newer)).message).toMatch(/unsupported bundle version 2 \(this build reads version 1\)/);
  });

  it('refuse a bundle whose model is not the one its header claims, even with consistent checksums', async () => {
    const good = readFileSync(pack);
    const { header, blobs } = decodeBundle(good, 'x');
    expect(header.model.id).toBe(modelId);
    expect(header.entries.map((e) => e.role)).toEqual(['model', 'schedule', 'schedule']);
    // A well-formed bundle (all checksums right) that lies about which model it holds.
    const lie = Buffer.from(JSON.stringify({ ...header, model: { ...header.model, id: 'f'.repeat(64) } }));
    const pre = Buffer.from(good.subarray(0, 48));
    pre.writeUInt32LE(lie.length, 12);
    Buffer.from(sha256(lie), 'hex').copy(pre, 16);
    const err = await importError(Buffer.concat([pre, lie, ...blobs]));
    expect(err.message).toMatch(new RegExp(`says it holds model f{64} but its model file has identity ${modelId}`));
  });

  it('cannot export a model whose file no longer matches its checksum', async () => {
    const row = source.models.get(modelId);
    const bytes = readFileSync(row.filePath);
    const copy = Buffer.from(bytes);
    copy[30]! ^= 1;
    writeFileSync(row.filePath, copy);
    try {
      await expect(exportBundle(source, modelId, tmp.file('never.gncpack'))).rejects.toMatchObject({ kind: 'library', message: expect.stringContaining('gnc library check') });
    } finally {
      writeFileSync(row.filePath, bytes);
    }
  });
});
