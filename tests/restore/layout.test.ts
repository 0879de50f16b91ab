import { describe, expect, it } from 'vitest';
import { fromSolver, layoutFor, toSolver } from '../../src/restore/layout.js';
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
});
