import { describe, expect, it } from 'vitest';
import { mse, psnr, ssim } from '../../src/image/metrics.js';
import { addGaussianNoise } from '../../src/image/noise.js';
import { GncError } from '../../src/util/errors.js';

function texture(width: number, height: number, channels: number): Float32Array {
  const data = new Float32Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const v = 0.5 + 0.3 * Math.sin(x / (3 + c)) * Math.cos(y / 5) + (x > width / 2 ? 0.15 : -0.15);
        data[(y * width + x) * channels + c] = v;
      }
    }
  }
  return data;
}

/** Direct 11×11 windowed SSIM, as ssim_index.m computes it, to check the separable version against. */
function ssimDirect(a: Float32Array, b: Float32Array, width: number, height: number, channels: number): number {
  const g: number[] = [];
  for (let i = 0; i < 11; i++) g.push(Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const sum = g.reduce((s, v) => s + v, 0);
  const w = g.map((v) => v / sum);
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;
  let total = 0;
  for (let c = 0; c < channels; c++) {
    let acc = 0;
    let count = 0;
    for (let y = 0; y + 11 <= height; y++) {
      for (let x = 0; x + 11 <= width; x++) {
        let mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
        for (let j = 0; j < 11; j++) {
          for (let i = 0; i < 11; i++) {
            const k = w[j]! * w[i]!;
            const idx = ((y + j) * width + x + i) * channels + c;
            const va = a[idx]!;
            const vb = b[idx]!;
            mx += k * va; my += k * vb; xx += k * va * va; yy += k * vb * vb; xy += k * va * vb;
          }
        }
        acc += ((2 * mx * my + C1) * (2 * (xy - mx * my) + C2)) / ((mx * mx + my * my + C1) * (xx - mx * mx + yy - my * my + C2));
        count++;
      }
    }
    total += acc / count;
  }
  return total / channels;
}

describe('mse and psnr', () => {
  it('known values', () => {
    const a = new Float32Array(100);
    const b = new Float32Array(100).fill(0.1);
    expect(mse(a, b)).toBeCloseTo(0.01, 8);
    expect(psnr(a, b)).toBeCloseTo(20, 5);
    const c = Float32Array.from({ length: 4 }, (_, i) => (i % 2 ? 0.5 : 0)); // half the values off by 0.5
    expect(mse(new Float32Array(4), c)).toBeCloseTo(0.125, 10);
    expect(psnr(new Float32Array(4), c)).toBeCloseTo(10 * Math.log10(8), 8);
  });

  it('peak rescales the scale', () => {
    const a = new Float32Array(10);
    const b = new Float32Array(10).fill(25.5);
    expect(psnr(a, b, 255)).toBeCloseTo(20, 5);
  });

  it('is Infinity for identical inputs', () => {
    const a = texture(16, 16, 1);
    expect(psnr(a, Float32Array.from(a))).toBe(Infinity);
  });

  it('matches σ for Gaussian noise: PSNR ≈ −20·log10(σ)', () => {
    const clean = texture(256, 256, 1);
    const noisy = addGaussianNoise(clean, 25 / 255, 1);
    // the sample MSE of 65536 values is within about ±0.03 dB of σ²
    expect(Math.abs(psnr(noisy, clean) - 20 * Math.log10(255 / 25))).toBeLessThan(0.1);
  });

  it('length mismatch and bad arguments are invalid-argument', () => {
    expect(() => mse(new Float32Array(3), new Float32Array(4))).toThrow(GncError);
    expect(() => psnr(new Float32Array(3), new Float32Array(4))).toThrow(/length of a \(3\) for b\.length but received 4/);
    expect(() => psnr(new Float32Array(3), new Float32Array(3), 0)).toThrow(/positive number for peak/);
    expect(() => mse(new Float32Array(0), new Float32Array(0))).toThrow(/at least one value/);
  });
});

describe('ssim', () => {
  it('is 1 for identical images', () => {
    const a = texture(64, 48, 3);
    expect(ssim(a, Float32Array.from(a), 64, 48, 3)).toBeCloseTo(1, 12);
  });

  it('falls as noise grows', () => {
    const clean = texture(96, 96, 1);
    const values = [5, 15, 25, 50, 100].map((s) => ssim(clean, addGaussianNoise(clean, s / 255, 7), 96, 96, 1));
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThan(values[i - 1]!);
    expect(values[0]!).toBeLessThan(1);
    expect(values[values.length - 1]!).toBeGreaterThan(0);
  });

  it('is symmetric', () => {
    const a = texture(32, 32, 1);
    const b = addGaussianNoise(a, 0.1, 3);
    expect(ssim(a, b, 32, 32, 1)).toBeCloseTo(ssim(b, a, 32, 32, 1), 12);
  });

  it('matches the direct 11×11 window computation, per channel', () => {
    const a = texture(29, 21, 3);
    const b = addGaussianNoise(a, 0.08, 11);
    expect(ssim(a, b, 29, 21, 3)).toBeCloseTo(ssimDirect(a, b, 29, 21, 3), 10);
  });

  it('clipA gives the figures of a clipped copy, without making one', () => {
    // Values beyond [0, 1] (an unclipped solver output) and exact edges.
    const b = texture(37, 23, 3);
    const a = addGaussianNoise(b, 0.3, 5);
    a[0] = 1;
    a[1] = 0;
    a[2] = Number.NaN;
    const clipped = a.map((v) => Math.min(1, Math.max(0, v)));
    expect(clipped.some((v, i) => v !== a[i])).toBe(true);
    const finite = a.slice(3);
    const finiteClipped = clipped.slice(3);
    expect(psnr(finite, b.slice(3), 1, { clipA: true })).toBe(psnr(finiteClipped, b.slice(3)));
    expect(Number.isNaN(psnr(a, b, 1, { clipA: true }))).toBe(Number.isNaN(psnr(clipped, b)));
    a[2] = 0.5;
    clipped[2] = 0.5;
    expect(ssim(a, b, 37, 23, 3, { clipA: true })).toBe(ssim(clipped, b, 37, 23, 3));
    expect(ssim(a, b, 37, 23, 3, { clipA: true })).toBeCloseTo(ssimDirect(clipped, b, 37, 23, 3), 10);
  });

  it('rejects images smaller than the window and inconsistent sizes', () => {
    expect(() => ssim(new Float32Array(100), new Float32Array(100), 10, 10, 1)).toThrow(/at least 11.*width but received 10/);
    expect(() => ssim(new Float32Array(144), new Float32Array(144), 12, 12, 3)).toThrow(/12×12×3 = 432 for a\.length but received 144/);
    expect(() => ssim(new Float32Array(144), new Float32Array(143), 12, 12, 1)).toThrow(GncError);
  });
});
