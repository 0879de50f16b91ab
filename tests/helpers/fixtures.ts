/**
 * Small synthetic test images for restoration tests: piecewise smooth with hard
 * edges (a disk, a rectangle, a diagonal step) and a band of oriented texture,
 * so a prior has both flat regions to smooth and structure to keep. Files are
 * written into fresh temporary directories; tests never read shared data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeImage } from '../../src/image/io.js';
import type { RasterImage } from '../../src/image/types.js';
import { mulberry } from './random.js';

export interface SyntheticOptions {
  /** Quantise to this many levels above 0 (255 for 8-bit files, 65535 for 16-bit); default: no quantisation. */
  levels?: number;
  /** Varies the geometry and colours a little. */
  seed?: number;
}

/**
 * A piecewise-smooth image in [0.1, 0.9]: a smooth gradient background, a disk,
 * a rectangle and a diagonal step edge, with a sinusoidal texture band. RGB
 * images give every region its own colour so the chroma planes carry edges too.
 */
export function syntheticImage(width: number, height: number, channels: 1 | 3, options: SyntheticOptions = {}): RasterImage {
  const rand = mulberry(options.seed ?? 1);
  const cx = width * (0.3 + 0.1 * rand());
  const cy = height * (0.35 + 0.1 * rand());
  const r = Math.min(width, height) * (0.18 + 0.04 * rand());
  const rx0 = Math.round(width * 0.55), rx1 = Math.round(width * 0.85);
  const ry0 = Math.round(height * 0.15), ry1 = Math.round(height * 0.45);
  const freq = 0.9 + 0.2 * rand();
  // Per-region colours (grey uses the first component).
  const colour = (base: number): number[] => [base, Math.min(0.85, Math.max(0.15, base + 0.25 * (rand() - 0.5))), Math.min(0.85, Math.max(0.15, 1 - base))];
  const disk = colour(0.8);
  const rect = colour(0.25);
  const step = colour(0.6);
  const data = new Float32Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const background = 0.3 + 0.25 * (x / width) + 0.1 * (y / height);
      let v: number[] = [background, 0.55 - 0.2 * (y / height), 0.4 + 0.15 * (x / width)];
      if (x + 0.6 * y > 1.1 * width) v = step.map((s, c) => s + 0.1 * (c === 0 ? y / height : x / width));
      if (x >= rx0 && x < rx1 && y >= ry0 && y < ry1) v = rect;
      if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) v = disk;
      // Oriented texture band across the lower part.
      const inBand = y > height * 0.62 && y < height * 0.82 && x < width * 0.7;
      const texture = inBand ? 0.12 * Math.sin(freq * (x + 0.5 * y)) : 0;
      for (let c = 0; c < channels; c++) {
        let value = Math.min(0.9, Math.max(0.1, v[c]! + texture));
        if (options.levels) value = Math.round(value * options.levels) / options.levels;
        data[(y * width + x) * channels + c] = value;
      }
    }
  }
  return { width, height, channels, data };
}

/** Clip to [0, 1] and round to `levels`, as writing an integer image file does. */
export function quantised(image: RasterImage, levels = 255): RasterImage {
  const data = image.data.map((v) => Math.round(Math.min(1, Math.max(0, v)) * levels) / levels);
  return { ...image, data };
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'gnc-test-'): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    file: (name) => path.join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes a synthetic image to `file` (format from the extension) and returns what was written, quantised. */
export async function writeSynthetic(
  file: string,
  width: number,
  height: number,
  channels: 1 | 3,
  options: SyntheticOptions & { bitDepth?: 8 | 16; alpha?: Float32Array } = {},
): Promise<RasterImage> {
  const levels = options.bitDepth === 16 ? 65535 : 255;
  const image = syntheticImage(width, height, channels, { ...options, levels });
  await writeImage(file, { ...image, ...(options.alpha ? { alpha: options.alpha } : {}) }, { bitDepth: options.bitDepth ?? 8 });
  return image;
}

/** A binary mask image (H×W grey, 255 = fill in) as a PNG, from an observed-pixel mask (1 = observed). */
export async function writeMaskFile(file: string, observed: Float32Array, width: number, height: number): Promise<void> {
  const data = new Float32Array(width * height);
  for (let p = 0; p < data.length; p++) data[p] = observed[p] ? 0 : 1;
  await writeImage(file, { width, height, channels: 1, data }, { bitDepth: 8 });
}
