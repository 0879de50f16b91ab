import { describe, expect, it } from 'vitest';
import { fromPlanes, opponentPlanes, opponentToRgb, rgbToOpponent, toPlanes } from '../../src/image/colour.js';
import { Prng } from '../../src/image/noise.js';
import { GncError } from '../../src/util/errors.js';

function stats(values: Float32Array, channel: number, stride: number): { mean: number; std: number } {
  let sum = 0;
  let n = 0;
  for (let i = channel; i < values.length; i += stride, n++) sum += values[i]!;
  const mean = sum / n;
  let sq = 0;
  for (let i = channel; i < values.length; i += stride) sq += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(sq / n) };
}

describe('opponent transform', () => {
  it('follows the documented formulas', () => {
    const [y, c1, c2] = rgbToOpponent(Float32Array.from([0.9, 0.5, 0.2]));
    expect(y).toBeCloseTo(1.6 / Math.sqrt(3), 6);
    expect(c1).toBeCloseTo(0.7 / Math.sqrt(2), 6);
    expect(c2).toBeCloseTo(0.1 / Math.sqrt(6), 6);
    // grey has no chroma
    const grey = rgbToOpponent(Float32Array.from([0.4, 0.4, 0.4]));
    expect(grey[1]).toBeCloseTo(0, 7);
    expect(grey[2]).toBeCloseTo(0, 7);
  });

  it('round-trips to float precision', () => {
    const rng = new Prng(42);
    const rgb = Float32Array.from({ length: 3 * 1000 }, () => rng.uniform() * 1.4 - 0.2);
    const back = opponentToRgb(rgbToOpponent(rgb));
    let worst = 0;
    for (let i = 0; i < rgb.length; i++) worst = Math.max(worst, Math.abs(back[i]! - rgb[i]!));
    expect(worst).toBeLessThan(1e-6);
  });

  it('is orthonormal: basis vectors map to orthonormal rows, and norms are kept', () => {
    const rows = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ].map((e) => Array.from(rgbToOpponent(Float32Array.from(e))));
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const dot = rows[i]!.reduce((s, v, k) => s + v * rows[j]![k]!, 0);
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 6);
      }
    }
  });

  it('keeps i.i.d. Gaussian noise i.i.d. with the same σ in every channel', () => {
    const rng = new Prng(9);
    const sigma = 0.1;
    const n = 100_000;
    const noise = Float32Array.from({ length: 3 * n }, () => sigma * rng.gaussian());
    const opp = rgbToOpponent(noise);
    for (let c = 0; c < 3; c++) {
      const { mean, std } = stats(opp, c, 3);
      expect(Math.abs(mean)).toBeLessThan(0.002);
      expect(std).toBeGreaterThan(sigma * 0.98);
      expect(std).toBeLessThan(sigma * 1.02);
    }
    // uncorrelated channels
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]] as const) {
      let cov = 0;
      for (let i = 0; i < n; i++) cov += opp[3 * i + p]! * opp[3 * i + q]!;
      expect(Math.abs(cov / n / (sigma * sigma))).toBeLessThan(0.02);
    }
  });

  it('rejects data that is not RGB triples', () => {
    expect(() => rgbToOpponent(new Float32Array(4))).toThrow(GncError);
    expect(() => opponentToRgb(new Float32Array(5))).toThrow(/multiple of 3.*length 5/);
  });
});

describe('planes', () => {
  it('split and interleave are inverse', () => {
    const data = Float32Array.from({ length: 4 * 3 * 3 }, (_, i) => i);
    const planes = toPlanes({ width: 4, height: 3, channels: 3, data });
    expect(planes).toHaveLength(3);
    expect(Array.from(planes[1]!)).toEqual([1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 34]);
    expect(Array.from(fromPlanes(planes, 4, 3))).toEqual(Array.from(data));
  });

  it('opponent planes in one pass equal the transform then the split, value for value', () => {
    const rng = new Prng(3);
    const data = Float32Array.from({ length: 5 * 4 * 3 }, () => rng.gaussian());
    const twoStep = toPlanes({ width: 5, height: 4, channels: 3, data: rgbToOpponent(data) });
    const onePass = opponentPlanes(data);
    expect(onePass.map((p) => Array.from(p))).toEqual(twoStep.map((p) => Array.from(p)));
    expect(() => opponentPlanes(new Float32Array(4))).toThrow(GncError);
  });

  it('a grey image is one plane equal to its data', () => {
    const data = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
    const [plane] = toPlanes({ width: 2, height: 2, channels: 1, data });
    expect(Array.from(plane!)).toEqual(Array.from(data));
  });

  it('size mismatches are invalid-argument', () => {
    expect(() => toPlanes({ width: 2, height: 2, channels: 3, data: new Float32Array(11) })).toThrow(/2×2×3 = 12 values for data but received "length 11"/);
    expect(() => fromPlanes([new Float32Array(4), new Float32Array(3)], 2, 2)).toThrow(/planes\[1\]/);
    expect(() => fromPlanes([], 2, 2)).toThrow(GncError);
  });
});

describe('greyCrop', () => {
  it('cuts a square at an offset and converts RGB by Rec. 601 luma', async () => {
    const { greyCrop } = await import('../../src/image/colour.js');
    const width = 4;
    const rgb = Float32Array.from({ length: 4 * 3 * 3 }, (_, i) => (i % 3 === 0 ? 1 : 0) * ((i / 3) % width) * 0.1);
    const crop = greyCrop({ width, channels: 3, data: rgb }, 1, 1, 2);
    expect(Array.from(crop).map((v) => Number(v.toFixed(5)))).toEqual([0.0299, 0.0598, 0.0299, 0.0598]);
    const grey = Float32Array.from({ length: 16 }, (_, i) => i);
    expect(Array.from(greyCrop({ width, channels: 1, data: grey }, 2, 1, 2))).toEqual([6, 7, 10, 11]);
  });
});
