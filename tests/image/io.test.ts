import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeImage,
  encodeImage,
  exifOrientation,
  formatFromPath,
  readImage,
  readMask,
  writeImage,
} from '../../src/image/io.js';
import { psnr } from '../../src/image/metrics.js';
import type { RasterImage } from '../../src/image/types.js';
import { GncError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gnc-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string): string => join(dir, name);

const W = 37;
const H = 23;

/** A smooth gradient with a hard edge, quantised to `levels` so integer formats hold it exactly. */
function synthetic(channels: 1 | 3, levels: number, width = W, height = H): RasterImage {
  const data = new Float32Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const edge = x > width / 2 ? 0.35 : 0;
        const v = ((x / (width - 1)) * 0.6 + (y / (height - 1)) * 0.3 * (c + 1) / channels + edge) % 1;
        data[(y * width + x) * channels + c] = Math.round(v * levels) / levels;
      }
    }
  }
  return { width, height, channels, data };
}

/** Photo-like content for lossy codecs: gentle colour gradients and one grey step edge. */
function smooth(width: number, height: number): RasterImage {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const edge = x > width / 2 ? 0.3 : 0;
      const base = 0.2 + 0.3 * (x / width) + edge;
      data.set([base + 0.1 * (y / height), base, base - 0.1 * (y / height)].map((v) => Math.round(v * 255) / 255), (y * width + x) * 3);
    }
  }
  return { width, height, channels: 3, data };
}

function ramp(n: number, levels: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.round(((i * 7) % n / (n - 1)) * levels) / levels);
}

async function errorOf(promise: Promise<unknown>): Promise<GncError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(GncError);
    return err as GncError;
  }
  throw new Error('expected the promise to reject');
}

async function listTemps(): Promise<string[]> {
  return (await fs.readdir(dir)).filter((name) => name.endsWith('.tmp'));
}

describe('lossless round trips', () => {
  for (const format of ['png', 'tiff'] as const) {
    for (const bitDepth of [8, 16] as const) {
      for (const channels of [1, 3] as const) {
        it(`${format} ${bitDepth}-bit ${channels === 1 ? 'grey' : 'RGB'} is exact`, async () => {
          const levels = bitDepth === 8 ? 255 : 65535;
          const image = synthetic(channels, levels);
          const path = file(`exact-${bitDepth}-${channels}.${format === 'png' ? 'png' : 'tif'}`);
          await writeImage(path, image, { bitDepth });
          const back = await readImage(path);
          expect(back).toMatchObject({ width: W, height: H, channels, bitDepth, format, path });
          expect(back.alpha).toBeUndefined();
          expect(Array.from(back.data)).toEqual(Array.from(image.data));
        });
      }
    }
  }

  it('16-bit PNG keeps all 65536 levels, not just 8-bit ones', async () => {
    const image: RasterImage = { width: 256, height: 256, channels: 1, data: Float32Array.from({ length: 65536 }, (_, i) => i / 65535) };
    const back = await decodeImage(await encodeImage(image, 'png', { bitDepth: 16 }));
    expect(back.bitDepth).toBe(16);
    expect(Array.from(back.data)).toEqual(Array.from(image.data));
  });

  it('bit depth defaults to the image its own, then to 8', async () => {
    const image = synthetic(3, 65535);
    expect((await decodeImage(await encodeImage({ ...image, bitDepth: 16 }, 'png'))).bitDepth).toBe(16);
    expect((await decodeImage(await encodeImage(image, 'png'))).bitDepth).toBe(8);
    // JPEG and WebP only hold 8 bits, whatever is asked
    expect((await decodeImage(await encodeImage(image, 'jpeg', { bitDepth: 16 }))).bitDepth).toBe(8);
  });

  it('clips to [0, 1] and rounds to the nearest level', async () => {
    const data = Float32Array.from([-0.5, 0, 0.3 / 255, 0.6 / 255, 254.4 / 255, 1, 1.7, Number.NaN, 0.5]);
    const back = await decodeImage(await encodeImage({ width: 3, height: 3, channels: 1, data }, 'png'));
    expect(Array.from(back.data).map((v) => Math.round(v * 255))).toEqual([0, 0, 0, 1, 254, 255, 255, 0, 128]);
  });

  it('32-bit float TIFF keeps every value, out-of-range ones included', async () => {
    for (const channels of [1, 3] as const) {
      const n = W * H;
      const data = Float32Array.from({ length: n * channels }, (_, i) => Math.sin(i * 0.37) * 0.8 + 0.4 + 1e-7 * i);
      const alpha = Float32Array.from({ length: n }, (_, i) => (i % 11) / 10);
      const path = file(`float-${channels}.tiff`);
      await writeImage(path, { width: W, height: H, channels, data, alpha, bitDepth: 32 });
      const back = await readImage(path);
      expect(back).toMatchObject({ channels, bitDepth: 32, format: 'tiff' });
      expect(Array.from(back.data)).toEqual(Array.from(data));
      expect(Array.from(back.alpha!)).toEqual(Array.from(alpha));
    }
  });

  it('a float image written as PNG becomes 16-bit unless 32 is asked for explicitly', async () => {
    const image = { ...synthetic(1, 65535), bitDepth: 32 as const };
    expect((await decodeImage(await encodeImage(image, 'png'))).bitDepth).toBe(16);
    const err = await errorOf(encodeImage(image, 'png', { bitDepth: 32 }));
    expect(err.kind).toBe('invalid-argument');
    expect(err.message).toMatch(/8 or 16.*PNG.*32/);
  });
});

describe('lossy formats', () => {
  for (const format of ['jpeg', 'webp'] as const) {
    it(`${format} round trip is close`, async () => {
      const image = smooth(64, 48);
      const path = file(`lossy.${format === 'jpeg' ? 'jpg' : 'webp'}`);
      await writeImage(path, image);
      const back = await readImage(path);
      expect(back).toMatchObject({ width: 64, height: 48, channels: 3, bitDepth: 8, format });
      expect(psnr(back.data, image.data)).toBeGreaterThan(30);
    });
  }

  it('grey JPEG stays grey', async () => {
    const image = synthetic(1, 255, 64, 48);
    const back = await decodeImage(await encodeImage(image, 'jpeg', { quality: 98 }));
    expect(back.channels).toBe(1);
    expect(psnr(back.data, image.data)).toBeGreaterThan(35);
  });

  it('grey written as WebP comes back as RGB (WebP has no grey mode), with equal channels', async () => {
    const grey = await decodeImage(await encodeImage({ width: 32, height: 16, channels: 1, data: new Float32Array(512).fill(0.5) }, 'webp'));
    expect(grey.channels).toBe(3);
    expect(grey.data.every((v) => Math.abs(v - 0.5) < 0.01)).toBe(true);
  });

  it('quality must be an integer 1–100', async () => {
    const err = await errorOf(encodeImage(synthetic(3, 255), 'jpeg', { quality: 0 }));
    expect(err.kind).toBe('invalid-argument');
    expect(err.message).toMatch(/between 1 and 100 for quality but received 0/);
  });
});

describe('alpha', () => {
  for (const [format, bitDepth] of [['png', 8], ['png', 16], ['tiff', 8], ['tiff', 16], ['webp', 8]] as const) {
    for (const channels of [1, 3] as const) {
      if (format === 'webp' && channels === 1) continue; // WebP has no grey; covered below
      it(`is kept apart and re-attached: ${format} ${bitDepth}-bit ${channels === 1 ? 'grey' : 'RGB'}`, async () => {
        const levels = bitDepth === 8 ? 255 : 65535;
        const image = synthetic(channels, levels);
        const alpha = ramp(W * H, levels);
        const back = await decodeImage(await encodeImage({ ...image, alpha }, format, { bitDepth, quality: 100 }));
        expect(back.channels).toBe(channels);
        expect(back.data.length).toBe(W * H * channels);
        expect(back.alpha).toBeInstanceOf(Float32Array);
        if (format === 'webp') {
          expect(psnr(back.alpha!, alpha)).toBeGreaterThan(40);
        } else {
          expect(Array.from(back.alpha!)).toEqual(Array.from(alpha));
          expect(Array.from(back.data)).toEqual(Array.from(image.data));
        }
      });
    }
  }

  it('is dropped for JPEG, which cannot hold it', async () => {
    const back = await decodeImage(await encodeImage({ ...synthetic(3, 255), alpha: ramp(W * H, 255) }, 'jpeg'));
    expect(back.alpha).toBeUndefined();
    expect(back.channels).toBe(3);
  });

  it('is read from files made by sharp (grey+alpha PNG)', async () => {
    const raw = Uint8Array.from({ length: W * H * 2 }, (_, i) => (i * 13) % 256);
    const png = await sharp(raw, { raw: { width: W, height: H, channels: 2 } }).toColourspace('b-w').png().toBuffer();
    const back = await decodeImage(png);
    expect(back.channels).toBe(1);
    expect(Array.from(back.data, (v) => Math.round(v * 255))).toEqual(Array.from(raw.filter((_, i) => i % 2 === 0)));
    expect(Array.from(back.alpha!, (v) => Math.round(v * 255))).toEqual(Array.from(raw.filter((_, i) => i % 2 === 1)));
  });
});

describe('metadata', () => {
  /** An RGB PNG with a Display P3 profile, EXIF orientation 6 and a copyright, made by sharp. */
  async function taggedInput(depth: 8 | 16): Promise<Buffer> {
    const values = smooth(W, H).data;
    const pixels = depth === 16 ? Uint16Array.from(values, (v, i) => Math.round(v * 65535) ^ (i & 7)) : Uint8Array.from(values, (v) => Math.round(v * 255));
    return sharp(pixels, { raw: { width: W, height: H, channels: 3 } })
      .toColourspace(depth === 16 ? 'rgb16' : 'srgb')
      .withIccProfile('p3')
      .withMetadata({ orientation: 6 })
      .withExif({ IFD0: { Copyright: 'GNC Studio test' } })
      .png()
      .toBuffer();
  }

  it('reads ICC and EXIF without applying the profile or the rotation', async () => {
    const input = await taggedInput(8);
    const meta = await sharp(input).metadata();
    const image = await decodeImage(input);
    expect(image.icc?.equals(meta.icc!)).toBe(true);
    expect(image.exif?.equals(meta.exif!)).toBe(true);
    expect(exifOrientation(image.exif!)).toBe(6);
    expect([image.width, image.height]).toEqual([W, H]); // not rotated
    const stored = await sharp(input).keepIccProfile().raw().toBuffer();
    expect(Array.from(image.data, (v) => Math.round(v * 255))).toEqual(Array.from(stored));
  });

  for (const format of ['png', 'jpeg', 'webp', 'tiff'] as const) {
    it(`re-attaches ICC${format === 'tiff' ? ' and orientation' : ' and EXIF'} on ${format} output`, async () => {
      const input = await taggedInput(8);
      const image = await decodeImage(input);
      const path = file(`meta.${format}`);
      await writeImage(path, image, { format });
      const out = await sharp(path).metadata();
      expect(out.icc && Buffer.from(out.icc).equals(image.icc!)).toBe(true);
      expect(out.orientation).toBe(6);
      if (format !== 'tiff') {
        expect(out.exif).toBeDefined();
        expect(Buffer.from(out.exif!).includes('GNC Studio test')).toBe(true);
      }
      expect([out.width, out.height]).toEqual([W, H]);
      // The profile describes the pixels unchanged: nothing was colour-converted on the way.
      const back = await readImage(path);
      if (format === 'png' || format === 'tiff') expect(Array.from(back.data)).toEqual(Array.from(image.data));
      else expect(psnr(back.data, image.data)).toBeGreaterThan(30);
    });
  }

  it('16-bit PNG with a profile round-trips exactly (sharp would otherwise convert to P3)', async () => {
    const input = await taggedInput(16);
    const image = await decodeImage(input);
    const stored = await sharp(input).keepIccProfile().toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
    const u16 = new Uint16Array(stored.buffer, stored.byteOffset, stored.length / 2);
    expect(Array.from(image.data, (v) => Math.round(v * 65535))).toEqual(Array.from(u16));
    for (const format of ['png', 'tiff'] as const) {
      const back = await decodeImage(await encodeImage(image, format));
      expect(back.bitDepth).toBe(16);
      expect(back.icc?.equals(image.icc!)).toBe(true);
      expect(Array.from(back.data)).toEqual(Array.from(image.data));
    }
  });

  it('keeps EXIF from a JPEG when writing PNG (Exif header stripped for eXIf)', async () => {
    const jpeg = await sharp(Uint8Array.from({ length: W * H * 3 }, (_, i) => i % 256), { raw: { width: W, height: H, channels: 3 } })
      .withMetadata({ orientation: 3 })
      .jpeg()
      .toBuffer();
    const image = await decodeImage(jpeg);
    expect(exifOrientation(image.exif!)).toBe(3);
    const out = await sharp(await encodeImage(image, 'png')).metadata();
    expect(out.orientation).toBe(3);
  });

  it('float TIFF keeps ICC and orientation', async () => {
    const image = await decodeImage(await taggedInput(16));
    const out = await encodeImage(image, 'tiff', { bitDepth: 32 });
    const meta = await sharp(out).metadata();
    expect(meta.depth).toBe('float');
    expect(meta.orientation).toBe(6);
    expect(meta.icc && Buffer.from(meta.icc).equals(image.icc!)).toBe(true);
    const back = await decodeImage(out);
    expect(back.icc?.equals(image.icc!)).toBe(true);
    expect(Array.from(back.data)).toEqual(Array.from(image.data));
  });

  it('converts CMYK to RGB and drops the CMYK profile', async () => {
    const cmyk = await sharp(Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 5) % 256), { raw: { width: W, height: H, channels: 3 } })
      .toColourspace('cmyk')
      .jpeg()
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const image = await decodeImage(cmyk);
    expect(image).toMatchObject({ channels: 3, bitDepth: 8, format: 'jpeg' });
    expect(image.icc).toBeUndefined();
  });
});

describe('reading errors', () => {
  it('missing file is an io error naming the path', async () => {
    const path = file('nope.png');
    const err = await errorOf(readImage(path));
    expect(err.kind).toBe('io');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/does not exist/);
  });

  it('a directory is an io error', async () => {
    const err = await errorOf(readImage(dir));
    expect(err.kind).toBe('io');
    expect(err.message).toMatch(/is a directory/);
  });

  it('empty file is invalid-image', async () => {
    const path = file('empty.png');
    await fs.writeFile(path, Buffer.alloc(0));
    const err = await errorOf(readImage(path));
    expect(err.kind).toBe('invalid-image');
    expect(err.message).toMatch(/empty \(0 bytes\).*PNG, JPEG, TIFF or WebP/);
  });

  it('an empty buffer is invalid-image', async () => {
    const err = await errorOf(decodeImage(Buffer.alloc(0)));
    expect(err.kind).toBe('invalid-image');
    expect(err.message).toMatch(/empty/);
  });

  it('random bytes are invalid-image listing the expected formats', async () => {
    const path = file('noise.png');
    await fs.writeFile(path, Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919 + 13) % 256)));
    const err = await errorOf(readImage(path));
    expect(err.kind).toBe('invalid-image');
    expect(err.message).toMatch(/PNG, JPEG, TIFF or WebP/);
    expect(err.message).toContain(path);
  });

  it('a truncated PNG is invalid-image', async () => {
    const png = await encodeImage(synthetic(3, 255, 200, 150), 'png');
    const path = file('truncated.png');
    await fs.writeFile(path, png.subarray(0, Math.floor(png.length / 2)));
    const err = await errorOf(readImage(path));
    expect(err.kind).toBe('invalid-image');
    expect(err.message).toContain(path);
  });

  it('an unsupported format is named', async () => {
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).gif().toBuffer();
    const err = await errorOf(decodeImage(gif));
    expect(err.kind).toBe('invalid-image');
    expect(err.message).toMatch(/GIF.*PNG, JPEG, TIFF or WebP/);
  });

  it('too many pixels is image-too-large, from the header alone', async () => {
    const path = file('big.png');
    await writeImage(path, synthetic(1, 255));
    const err = await errorOf(readImage(path, { maxPixels: 100 }));
    expect(err.kind).toBe('image-too-large');
    expect(err.message).toContain(`${W}×${H}`);
    expect(err.message).toContain('100 pixels');
    await expect(readImage(path, { maxPixels: W * H })).resolves.toMatchObject({ width: W });
  });

  it('the default limit is 250 megapixels, checked from the header before decoding', async () => {
    // A small PNG whose IHDR claims 20000×20000 (400 MP): only a header check can refuse it cheaply.
    const png = Buffer.from(await encodeImage(synthetic(1, 255), 'png'));
    png.writeUInt32BE(20000, 16);
    png.writeUInt32BE(20000, 20);
    png.writeUInt32BE(zlib.crc32(png.subarray(12, 29)) >>> 0, 29);
    const err = await errorOf(decodeImage(png));
    expect(err.kind).toBe('image-too-large');
    expect(err.message).toMatch(/20000×20000 \(400\.0 megapixels\).*250000000 pixels/);
  });
});

describe('writing', () => {
  it('picks the format from the extension', () => {
    expect(formatFromPath('a/b.PNG')).toBe('png');
    expect(formatFromPath('x.jpg')).toBe('jpeg');
    expect(formatFromPath('x.jpeg')).toBe('jpeg');
    expect(formatFromPath('x.tif')).toBe('tiff');
    expect(formatFromPath('x.tiff')).toBe('tiff');
    expect(formatFromPath('x.webp')).toBe('webp');
  });

  it('an unknown extension is invalid-argument naming the extensions', async () => {
    const err = await errorOf(writeImage(file('out.bmp'), synthetic(1, 255)));
    expect(err.kind).toBe('invalid-argument');
    expect(err.message).toMatch(/\.png.*\.webp.*out\.bmp/);
  });

  it('options.format overrides the extension', async () => {
    const path = file('actually-jpeg.png');
    await writeImage(path, synthetic(3, 255), { format: 'jpeg' });
    expect((await sharp(path).metadata()).format).toBe('jpeg');
  });

  it('rejects data of the wrong length', async () => {
    const err = await errorOf(encodeImage({ width: 4, height: 4, channels: 3, data: new Float32Array(10) }, 'png'));
    expect(err.kind).toBe('invalid-argument');
    expect(err.message).toMatch(/4×4×3 = 48.*Float32Array of 10/);
  });

  it('rejects sizes the format cannot hold', async () => {
    const err = await errorOf(encodeImage({ width: 16384, height: 1, channels: 1, data: new Float32Array(16384) }, 'webp'));
    expect(err.kind).toBe('image-too-large');
    expect(err.message).toMatch(/16384×1.*WEBP.*16383/);
  });

  it('replaces an existing file and leaves no temp file behind', async () => {
    const path = file('atomic.png');
    await writeImage(path, synthetic(1, 255));
    await writeImage(path, synthetic(3, 255));
    expect((await readImage(path)).channels).toBe(3);
    expect(await listTemps()).toEqual([]);
  });

  it('a failed write removes its temp file and keeps the old file', async () => {
    // Renaming a file over a non-empty directory fails after the temp file is written.
    const target = file('blocked.png');
    await fs.mkdir(target);
    await fs.writeFile(join(target, 'keep'), 'x');
    const err = await errorOf(writeImage(target, synthetic(1, 255)));
    expect(err.kind).toBe('io');
    expect(err.message).toContain(target);
    expect(await listTemps()).toEqual([]);
    expect((await fs.stat(target)).isDirectory()).toBe(true);
  });

  it('a missing directory is an io error', async () => {
    const err = await errorOf(writeImage(file('no/such/dir/out.png'), synthetic(1, 255)));
    expect(err.kind).toBe('io');
  });
});

describe('readMask', () => {
  it('non-zero means fill in: M = 0 there, 1 elsewhere; alpha is ignored', async () => {
    // RGBA mask: pixel 0 all zero, 1 red only, 2 blue only, 3 zero colour with opaque alpha, 4 white, 5 zero with zero alpha
    const rgba = Uint8Array.from([0, 0, 0, 255, 9, 0, 0, 255, 0, 0, 1, 0, 0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 0]);
    const path = file('mask-rgba.png');
    await sharp(rgba, { raw: { width: 3, height: 2, channels: 4 } }).png().toFile(path);
    expect(Array.from(await readMask(path, 3, 2))).toEqual([1, 0, 0, 1, 0, 1]);
  });

  it('works for grey 16-bit masks', async () => {
    const grey = Uint16Array.from([0, 1, 65535, 0]);
    const path = file('mask-grey16.png');
    await sharp(grey, { raw: { width: 2, height: 2, channels: 1 } }).toColourspace('grey16').png().toFile(path);
    expect(Array.from(await readMask(path, 2, 2))).toEqual([1, 0, 0, 1]);
  });

  it('a mask of the wrong size is invalid-mask naming both sizes', async () => {
    const path = file('mask-small.png');
    await writeImage(path, synthetic(1, 255));
    const err = await errorOf(readMask(path, 40, 30));
    expect(err.kind).toBe('invalid-mask');
    expect(err.message).toContain(`${W}×${H}`);
    expect(err.message).toContain('40×30');
  });

  it('a corrupt mask is invalid-mask, a missing one io', async () => {
    const path = file('mask-corrupt.png');
    await fs.writeFile(path, 'not an image');
    expect((await errorOf(readMask(path, 2, 2))).kind).toBe('invalid-mask');
    expect((await errorOf(readMask(file('mask-missing.png'), 2, 2))).kind).toBe('io');
  });
});
