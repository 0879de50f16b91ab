import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PooledPrior, TilePool, resolveThreads } from '../../src/solve/tile-pool.js';
import { TiledPrior, tileGrid } from '../../src/solve/tiled-prior.js';
import { foeKernelSpec } from '../../src/solve/foe-tile-kernel.js';
import { solveGncFlow } from '../../src/solve/gnc-flow.js';
import { DenoisingTerm } from '../../src/solve/data-terms.js';
import type { FoEPrior } from '../../src/prior/foe.js';
import type { Shape4 } from '../../src/prior/conv.js';
import { GncError } from '../../src/util/errors.js';
import { randomPrior } from '../helpers/priors.js';
import { mulberry } from '../helpers/random.js';
import { useBackend } from '../helpers/backends.js';

function image(seed: number, s: Shape4): Float32Array {
  const r = mulberry(seed);
  const out = new Float32Array(s.n * s.h * s.w * s.c);
  for (let i = 0; i < out.length; i++) out[i] = 0.5 + 0.3 * Math.sin(i * 0.013 + seed) + 0.15 * (r() - 0.5);
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const failing = (prior: FoEPrior, extra: Record<string, unknown>) => ({
  module: new URL('./fixtures/failing-kernel.ts', import.meta.url).href,
  options: { foe: foeKernelSpec(prior.arch, prior.params, 'wasm').options, ...extra },
  label: 'test',
});

describe('tile pool on worker threads', () => {
  const priors = [randomPrior(1, 11, 5), randomPrior(2, 12, 4)];
  const pools: TilePool[] = [];
  beforeAll(async () => {
    await useBackend('wasm');
    for (const prior of priors) pools.push(await TilePool.create({ threads: 2, kernel: foeKernelSpec(prior.arch, prior.params, 'wasm') }));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.terminate()));
    for (const p of priors) p.dispose();
  });

  it('reports its size and the kernel halo', () => {
    expect(pools[0]!.size).toBe(2);
    expect(pools[0]!.running).toBe(2);
    expect(pools[0]!.halo).toBe(6);
    expect(pools[1]!.halo).toBe(8);
  });

  it.each([0, 1])('equals the untiled and the single-thread tiled energy, ∇ₓR and ∂ₜR (prior %i)', (p) => {
    const prior = priors[p]!;
    const shape: Shape4 = { n: 2, h: 53, w: 41, c: 1 };
    const x = image(p + 1, shape);
    const ts = [Math.log(0.05), Math.log(0.2)];
    const want = { energy: true, gradX: true, gradT: true };
    const whole = prior.evaluate(x, shape, ts, want);
    const single = new TiledPrior(prior, { tile: 16 }).evaluate(x, shape, ts, want);
    const seen: Array<[number, number]> = [];
    const pooled = new PooledPrior(pools[p]!, prior.tRange, { tile: 16, onTile: (d, t) => seen.push([d, t]) }).evaluate(x, shape, ts, want);
    // Every tile reported once, in order, each once all its samples are done.
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => [i + 1, 12]));
    expect(pooled.gradX!.buffer).toBeInstanceOf(SharedArrayBuffer);
    const gScale = maxAbsDiff(whole.gradX!, new Float32Array(x.length));
    expect(maxAbsDiff(pooled.gradX!, whole.gradX!)).toBeLessThan(1e-5 * gScale + 1e-6);
    expect(maxAbsDiff(pooled.gradX!, single.gradX!)).toBeLessThan(1e-6 * gScale + 1e-7);
    for (let b = 0; b < 2; b++) {
      expect(Math.abs(pooled.energy![b]! - whole.energy![b]!)).toBeLessThan(1e-5 * Math.abs(whole.energy![b]!) + 1e-4);
      expect(Math.abs(pooled.gradT![b]! - whole.gradT![b]!)).toBeLessThan(1e-5 * Math.abs(whole.gradT![b]!) + 1e-4);
      expect(Math.abs(pooled.energy![b]! - single.energy![b]!)).toBeLessThan(1e-9 * Math.abs(single.energy![b]!) + 1e-6);
    }
  });

  it('a solver run on the pool equals the single-thread tiled run, and x stays in shared memory', () => {
    const prior = priors[0]!;
    const shape: Shape4 = { n: 1, h: 45, w: 38, c: 1 };
    const z = image(3, shape);
    const options = { steps: 4, sigma0: 0.3, sigmaMin: 0.05, schedule: 'log' as const, traceEnergy: true };
    const a = solveGncFlow({ prior: new TiledPrior(prior, { tile: 16 }), data: new DenoisingTerm(z, 0.1), shape }, options);
    const b = solveGncFlow({ prior: new PooledPrior(pools[0]!, prior.tRange, { tile: 16 }), data: new DenoisingTerm(z, 0.1), shape }, options);
    expect(maxAbsDiff(a.x, b.x)).toBeLessThan(1e-6);
    expect(b.x.buffer).toBeInstanceOf(SharedArrayBuffer);
    a.trace.forEach((t, i) => expect(Math.abs(t.energy! - b.trace[i]!.energy!)).toBeLessThan(1e-6 * Math.abs(t.energy!) + 1e-4));
  });

  it('stops between tiles when cancelled and stays usable', () => {
    const prior = priors[0]!;
    const shape: Shape4 = { n: 1, h: 96, w: 96, c: 1 };
    const x = image(5, shape);
    const controller = new AbortController();
    let tiles = 0;
    const field = new PooledPrior(pools[0]!, prior.tRange, {
      tile: 16,
      signal: controller.signal,
      onTile: (done) => {
        tiles = done;
        if (done === 3) controller.abort();
      },
    });
    const total = tileGrid(96, 96, 16).length;
    expect(() => field.evaluate(x, shape, [Math.log(0.1)], { gradX: true })).toThrow(expect.objectContaining({ kind: 'cancelled' }));
    expect(tiles).toBe(3);
    expect(total).toBe(36);
    // A cancelled evaluation leaves the workers ready for the next one.
    const again = new PooledPrior(pools[0]!, prior.tRange, { tile: 16 }).evaluate(x, shape, [Math.log(0.1)], { gradX: true });
    const whole = prior.evaluate(x, shape, [Math.log(0.1)], { gradX: true });
    expect(maxAbsDiff(again.gradX!, whole.gradX!)).toBeLessThan(1e-5);
  });
});

describe('tile pool failures', () => {
  const prior = randomPrior(1, 21, 4);
  afterAll(() => prior.dispose());

  it('rethrows a kernel error with the worker and its message', async () => {
    const pool = await TilePool.create({ threads: 2, kernel: failing(prior, { failAt: 2 }) });
    try {
      const shape: Shape4 = { n: 1, h: 64, w: 64, c: 1 };
      const field = new PooledPrior(pool, prior.tRange, { tile: 16 });
      let caught: unknown;
      try {
        field.evaluate(image(1, shape), shape, [Math.log(0.1)], { gradX: true });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(GncError);
      expect((caught as GncError).kind).toBe('backend');
      expect((caught as GncError).message).toMatch(/Tile worker [01] failed evaluating the test prior: kernel failure on call 2/);
    } finally {
      await pool.terminate();
    }
    expect(pool.running).toBe(0);
  }, 60_000);

  it('a worker that exits mid-evaluation fails the evaluation instead of hanging', async () => {
    const pool = await TilePool.create({ threads: 1, kernel: failing(prior, { exitAt: 2 }) });
    try {
      const shape: Shape4 = { n: 1, h: 48, w: 48, c: 1 };
      expect(() => new PooledPrior(pool, prior.tRange, { tile: 16 }).evaluate(image(2, shape), shape, [Math.log(0.1)], { gradX: true })).toThrow(/exited during an evaluation/);
    } finally {
      await pool.terminate();
    }
  }, 60_000);

  it('a kernel that cannot be built fails the pool start with its reason', async () => {
    await expect(TilePool.create({ threads: 2, kernel: failing(prior, { failInit: true }) })).rejects.toThrow(/could not build its test kernel: no weights for this kernel/);
  }, 60_000);
});

describe('thread count', () => {
  it('takes the request, then GNC_THREADS, then every core (one for a backend that uses all cores itself)', () => {
    expect(resolveThreads(3, 1, {})).toBe(3);
    expect(resolveThreads(undefined, 1, { GNC_THREADS: '5' })).toBe(5);
    expect(resolveThreads(undefined, 1, {})).toBeGreaterThanOrEqual(1);
    expect(resolveThreads(undefined, 0, {})).toBe(1);
    expect(() => resolveThreads(0, 1, {})).toThrow(/threads/);
    expect(() => resolveThreads(undefined, 1, { GNC_THREADS: 'many' })).toThrow(/GNC_THREADS/);
  });
});

describe('tile pool buffers', () => {
  it('writes ∇ₓR to the buffer x is not in, alternating between two', async () => {
    const prior = randomPrior(1, 31, 4);
    const pool = await TilePool.create({ threads: 2, kernel: foeKernelSpec(prior.arch, prior.params, 'wasm') });
    try {
      const shape: Shape4 = { n: 1, h: 40, w: 40, c: 1 };
      const field = new PooledPrior(pool, prior.tRange, { tile: 16 });
      const x0 = image(9, shape);
      const g1 = field.evaluate(x0, shape, [Math.log(0.1)], { gradX: true }).gradX!;
      const g2 = field.evaluate(g1, shape, [Math.log(0.1)], { gradX: true }).gradX!;
      const g3 = field.evaluate(g2, shape, [Math.log(0.1)], { gradX: true }).gradX!;
      expect(g2.buffer).not.toBe(g1.buffer);
      expect(g3.buffer).toBe(g1.buffer);
      // Evaluating from a buffer gives what evaluating from a copy of it gives.
      const whole = prior.evaluate(g2.slice(), shape, [Math.log(0.1)], { gradX: true }).gradX!;
      expect(maxAbsDiff(g3, whole)).toBeLessThan(1e-4 * maxAbsDiff(whole, new Float32Array(whole.length)) + 1e-6);
    } finally {
      await pool.terminate();
      prior.dispose();
    }
  }, 60_000);
});
