/**
 * Draws the app icon (the project's own, no third-party artwork) and writes
 * every size the installers need into resources/icons/:
 *
 *   icon.svg            the drawing (the source of everything below)
 *   png/NxN.png         16…1024 px (Linux icon set, window icon)
 *   icon.png            1024 px
 *   icon.ico            Windows: 16, 24, 32, 48, 64, 128, 256 px (PNG-compressed entries)
 *   icon.icns           macOS: 16…1024 px (PNG entries icp4…ic10)
 *
 * The motif is the method itself: a non-convex energy (two wells, grey)
 * smoothed into its convex envelope (bright) as σ grows, over a dark tile
 * whose left edge is noisy and right edge clean.
 *
 *   npx tsx scripts/make-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Prng } from '../src/util/random.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'resources', 'icons');

export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** icns entry types holding PNG data, by pixel size (the @2x types share sizes with plain ones). */
const ICNS_TYPES: Array<[string, number]> = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];

/** A curve y(x) on [0, 1] as an SVG path inside the box (x0, y0, w, h); y = 0 at the bottom. */
function curve(f: (x: number) => number, x0: number, y0: number, w: number, h: number): string {
  const pts: string[] = [];
  for (let i = 0; i <= 64; i++) {
    const x = i / 64;
    pts.push(`${(x0 + x * w).toFixed(1)},${(y0 + h - f(x) * h).toFixed(1)}`);
  }
  return `M${pts.join(' L')}`;
}

export function iconSvg(): string {
  const rng = new Prng(7);
  // Noise dots on the left third, fading out towards the right.
  const dots: string[] = [];
  for (let i = 0; i < 140; i++) {
    const x = 120 + rng.uniform() * 420;
    const y = 130 + rng.uniform() * 760;
    const fade = 1 - (x - 120) / 420;
    dots.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${(5 + rng.uniform() * 9).toFixed(1)}" fill="#ffffff" opacity="${(0.08 + 0.22 * fade).toFixed(2)}"/>`);
  }
  // Two wells (non-convex) and the smoothed, convex energy.
  const rough = (x: number) => 0.55 * (1 - Math.exp(-((x - 0.28) ** 2) / 0.012)) * 0.9 + 0.45 * (1 - Math.exp(-((x - 0.72) ** 2) / 0.008)) + 0.35 * (x - 0.5) ** 2 - 0.08;
  const smooth = (x: number) => 0.05 + 2.6 * (x - 0.52) ** 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024" viewBox="0 0 1024 1024">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#1d2b53"/>
      <stop offset="1" stop-color="#0e6c78"/>
    </linearGradient>
    <linearGradient id="glow" x1="0" y1="0" x2="1" y2="0">
      <stop offset="0" stop-color="#ffd36e"/>
      <stop offset="1" stop-color="#ff8a5b"/>
    </linearGradient>
  </defs>
  <rect x="64" y="64" width="896" height="896" rx="200" fill="url(#bg)"/>
  <g>${dots.join('')}</g>
  <path d="${curve(rough, 170, 250, 684, 520)}" fill="none" stroke="#cfd8ea" stroke-width="26" stroke-linecap="round" stroke-linejoin="round" opacity="0.55"/>
  <path d="${curve(smooth, 170, 250, 684, 520)}" fill="none" stroke="url(#glow)" stroke-width="58" stroke-linecap="round" stroke-linejoin="round"/>
  <circle cx="${(170 + 0.52 * 684).toFixed(1)}" cy="${(250 + 520 - smooth(0.52) * 520).toFixed(1)}" r="46" fill="#ffffff"/>
</svg>
`;
}

/** An .ico whose entries are PNG images (Windows Vista and later read them). */
export function makeIco(images: Array<{ size: number; png: Buffer }>): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const e = Buffer.alloc(16);
    e.writeUInt8(size >= 256 ? 0 : size, 0); // 0 means 256
    e.writeUInt8(size >= 256 ? 0 : size, 1);
    e.writeUInt8(0, 2); // palette
    e.writeUInt8(0, 3);
    e.writeUInt16LE(1, 4); // colour planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(e);
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

/** An .icns whose entries are PNG images (macOS 10.7 and later). */
export function makeIcns(entries: Array<{ type: string; png: Buffer }>): Buffer {
  const parts = entries.map(({ type, png }) => {
    const h = Buffer.alloc(8);
    h.write(type, 0, 'ascii');
    h.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([h, png]);
  });
  const total = 8 + parts.reduce((s, p) => s + p.length, 0);
  const h = Buffer.alloc(8);
  h.write('icns', 0, 'ascii');
  h.writeUInt32BE(total, 4);
  return Buffer.concat([h, ...parts]);
}

async function main(): Promise<void> {
  mkdirSync(path.join(out, 'png'), { recursive: true });
  const svg = Buffer.from(iconSvg());
  writeFileSync(path.join(out, 'icon.svg'), svg);
  const pngs = new Map<number, Buffer>();
  for (const size of PNG_SIZES) {
    // Rasterise at the target size (density scales the 1024-unit drawing), so small icons stay crisp.
    const png = await sharp(svg, { density: Math.max(1, (72 * size) / 1024) })
      .resize(size, size)
      .png({ compressionLevel: 9 })
      .toBuffer();
    pngs.set(size, png);
    writeFileSync(path.join(out, 'png', `${size}x${size}.png`), png);
  }
  writeFileSync(path.join(out, 'icon.png'), pngs.get(1024)!);
  writeFileSync(path.join(out, 'icon.ico'), makeIco(ICO_SIZES.map((size) => ({ size, png: pngs.get(size)! }))));
  writeFileSync(path.join(out, 'icon.icns'), makeIcns(ICNS_TYPES.map(([type, size]) => ({ type, png: pngs.get(size)! }))));
  console.log(`icons: wrote ${PNG_SIZES.length} PNGs, icon.ico and icon.icns to ${path.relative(root, out)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
