import { describe, expect, it } from 'vitest';
import { fromSolver, layoutFor, solverPsnr, toSolver } from '../../src/restore/layout.js';
import { psnr } from '../../src/image/metrics.js';
import { fromPlanes, opponentToRgb, rgbToOpponent, toPlanes } from '../../src/image/colour.js';
import { mulberry } from '../helpers/random.js';

describe('solver layout of a colour photo for a grey prior', () => {
  const image = { width: 7, height: 5, channels: 3 as const };
  const r = mulberry(4);
  const data = Float32Array.from({ length: 7 * 5 * 3 }, () => r());
  const layout = layoutFor(image, 1);

  it('is the opponent transform split into planes, in one pass', () => {
    const planes = toPlanes({ ...image, data: rgbToOpponent(data) });
    const expected = new Float32Array(data.length);
    planes.forEach((p, i) => expected.set(p, i * p.length));
    expect(layout.shape).toEqual({ n: 3, h: 5, w: 7, c: 1 });
    expect(Array.from(toSolver(data, image, layout))).toEqual(Array.from(expected));
  });

  it('goes back to interleaved RGB exactly as the two-step inverse does', () => {
    const x = toSolver(data, image, layout);
    const n = 35;
    const twoStep = opponentToRgb(fromPlanes([0, 1, 2].map((i) => x.subarray(i * n, (i + 1) * n)), 7, 5));
    const back = fromSolver(x, image, layout);
    expect(Array.from(back)).toEqual(Array.from(twoStep));
    for (let i = 0; i < data.length; i++) expect(back[i]!).toBeCloseTo(data[i]!, 6);
  });

  it('writes the RGB output into a spent buffer when given one, never into x', () => {
    const x = toSolver(data, image, layout);
    const spent = new Float32Array(data.length).fill(7);
    const back = fromSolver(x, image, layout, spent);
    expect(back).toBe(spent);
    expect(Array.from(back)).toEqual(Array.from(fromSolver(x, image, layout)));
    expect(() => fromSolver(x, image, layout, x)).toThrow(/apart from x.*shares x's memory/);
    expect(() => fromSolver(x, image, layout, new Float32Array(3))).toThrow(/must hold 105 values apart from x; it holds 3/);
  });

  it('scores an iterate against the RGB reference as psnr against the reference in solver layout, bit for bit', () => {
    const reference = Float32Array.from({ length: data.length }, () => r());
    const x = toSolver(data, image, layout);
    expect(solverPsnr(reference, image, layout)(x)).toBe(psnr(x, toSolver(reference, image, layout)));
    expect(solverPsnr(data, image, layout)(x)).toBe(Infinity);
    const grey = { width: 7, height: 5, channels: 1 as const };
    const g = data.subarray(0, 35);
    expect(solverPsnr(reference.subarray(0, 35), grey, layoutFor(grey, 1))(g)).toBe(psnr(g, reference.subarray(0, 35)));
  });
});
