import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImage } from '../../src/image/io.js';
import { addGaussianNoise, addPoissonGaussianNoise } from '../../src/image/noise.js';
import { estimateNoiseSigma, estimatePoissonGaussian, fitNoiseLine } from '../../src/image/noise-estimate.js';
import type { RasterImage } from '../../src/image/types.js';
import { defaultDataDir } from '../../src/util/paths.js';
import { syntheticImage } from '../helpers/fixtures.js';

/** A smooth gradient: no edges, so only the noise reaches the high frequencies. */
function smooth(width: number, height: number, channels: 1 | 3): RasterImage {
  const data = new Float32Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = 0.2 + 0.4 * (x / width) + 0.2 * (y / height) + 0.05 * c;
    }
  }
  return { width, height, channels, data };
}

function noisy(image: RasterImage, sigma255: number, seed: number): RasterImage {
  return { ...image, data: addGaussianNoise(image.data, sigma255 / 255, seed) };
}

/** The central size×size crop (keeps the data-set test to a few seconds). */
function crop(image: RasterImage, size: number): RasterImage {
  const s = Math.min(size, image.width, image.height);
  const x0 = Math.floor((image.width - s) / 2), y0 = Math.floor((image.height - s) / 2);
  const c = image.channels;
  const data = new Float32Array(s * s * c);
  for (let y = 0; y < s; y++) data.set(image.data.subarray(((y0 + y) * image.width + x0) * c, ((y0 + y) * image.width + x0 + s) * c), y * s * c);
  return { width: s, height: s, channels: image.channels, data };
}

const SIGMAS = [5, 10, 15, 25, 35, 50];

describe('estimateNoiseSigma', () => {
  for (const channels of [1, 3] as const) {
    for (const sigma of [5, 15, 25, 50]) {
      it(`estimates σ = ${sigma} on a smooth ${channels === 1 ? 'grey' : 'RGB'} image within 10 %`, () => {
        const est = estimateNoiseSigma(noisy(smooth(256, 256, channels), sigma, 7 + sigma));
        expect(Math.abs(est - sigma) / sigma).toBeLessThan(0.1);
      });
      it(`estimates σ = ${sigma} on the synthetic ${channels === 1 ? 'grey' : 'RGB'} test image within 10 %`, () => {
        const est = estimateNoiseSigma(noisy(syntheticImage(256, 256, channels, { seed: 3 }), sigma, 11 + sigma));
        expect(Math.abs(est - sigma) / sigma).toBeLessThan(0.1);
      });
    }
  }

  it('is near zero on a clean smooth image, uses the Haar fallback under 8×8 and refuses images under 2×2', () => {
    expect(estimateNoiseSigma(smooth(64, 64, 1))).toBeLessThan(0.05);
    expect(estimateNoiseSigma(smooth(64, 64, 3))).toBeLessThan(0.05);
    const tiny = estimateNoiseSigma(noisy(smooth(6, 6, 1), 25, 1));
    expect(tiny).toBeGreaterThan(5);
    expect(tiny).toBeLessThan(60);
    expect(() => estimateNoiseSigma({ width: 1, height: 5, channels: 1, data: new Float32Array(5) })).toThrow(/at least 2×2 pixels, not 1×5/);
    expect(() => estimateNoiseSigma({ width: 16, height: 16, channels: 1, data: new Float32Array(5) })).toThrow(/expected 16×16×1 = 256 pixel values, got 5/);
  });

  it('ignores blown highlights and crushed shadows (flat at exactly 1 or 0) when choosing the flattest blocks', () => {
    const width = 256, height = 256, sigma = 10;
    for (const channels of [1, 3] as const) {
      const base = smooth(width, height, channels);
      // The right third is far above white and the bottom strip far below black: after clipping, perfectly flat.
      const data = addGaussianNoise(base.data, sigma / 255, 21).map((v, i) => {
        const p = Math.floor(i / channels), x = p % width, y = Math.floor(p / width);
        const v2 = x > (2 * width) / 3 ? v + 1 : y > height - 40 ? v - 1 : v;
        return Math.min(1, Math.max(0, v2));
      });
      const est = estimateNoiseSigma({ ...base, data });
      expect(Math.abs(est - sigma) / sigma).toBeLessThan(0.1);
    }
  });

  // Real photographs (Set12 grey, McMaster colour) with synthetic noise of known σ.
  const dataDir = defaultDataDir();
  for (const [set, size] of [['Set12', 512], ['McMaster', 256]] as const) {
    const dir = path.join(dataDir, set);
    const reason = `${dir} is missing (set GNC_DATA_DIR; see ../shared/data/README.md)`;
    it.skipIf(!existsSync(dir))(`is within 10 % on ${set} for σ = ${SIGMAS.join(', ')}${existsSync(dir) ? '' : ` — skipped: ${reason}`}`, async () => {
      const files = readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
      expect(files.length).toBeGreaterThan(0);
      const failures: string[] = [];
      const ownNoise: string[] = [];
      for (const [k, file] of files.entries()) {
        const clean = crop(await readImage(path.join(dir, file)), size);
        // Some "clean" test images hold noise of their own (Set12's 09 Barbara,
        // 10 Boat and 12 Couple measure σ₀ ≈ 2–3 here). The noise in the
        // estimate is then √(σ² + σ₀²), which at σ = 5 is more than 10 % above σ.
        const sigma0 = estimateNoiseSigma(clean);
        for (const sigma of SIGMAS) {
          const est = estimateNoiseSigma(noisy(clean, sigma, 1000 * k + sigma));
          const total = Math.hypot(sigma, sigma0);
          const errAdded = (est - sigma) / sigma;
          const errTotal = (est - total) / total;
          if (Math.abs(errTotal) >= 0.1) failures.push(`${file} σ=${sigma}: ${est.toFixed(2)} against √(σ²+σ₀²) = ${total.toFixed(2)}`);
          if (Math.abs(errAdded) >= 0.1) {
            // Only the image's own noise may excuse missing the bound on the added σ.
            if (total / sigma - 1 > 0.05) ownNoise.push(`${file} σ=${sigma} (σ₀ ${sigma0.toFixed(2)})`);
            else failures.push(`${file} σ=${sigma}: ${est.toFixed(2)} (${(errAdded * 100).toFixed(1)} %)`);
          }
        }
      }
      expect(failures).toEqual([]);
      // The excuse is rare: at most a few images, and only at the lowest σ.
      expect(ownNoise.length).toBeLessThanOrEqual(3);
      for (const entry of ownNoise) expect(entry).toMatch(/σ=5 /);
    }, 60_000);
  }
});

describe('estimatePoissonGaussian', () => {
  const cases = [
    { a: 0.01, b: 0.0004, label: 'strong shot noise' },
    { a: 0.002, b: 0.0001, label: 'moderate shot noise' },
    { a: 0, b: (20 / 255) ** 2, label: 'Gaussian only' },
  ];
  for (const channels of [1, 3] as const) {
    for (const { a, b, label } of cases) {
      it(`recovers a and b (${label}, ${channels === 1 ? 'grey' : 'RGB'}): the variance a·x + b within 10 % at x = 0.25, 0.5, 0.75, a within 20 %`, () => {
        const clean = syntheticImage(384, 384, channels, { seed: 5 });
        const est = estimatePoissonGaussian({ ...clean, data: addPoissonGaussianNoise(clean.data, a, b, 17) });
        for (const x of [0.25, 0.5, 0.75]) expect(Math.abs(est.a * x + est.b - (a * x + b))).toBeLessThan(0.1 * (a * x + b));
        // With no shot noise, a's error is measured against the variance it would add over the range.
        expect(Math.abs(est.a - a)).toBeLessThan(a > 0 ? 0.2 * a : 0.2 * b);
        expect(est.levels.length).toBeGreaterThanOrEqual(2);
      });
    }
  }

  it('recovers the gain of clipped Poisson–Gaussian noise (an 8-bit file of a bright scene) within 20 %', () => {
    const clean = syntheticImage(384, 384, 3, { seed: 6 });
    const bright = clean.data.map((v) => Math.min(1, v + 0.1));
    const data = addPoissonGaussianNoise(bright, 0.01, 0.0002, 23).map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255) / 255);
    const est = estimatePoissonGaussian({ ...clean, data });
    expect(Math.abs(est.a - 0.01) / 0.01).toBeLessThan(0.2);
    for (const level of est.levels) expect(level.mean + 2 * Math.sqrt(level.variance)).toBeLessThan(1);
  });

  it('fits a line through levels, ignores one textured level, and refuses fewer than 2 levels', () => {
    const levels = [0.1, 0.3, 0.5, 0.7, 0.9].map((m) => ({ mean: m, variance: 0.004 * m + 0.001, blocks: 50 }));
    levels[2]!.variance *= 3; // a textured level
    const line = fitNoiseLine(levels);
    expect(line.a).toBeCloseTo(0.004, 4);
    expect(line.b).toBeCloseTo(0.001, 4);
    expect(() => fitNoiseLine(levels.slice(0, 1))).toThrow(/at least 2 intensity levels, got 1/);
    expect(() => estimatePoissonGaussian(smooth(16, 16, 1))).toThrow(/at least 32×32 pixels, not 16×16/);
  });
});
