import { beforeAll, describe, expect, it } from 'vitest';
import { TiledPrior, receptiveHalo, tileGrid } from '../../src/solve/tiled-prior.js';
import { solveGncFlow } from '../../src/solve/gnc-flow.js';
import { DenoisingTerm } from '../../src/solve/data-terms.js';
import type { Shape4 } from '../../src/prior/conv.js';
import { GncError } from '../../src/util/errors.js';
import { randomPrior } from '../helpers/priors.js';
import { mulberry } from '../helpers/random.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

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

describe('tile grid', () => {
  it('covers every pixel exactly once', () => {
    const tiles = tileGrid(70, 45, 16);
    const seen = new Uint8Array(70 * 45);
    for (const t of tiles) for (let y = t.top; y < t.top + t.height; y++) for (let x = t.left; x < t.left + t.width; x++) seen[y * 45 + x]! += 1;
    expect(seen.every((v) => v === 1)).toBe(true);
    expect(tiles).toHaveLength(5 * 3);
  });
});

describe.each(TEST_BACKENDS)('tiled prior evaluation on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([1, 2, 3])('equals the untiled energy, ∇ₓR and ∂ₜR (L = %i)', (L) => {
    const prior = randomPrior(L, 10 + L, 4);
    const shape: Shape4 = { n: 2, h: 53, w: 41, c: 1 };
    const x = image(L, shape);
    const ts = [Math.log(0.05), Math.log(0.2)];
    const want = { energy: true, gradX: true, gradT: true };
    const whole = prior.evaluate(x, shape, ts, want);
    let tilesSeen = 0;
    const tiled = new TiledPrior(prior, { tile: 16, onTile: () => (tilesSeen += 1) }).evaluate(x, shape, ts, want);
    expect(tilesSeen).toBe(4 * 3);
    const gScale = maxAbsDiff(whole.gradX!, new Float32Array(x.length));
    expect(maxAbsDiff(tiled.gradX!, whole.gradX!)).toBeLessThan(1e-5 * gScale + 1e-6);
    for (let b = 0; b < 2; b++) {
      expect(tiled.energy![b]!).toBeCloseTo(whole.energy![b]!, 2);
      expect(Math.abs(tiled.energy![b]! - whole.energy![b]!)).toBeLessThan(1e-5 * Math.abs(whole.energy![b]!) + 1e-4);
      expect(Math.abs(tiled.gradT![b]! - whole.gradT![b]!)).toBeLessThan(1e-5 * Math.abs(whole.gradT![b]!) + 1e-4);
    }
    prior.dispose();
  });

  it('a halo one pixel short of the receptive radius is not exact (the halo is needed)', () => {
    const prior = randomPrior(2, 5, 4);
    expect(receptiveHalo(prior)).toBe(2 * (3 + 1));
    const shape: Shape4 = { n: 1, h: 40, w: 40, c: 1 };
    const x = image(7, shape);
    const whole = prior.evaluate(x, shape, [Math.log(0.1)], { gradX: true }).gradX!;
    const tiled = new TiledPrior(prior, { tile: 20 });
    (tiled as unknown as { halo: number }).halo -= 1;
    const short = tiled.evaluate(x, shape, [Math.log(0.1)], { gradX: true }).gradX!;
    expect(maxAbsDiff(short, whole)).toBeGreaterThan(1e-4);
    prior.dispose();
  });

  it('a solver run through the tiled prior equals the untiled run', () => {
    const prior = randomPrior(1, 3, 6);
    const shape: Shape4 = { n: 1, h: 45, w: 38, c: 1 };
    const z = image(3, shape);
    const options = { steps: 4, sigma0: 0.3, sigmaMin: 0.05, schedule: 'log' as const, traceEnergy: true };
    const a = solveGncFlow({ prior, data: new DenoisingTerm(z, 0.1), shape }, options);
    const b = solveGncFlow({ prior: new TiledPrior(prior, { tile: 16 }), data: new DenoisingTerm(z, 0.1), shape }, options);
    expect(maxAbsDiff(a.x, b.x)).toBeLessThan(1e-5);
    a.trace.forEach((t, i) => expect(Math.abs(t.energy! - b.trace[i]!.energy!)).toBeLessThan(1e-5 * Math.abs(t.energy!) + 1e-3));
    prior.dispose();
  });

  it('stops between tiles when cancelled', () => {
    const prior = randomPrior(1, 3, 4);
    const shape: Shape4 = { n: 1, h: 64, w: 64, c: 1 };
    const controller = new AbortController();
    let tiles = 0;
    const tiled = new TiledPrior(prior, {
      tile: 16,
      signal: controller.signal,
      onTile: (done) => {
        tiles = done;
        if (done === 3) controller.abort();
      },
    });
    expect(() => tiled.evaluate(image(1, shape), shape, [Math.log(0.1)], { gradX: true })).toThrow(GncError);
    expect(tiles).toBe(3);
    prior.dispose();
  });
});
