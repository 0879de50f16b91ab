/**
 * A photo-like colour test image of any size, drawn with sharp (no data set):
 * a sky gradient, hills and buildings with windows, soft out-of-focus discs,
 * text, fine stripes and a band-limited grain texture, so that a denoiser
 * meets smooth areas, sharp edges and texture as in a real photo. The same
 * size always gives the same image.
 */
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic.js';
import { checkInteger } from '../util/errors.js';

function scene(width: number, height: number): string {
  const u = (f: number) => Math.round(f * width);
  const v = (f: number) => Math.round(f * height);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const parts: string[] = [];
  parts.push(`<defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3b6fb6"/><stop offset="0.55" stop-color="#a9c8e8"/><stop offset="1" stop-color="#f3d9b1"/></linearGradient>
    <linearGradient id="hill" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#4f7a3a"/><stop offset="1" stop-color="#20361a"/></linearGradient>
    <radialGradient id="sun"><stop offset="0" stop-color="#fff8e0"/><stop offset="1" stop-color="#fff8e0" stop-opacity="0"/></radialGradient>
    <filter id="soft"><feGaussianBlur stdDeviation="${Math.max(1, width / 400)}"/></filter>
  </defs>`);
  parts.push(`<rect width="${width}" height="${height}" fill="url(#sky)"/>`);
  parts.push(`<circle cx="${u(0.78)}" cy="${v(0.2)}" r="${u(0.12)}" fill="url(#sun)"/>`);
  // Out-of-focus discs (bokeh).
  for (let i = 0; i < 24; i++) {
    parts.push(`<circle cx="${u(rnd())}" cy="${v(rnd() * 0.5)}" r="${u(0.01 + 0.03 * rnd())}" fill="hsl(${Math.round(rnd() * 360)},60%,75%)" fill-opacity="0.35" filter="url(#soft)"/>`);
  }
  // Hills.
  const hill = (base: number, amp: number, fill: string) => {
    let d = `M0 ${height}`;
    for (let i = 0; i <= 40; i++) d += ` L${u(i / 40)} ${v(base - amp * Math.sin(i * 0.7 + base * 9) * (0.5 + 0.5 * Math.sin(i * 0.23)))}`;
    parts.push(`<path d="${d} L${width} ${height} Z" fill="${fill}"/>`);
  };
  hill(0.62, 0.08, '#6d8f86');
  hill(0.72, 0.06, 'url(#hill)');
  // Buildings with windows (sharp edges and repeated structure).
  for (let b = 0; b < 9; b++) {
    const x = u(0.04 + b * 0.105), w = u(0.08), top = v(0.45 + 0.2 * rnd()), h = height - top;
    const shade = 90 + Math.round(rnd() * 100);
    parts.push(`<rect x="${x}" y="${top}" width="${w}" height="${h}" fill="rgb(${shade},${shade - 20},${shade - 40})"/>`);
    const wx = Math.max(4, Math.round(w / 9));
    for (let yy = top + wx; yy < height - 2 * wx; yy += 2 * wx) {
      for (let xx = x + wx; xx < x + w - wx; xx += 2 * wx) {
        parts.push(`<rect x="${xx}" y="${yy}" width="${wx}" height="${wx}" fill="${rnd() < 0.3 ? '#ffe9a8' : '#2a3140'}"/>`);
      }
    }
  }
  // Fine stripes (an awning) and text (thin strokes).
  for (let i = 0; i < 60; i++) parts.push(`<rect x="${u(0.1 + i * 0.004)}" y="${v(0.86)}" width="${Math.max(1, u(0.002))}" height="${v(0.05)}" fill="${i % 2 ? '#c0392b' : '#f5f5f5'}"/>`);
  parts.push(`<text x="${u(0.55)}" y="${v(0.93)}" font-family="sans-serif" font-size="${v(0.05)}" fill="#f0f0f0">GNC Studio 24 MP</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Renders the scene at width×height and writes it as an 8-bit PNG. */
export async function writeSyntheticPhoto(file: string, width: number, height: number): Promise<void> {
  checkInteger('width', width, 16, 30_000);
  checkInteger('height', height, 16, 30_000);
  const base = await sharp(Buffer.from(scene(width, height)), { limitInputPixels: false, unlimited: true }).removeAlpha().png({ compressionLevel: 0 }).toBuffer();
  // Band-limited grain: Gaussian noise blurred to a few pixels' correlation, blended softly.
  const grain = await sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .blur(1.2)
    .png({ compressionLevel: 0 })
    .toBuffer();
  const png = await sharp(base, { limitInputPixels: false }).composite([{ input: grain, blend: 'soft-light' }]).removeAlpha().png({ compressionLevel: 3 }).toBuffer();
  await writeFileAtomic(file, png);
}
