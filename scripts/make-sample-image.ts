/**
 * Draws resources/samples/sample.png, the project's own sample photo (no
 * data-set image may ship): a synthetic landscape with smooth sky, a sun,
 * layered hills with fine texture, a striped fence and a tree, so denoising
 * and inpainting have edges, gradients and texture to work on.
 *
 *   npx tsx scripts/make-sample-image.ts
 */
import { writeImage } from '../src/image/io.js';
import { Prng } from '../src/util/random.js';

const W = 384;
const H = 256;
const rng = new Prng(2026);
const data = new Float32Array(W * H * 3);
const texture = Float32Array.from({ length: W * H }, () => rng.uniform());
// Smooth the texture a little so it looks like foliage, not static.
const tex = new Float32Array(W * H);
for (let y = 0; y < H; y++) {
  for (let x = 0; x < W; x++) {
    let s = 0;
    let n = 0;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const yy = Math.min(H - 1, Math.max(0, y + dy));
        const xx = Math.min(W - 1, Math.max(0, x + dx));
        s += texture[yy * W + xx]!;
        n++;
      }
    }
    tex[y * W + x] = s / n;
  }
}
const hill = (x: number, base: number, amp: number, freq: number, phase: number) =>
  base + amp * Math.sin(x * freq + phase) + 0.4 * amp * Math.sin(x * freq * 2.7 + phase * 1.3);
for (let y = 0; y < H; y++) {
  for (let x = 0; x < W; x++) {
    const v = y / H;
    let rgb = [0.35 + 0.35 * v, 0.55 + 0.3 * v, 0.9 - 0.1 * v]; // sky
    const sun = Math.hypot(x - 290, y - 60);
    if (sun < 26) rgb = [1, 0.93, 0.7];
    else if (sun < 40) rgb = rgb.map((c, i) => c + (1 - sun / 40) * [0.4, 0.3, 0.1][i]!);
    if (y > hill(x, 150, 14, 0.021, 0.5)) {
      const t = tex[y * W + x]!;
      rgb = [0.3 + 0.15 * t, 0.45 + 0.2 * t, 0.35 + 0.1 * t];
    }
    if (y > hill(x, 190, 10, 0.034, 2)) {
      const t = tex[y * W + x]!;
      rgb = [0.2 + 0.25 * t, 0.35 + 0.3 * t, 0.12 + 0.1 * t];
    }
    if (y > 215 && y < 245 && Math.floor(x / 7) % 2 === 0 && x > 20 && x < 200) rgb = [0.85, 0.82, 0.75]; // fence posts
    if (y > 222 && y < 227 && x > 20 && x < 200) rgb = [0.8, 0.76, 0.7]; // rail
    const trunk = x > 72 && x < 82 && y > 120 && y < 215;
    const crown = Math.hypot(x - 77, y - 110) < 32 + 4 * Math.sin(Math.atan2(y - 110, x - 77) * 7);
    if (trunk) rgb = [0.35, 0.22, 0.12];
    else if (crown) {
      const t = tex[y * W + x]!;
      rgb = [0.1 + 0.15 * t, 0.3 + 0.3 * t, 0.1 + 0.1 * t];
    }
    data.set(rgb.map((c) => Math.min(1, Math.max(0, c))), (y * W + x) * 3);
  }
}
await writeImage('resources/samples/sample.png', { width: W, height: H, channels: 3, data, bitDepth: 8 });
console.error('wrote resources/samples/sample.png');
