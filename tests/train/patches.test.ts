import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage, writeImage } from '../../src/image/io.js';
import type { RasterImage } from '../../src/image/types.js';
import { PatchSampler, extractPatch, listImages } from '../../src/train/patches.js';
import type { PatchBatch, PatchSamplerOptions } from '../../src/train/patches.js';
import { GncError } from '../../src/util/errors.js';
import { Prng } from '../../src/util/random.js';
import { mulberry } from '../helpers/random.js';

const root = mkdtempSync(join(tmpdir(), 'gnc-patches-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let folderCount = 0;
const newFolder = (): string => {
  const dir = join(root, `set${folderCount++}`);
  mkdirSync(dir);
  return dir;
};

const U16 = 65535;

/**
 * An RGB image whose pixels encode where they are: R = x, G = y, B = id, as
 * 16-bit samples (exact through a 16-bit PNG).
 */
function coordinateImage(id: number, width: number, height: number): RasterImage {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = x / U16;
      data[i + 1] = y / U16;
      data[i + 2] = id / U16;
    }
  }
  return { width, height, channels: 3, data };
}

async function writeCoordinateImages(dir: string, sizes: Array<[number, number]>): Promise<string[]> {
  const files: string[] = [];
  for (let id = 0; id < sizes.length; id++) {
    const file = join(dir, `img${String(id).padStart(2, '0')}.png`);
    await writeImage(file, coordinateImage(id, sizes[id]![0], sizes[id]![1]), { bitDepth: 16 });
    files.push(file);
  }
  return files;
}

function randomImage(seed: number, width: number, height: number, channels: 1 | 3): RasterImage {
  const r = mulberry(seed);
  const data = new Float32Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(r() * 255) / 255;
  return { width, height, channels, data };
}

/** The P×P×C patch i of a batch. */
function patchOf(batch: PatchBatch, i: number): Float32Array {
  const { h, w, c } = batch.shape;
  return batch.data.subarray(i * h * w * c, (i + 1) * h * w * c);
}

// --- an independent model of the dihedral group: rotations by 90° and a mirror

type Grid<T> = T[][];
const rot90 = <T>(g: Grid<T>): Grid<T> => g[0]!.map((_, c) => g.map((row) => row[c]!).reverse());
const mirror = <T>(g: Grid<T>): Grid<T> => g.map((row) => [...row].reverse());
/** The 8 transforms of g, labelled "r{quarter turns}{m if mirrored first}". */
function dihedralImages<T>(g: Grid<T>): Array<[string, Grid<T>]> {
  const out: Array<[string, Grid<T>]> = [];
  for (const m of [false, true]) {
    let h = m ? mirror(g) : g;
    for (let r = 0; r < 4; r++) {
      out.push([`r${r}${m ? 'm' : ''}`, h]);
      h = rot90(h);
    }
  }
  return out;
}

function cropGrid(image: RasterImage, x0: number, y0: number, P: number): Grid<string> {
  const C = image.channels;
  const g: Grid<string> = [];
  for (let r = 0; r < P; r++) {
    const row: string[] = [];
    for (let c = 0; c < P; c++) {
      const i = ((y0 + r) * image.width + x0 + c) * C;
      row.push(Array.from(image.data.subarray(i, i + C)).join(','));
    }
    g.push(row);
  }
  return g;
}

function patchGrid(patch: Float32Array, P: number, C: number): Grid<string> {
  const g: Grid<string> = [];
  for (let r = 0; r < P; r++) {
    const row: string[] = [];
    for (let c = 0; c < P; c++) row.push(Array.from(patch.subarray((r * P + c) * C, (r * P + c + 1) * C)).join(','));
    g.push(row);
  }
  return g;
}

const sameGrid = (a: Grid<string>, b: Grid<string>): boolean => a.every((row, r) => row.every((v, c) => v === b[r]![c]));

/**
 * For a patch of coordinate images: checks it is a dihedral transform of a
 * crop of image `id` (read from the B channel) and returns id and transform.
 */
function locateCoordinatePatch(patch: Float32Array, P: number, sizes: Array<[number, number]>): { id: number; x0: number; y0: number; transform: string } {
  const xs: number[] = [], ys: number[] = [], ids = new Set<number>();
  for (let p = 0; p < P * P; p++) {
    xs.push(Math.round(patch[3 * p]! * U16));
    ys.push(Math.round(patch[3 * p + 1]! * U16));
    ids.add(Math.round(patch[3 * p + 2]! * U16));
  }
  expect(ids.size).toBe(1);
  const id = [...ids][0]!;
  const [width, height] = sizes[id]!;
  const x0 = Math.min(...xs), y0 = Math.min(...ys);
  expect(x0 + P).toBeLessThanOrEqual(width);
  expect(y0 + P).toBeLessThanOrEqual(height);
  const crop: Grid<string> = [];
  for (let r = 0; r < P; r++) crop.push(Array.from({ length: P }, (_, c) => `${x0 + c},${y0 + r}`));
  const got: Grid<string> = [];
  for (let r = 0; r < P; r++) got.push(Array.from({ length: P }, (_, c) => `${xs[r * P + c]},${ys[r * P + c]}`));
  const match = dihedralImages(crop).find(([, g]) => sameGrid(g, got));
  expect(match, 'patch is a dihedral transform of a crop').toBeDefined();
  return { id, x0, y0, transform: match![0] };
}

const COORD_SIZES: Array<[number, number]> = [
  [20, 14],
  [13, 25],
  [16, 16],
  [31, 11],
  [12, 12],
];
let coordDir: string;
beforeAll(async () => {
  coordDir = newFolder();
  await writeCoordinateImages(coordDir, COORD_SIZES);
});

const base = (over: Partial<PatchSamplerOptions> = {}): PatchSamplerOptions => ({ dir: coordDir, patchSize: 5, batchSize: 16, channels: 3, seed: 7, ...over });

async function expectGncError(promise: Promise<unknown>, kind: string, ...fragments: string[]): Promise<GncError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GncError);
  expect((err as GncError).kind).toBe(kind);
  for (const f of fragments) expect((err as GncError).message).toContain(f);
  return err as GncError;
}

describe('listImages', () => {
  it('lists image files by extension, case-insensitively, sorted by name', async () => {
    const dir = newFolder();
    const img = randomImage(1, 4, 4, 1);
    for (const name of ['b.PNG', 'a.jpg', 'c.Tiff', 'd.webp', 'e.jpeg', 'f.tif']) await writeImage(join(dir, name), img);
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    writeFileSync(join(dir, '.hidden.png'), 'x');
    mkdirSync(join(dir, 'sub.png'));
    const files = await listImages(dir);
    expect(files).toEqual(['a.jpg', 'b.PNG', 'c.Tiff', 'd.webp', 'e.jpeg', 'f.tif'].map((n) => join(dir, n)));
  });

  it('names the folder when it is missing or holds no images', async () => {
    const missing = join(root, 'no-such-folder');
    await expectGncError(listImages(missing), 'io', missing, 'does not exist');
    const empty = newFolder();
    writeFileSync(join(empty, 'readme.md'), '#');
    await expectGncError(listImages(empty), 'invalid-argument', empty, 'holds no images');
    await expectGncError(PatchSampler.create({ dir: empty, patchSize: 4, batchSize: 2, channels: 1 }), 'invalid-argument', empty);
    await expectGncError(PatchSampler.create({ dir: missing, patchSize: 4, batchSize: 2, channels: 1 }), 'io', missing);
  });
});

describe('PatchSampler', () => {
  it('returns NHWC batches of the asked shape with values in [0, 1]', async () => {
    for (const channels of [1, 3] as const) {
      const sampler = await PatchSampler.create(base({ channels, patchSize: 6, batchSize: 9 }));
      const batch = await sampler.next();
      expect(batch.shape).toEqual({ n: 9, h: 6, w: 6, c: channels });
      expect(batch.data).toBeInstanceOf(Float32Array);
      expect(batch.data.length).toBe(9 * 6 * 6 * channels);
      for (const v of batch.data) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const run = async (seed: number): Promise<Float32Array[]> => {
      const s = await PatchSampler.create(base({ seed }));
      return [await s.next(), await s.next(), await s.next()].map((b) => b.data);
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    for (let i = 0; i < 3; i++) expect(Buffer.from(b[i]!.buffer).equals(Buffer.from(a[i]!.buffer))).toBe(true);
    expect(Buffer.from(c[0]!.buffer).equals(Buffer.from(a[0]!.buffer))).toBe(false);
  });

  it('serves overlapping next() calls in order, as if awaited one by one', async () => {
    const s1 = await PatchSampler.create(base());
    const [x, y] = await Promise.all([s1.next(), s1.next()]);
    const s2 = await PatchSampler.create(base());
    const a = await s2.next();
    const b = await s2.next();
    expect(x.data).toEqual(a.data);
    expect(y.data).toEqual(b.data);
  });

  it('cuts every patch from its image, under all 8 dihedral transforms, from every image', async () => {
    const sampler = await PatchSampler.create(base({ batchSize: 32 }));
    const transforms = new Map<string, number>();
    const ids = new Set<number>();
    for (let b = 0; b < 10; b++) {
      const batch = await sampler.next();
      for (let i = 0; i < batch.shape.n; i++) {
        const { id, transform } = locateCoordinatePatch(patchOf(batch, i), 5, COORD_SIZES);
        ids.add(id);
        transforms.set(transform, (transforms.get(transform) ?? 0) + 1);
      }
    }
    expect(transforms.size).toBe(8);
    for (const n of transforms.values()) expect(n).toBeGreaterThan(10); // 320 patches, ~40 each
    expect(ids).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it('reaches every crop position and only the identity without augment', async () => {
    const dir = newFolder();
    const sizes: Array<[number, number]> = [[7, 6]];
    await writeCoordinateImages(dir, sizes);
    const sampler = await PatchSampler.create({ dir, patchSize: 4, batchSize: 50, channels: 'colour', augment: false, seed: 3 });
    const positions = new Set<string>();
    for (let b = 0; b < 4; b++) {
      const batch = await sampler.next();
      for (let i = 0; i < batch.shape.n; i++) {
        const { x0, y0, transform } = locateCoordinatePatch(patchOf(batch, i), 4, sizes);
        expect(transform).toBe('r0');
        positions.add(`${x0},${y0}`);
      }
    }
    expect(positions.size).toBe(4 * 3); // (7-4+1) × (6-4+1)
  });

  it('converts RGB to grey by luma 0.299/0.587/0.114 and passes grey images through', async () => {
    const dir = newFolder();
    const rgb = randomImage(11, 9, 8, 3);
    const grey = randomImage(12, 8, 10, 1);
    await writeImage(join(dir, 'a-rgb.png'), rgb);
    await writeImage(join(dir, 'b-grey.png'), grey);
    const decoded = [await readImage(join(dir, 'a-rgb.png')), await readImage(join(dir, 'b-grey.png'))];
    const lumaData = new Float32Array(9 * 8);
    for (let p = 0; p < lumaData.length; p++) {
      const d = decoded[0]!.data;
      lumaData[p] = 0.299 * d[3 * p]! + 0.587 * d[3 * p + 1]! + 0.114 * d[3 * p + 2]!;
    }
    const greyImages: RasterImage[] = [{ width: 9, height: 8, channels: 1, data: lumaData }, decoded[1]!];
    const P = 3;
    const sampler = await PatchSampler.create({ dir, patchSize: P, batchSize: 40, channels: 'grey', seed: 5 });
    const batch = await sampler.next();
    expect(batch.shape.c).toBe(1);
    const fromImage = [0, 0];
    for (let i = 0; i < 40; i++) {
      const got = patchGrid(patchOf(batch, i), P, 1);
      let found = -1;
      greyImages.forEach((img, k) => {
        for (let y0 = 0; y0 + P <= img.height && found < 0; y0++) {
          for (let x0 = 0; x0 + P <= img.width && found < 0; x0++) {
            if (dihedralImages(cropGrid(img, x0, y0, P)).some(([, g]) => sameGrid(g, got))) found = k;
          }
        }
      });
      expect(found, `patch ${i} is a transformed crop of a grey image`).toBeGreaterThanOrEqual(0);
      fromImage[found]! += 1;
    }
    expect(fromImage[0]).toBeGreaterThan(5);
    expect(fromImage[1]).toBeGreaterThan(5);
  });

  it('skips grey images in a colour sampler, and refuses a colour sampler with only grey ones', async () => {
    const dir = newFolder();
    await writeImage(join(dir, 'a.png'), randomImage(1, 8, 8, 3));
    await writeImage(join(dir, 'b.png'), randomImage(2, 8, 8, 1));
    const sampler = await PatchSampler.create({ dir, patchSize: 4, batchSize: 4, channels: 3 });
    expect(sampler.trainingFiles).toEqual([join(dir, 'a.png')]);
    expect(sampler.skipped).toEqual([expect.objectContaining({ file: join(dir, 'b.png'), reason: 'grey' })]);
    await expectGncError(PatchSampler.create({ files: [join(dir, 'b.png')], patchSize: 4, batchSize: 4, channels: 3 }), 'invalid-argument', 'colour', 'grey');
  });

  it('keeps the LRU cache within its byte budget and still serves correct patches', async () => {
    const dir = newFolder();
    const sizes = Array.from({ length: 10 }, (): [number, number] => [16, 16]);
    await writeCoordinateImages(dir, sizes);
    const imageBytes = 16 * 16 * 3 * 4;
    const budget = 3 * imageBytes + 100;
    const sampler = await PatchSampler.create({ dir, patchSize: 4, batchSize: 6, channels: 3, seed: 1, cacheBytes: budget });
    for (let b = 0; b < 20; b++) {
      const batch = await sampler.next();
      for (let i = 0; i < batch.shape.n; i++) locateCoordinatePatch(patchOf(batch, i), 4, sizes);
      const stats = sampler.cacheStats();
      expect(stats.bytes).toBeLessThanOrEqual(budget);
      expect(stats.entries).toBeLessThanOrEqual(3);
      expect(stats.bytes).toBe(stats.entries * imageBytes);
    }
    const stats = sampler.cacheStats();
    expect(stats.entries).toBe(3);
    expect(stats.misses).toBeGreaterThan(10); // more images than fit: evictions force re-decoding
    expect(stats.hits).toBeGreaterThan(0);

    // Same patches whatever the cache: a roomy cache and no cache at all agree.
    const roomy = await PatchSampler.create({ dir, patchSize: 4, batchSize: 6, channels: 3, seed: 1 });
    const none = await PatchSampler.create({ dir, patchSize: 4, batchSize: 6, channels: 3, seed: 1, cacheBytes: 0 });
    const small = await PatchSampler.create({ dir, patchSize: 4, batchSize: 6, channels: 3, seed: 1, cacheBytes: budget });
    for (let b = 0; b < 5; b++) {
      const [x, y, z] = [await roomy.next(), await none.next(), await small.next()];
      expect(y.data).toEqual(x.data);
      expect(z.data).toEqual(x.data);
    }
    expect(roomy.cacheStats().entries).toBe(10);
    expect(none.cacheStats()).toMatchObject({ entries: 0, bytes: 0, hits: 0 });
  });

  it('resumes bit-exactly from a JSON round trip of its state', async () => {
    const options = base({ batchSize: 7, cacheBytes: 2 * 31 * 11 * 3 * 4 });
    const uninterrupted = await PatchSampler.create(options);
    const batches: Float32Array[] = [];
    let saved: unknown;
    for (let k = 0; k < 6; k++) {
      batches.push((await uninterrupted.next()).data);
      if (k === 2) saved = JSON.parse(JSON.stringify(uninterrupted.state()));
    }
    const resumed = await PatchSampler.restore(options, saved as ReturnType<PatchSampler['state']>);
    expect(resumed.state()).toEqual(saved);
    for (let k = 3; k < 6; k++) {
      const data = (await resumed.next()).data;
      expect(Buffer.from(data.buffer).equals(Buffer.from(batches[k]!.buffer))).toBe(true);
    }
    expect(resumed.state()).toEqual(uninterrupted.state());
    expect(uninterrupted.state().batches).toBe(6);
    expect(uninterrupted.state().patches).toBe(42);

    // The stream is per patch: resuming with another batch size continues it.
    const rechunked = await PatchSampler.restore({ ...options, batchSize: 14 }, saved as ReturnType<PatchSampler['state']>);
    const joined = new Float32Array(14 * 5 * 5 * 3);
    joined.set(batches[3]!);
    joined.set(batches[4]!, batches[3]!.length);
    expect((await rechunked.next()).data).toEqual(joined);

    // A state from other images or options is refused rather than silently diverging.
    await expectGncError(PatchSampler.restore({ ...options, patchSize: 6 }, saved as ReturnType<PatchSampler['state']>), 'invalid-argument', 'different');
    await expectGncError(PatchSampler.restore({ ...options, holdout: 1 }, saved as ReturnType<PatchSampler['state']>), 'invalid-argument', 'different');
    await expectGncError(PatchSampler.restore(options, { ...(saved as object), rng: [0, 0, 0, 0] } as never), 'invalid-argument');
  });

  it('never samples the held-out validation files', async () => {
    const sampler = await PatchSampler.create(base({ holdout: 2, batchSize: 40 }));
    const files = await listImages(coordDir);
    expect(sampler.validationFiles).toEqual(files.slice(3));
    expect(sampler.trainingFiles).toEqual(files.slice(0, 3));
    const ids = new Set<number>();
    for (let b = 0; b < 5; b++) {
      const batch = await sampler.next();
      for (let i = 0; i < batch.shape.n; i++) ids.add(locateCoordinatePatch(patchOf(batch, i), 5, COORD_SIZES).id);
    }
    expect(ids).toEqual(new Set([0, 1, 2]));
    await expectGncError(PatchSampler.create(base({ holdout: 5 })), 'invalid-argument', 'holdout', coordDir);
  });

  it('skips images smaller than the patch and refuses when none is large enough', async () => {
    const sampler = await PatchSampler.create(base({ patchSize: 14, batchSize: 30 }));
    // 20×14 and 16×16 fit; 13×25, 31×11 and 12×12 do not.
    expect(sampler.trainingFiles.map((f) => f.slice(-9))).toEqual(['img00.png', 'img02.png']);
    expect(sampler.skipped.map((s) => [s.file.slice(-9), s.reason])).toEqual([
      ['img01.png', 'too-small'],
      ['img03.png', 'too-small'],
      ['img04.png', 'too-small'],
    ]);
    expect(sampler.skipped[0]!.message).toContain('13×25');
    const batch = await sampler.next();
    for (let i = 0; i < batch.shape.n; i++) expect([0, 2]).toContain(locateCoordinatePatch(patchOf(batch, i), 14, COORD_SIZES).id);
    await expectGncError(PatchSampler.create(base({ patchSize: 40 })), 'invalid-argument', '40×40', '5 too-small', coordDir);
  });

  it('accepts an explicit file list and checks its options', async () => {
    const files = (await listImages(coordDir)).slice(0, 2);
    const sampler = await PatchSampler.create({ files, patchSize: 4, batchSize: 3, channels: 3 });
    expect(sampler.trainingFiles).toEqual(files);
    await expectGncError(PatchSampler.create({ files: [...files, join(coordDir, 'gone.png')], patchSize: 4, batchSize: 3, channels: 3 }), 'io', 'gone.png');
    await expectGncError(PatchSampler.create({ dir: coordDir, files, patchSize: 4, batchSize: 3, channels: 3 }), 'invalid-argument');
    await expectGncError(PatchSampler.create(base({ patchSize: 0 })), 'invalid-argument', 'patchSize');
    await expectGncError(PatchSampler.create(base({ batchSize: 2.5 })), 'invalid-argument', 'batchSize');
    await expectGncError(PatchSampler.create(base({ channels: 2 as never })), 'invalid-argument', 'channels');
  });
});

describe('extractPatch', () => {
  it('implements the 8 dihedral transforms, k = 0 the identity', () => {
    const img = randomImage(3, 6, 5, 1);
    const P = 3;
    const crop = cropGrid(img, 2, 1, P);
    const seen = new Set<string>();
    for (let k = 0; k < 8; k++) {
      const out = new Float32Array(P * P);
      extractPatch(img, 2, 1, P, k, out);
      const match = dihedralImages(crop).find(([, g]) => sameGrid(g, patchGrid(out, P, 1)));
      expect(match).toBeDefined();
      seen.add(match![0]);
      if (k === 0) expect(match![0]).toBe('r0');
    }
    expect(seen.size).toBe(8);
    expect(() => extractPatch(img, 4, 0, P, 0, new Float32Array(9))).toThrow(GncError);
  });
});

describe('Prng state', () => {
  it('continues bit for bit after fromState(getState()), spare Gaussian included', () => {
    const a = new Prng(123);
    a.uniform();
    a.gaussian(); // leaves a spare
    const state = JSON.parse(JSON.stringify(a.getState())) as number[];
    expect(state).toHaveLength(5);
    const b = Prng.fromState(state);
    for (let i = 0; i < 50; i++) {
      expect(b.gaussian()).toBe(a.gaussian());
      expect(b.nextUint32()).toBe(a.nextUint32());
      expect(b.uniform()).toBe(a.uniform());
    }
    const c = new Prng(9);
    expect(c.getState()).toHaveLength(4);
    expect(Prng.fromState(c.getState()).nextUint32()).toBe(c.nextUint32());
    expect(() => Prng.fromState([0, 0, 0, 0])).toThrow(GncError);
    expect(() => Prng.fromState([1, 2, 3])).toThrow(GncError);
    expect(() => Prng.fromState([1, 2, 3, 2 ** 32])).toThrow(GncError);
  });
});
