/**
 * The images and masks of one app session. Uploads are written into the
 * session folder under their own (sanitised) name, so recorded runs and
 * output names keep the user's file name; images opened by path (Electron's
 * file dialog) are used in place. Each image is checked when it arrives
 * (format, size, a full decode for its preview), so a corrupt file fails at
 * upload with a message naming it, not later inside a job.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { DEFAULT_MAX_PIXELS, readMask } from '../image/io.js';
import { safeFileName } from '../library/files.js';
import { writeFileAtomic } from '../util/atomic.js';
import { GncError } from '../util/errors.js';
import type { ImageInfo, MaskInfo, UploadFile } from './engine-api.js';
import { PREVIEW_SIDE, renderDisplay, type DisplayImage } from './display.js';
import { iccDescription } from './icc-description.js';
import type { SessionDir } from './session-dir.js';

const FORMATS = ['png', 'jpeg', 'tiff', 'webp'] as const;
const EXPECTED = 'a PNG, JPEG, TIFF or WebP image';

export interface StoredImage {
  info: ImageInfo;
  /** The file jobs read. */
  file: string;
  previewFile: string;
  previewMime: DisplayImage['mime'];
  displayFile?: string;
}

export interface StoredMask {
  info: MaskInfo;
  file: string;
  displayFile: string;
}

export interface ServedFile {
  file: string;
  mime: string;
}

interface Header {
  format: ImageInfo['format'];
  width: number;
  height: number;
  channels: 1 | 3;
  bitDepth: 8 | 16 | 32;
  hasAlpha: boolean;
  icc?: Buffer;
  exif?: Buffer;
}

const newId = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;

/** What the engine will see when it decodes this file (the same rules as image/io.ts). */
async function inspect(bytes: Buffer, label: string, kind: 'invalid-image' | 'invalid-mask', maxPixels: number): Promise<Header> {
  if (bytes.length === 0) throw new GncError(kind, `${label} is empty (0 bytes); expected ${EXPECTED}`);
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw new GncError(kind, `${label} is not an image this app can read (${(err as Error).message.split('\n')[0]}); expected ${EXPECTED}`, { cause: err });
  }
  const format = meta.format as string;
  if (!(FORMATS as readonly string[]).includes(format)) throw new GncError(kind, `${label} is a ${format.toUpperCase()} image; expected ${EXPECTED}`);
  const { width, height, channels } = meta;
  if (!width || !height || !channels) throw new GncError(kind, `${label} has no size in its header; expected ${EXPECTED}`);
  if (width * height > maxPixels) {
    throw new GncError('image-too-large', `${label} is ${width}×${height} (${((width * height) / 1e6).toFixed(1)} megapixels); at most ${(maxPixels / 1e6).toFixed(0)} megapixels are supported`);
  }
  const depth = meta.depth === 'uchar' ? 8 : meta.depth === 'ushort' ? 16 : meta.depth === 'float' || meta.depth === 'double' ? 32 : undefined;
  if (!depth) throw new GncError(kind, `${label} stores ${meta.depth} samples; expected 8- or 16-bit unsigned integers or 32-bit floats`);
  const hasAlpha = meta.hasAlpha === true;
  const space = meta.space as string | undefined;
  const grey = space === 'b-w' || space === 'grey16' || channels - (hasAlpha ? 1 : 0) === 1;
  const convert = !grey && space !== 'srgb' && space !== 'rgb16' && space !== 'scrgb';
  return {
    format: format as Header['format'],
    width,
    height,
    channels: grey ? 1 : 3,
    bitDepth: convert && depth === 16 ? 8 : depth,
    hasAlpha,
    ...(meta.icc && !convert ? { icc: meta.icc } : {}),
    ...(meta.exif ? { exif: meta.exif } : {}),
  };
}

function quote(name: string): string {
  return JSON.stringify(name);
}

export class ImageStore {
  readonly #session: SessionDir;
  readonly #maxPixels: number;
  readonly #images = new Map<string, StoredImage>();
  readonly #masks = new Map<string, StoredMask>();

  constructor(session: SessionDir, options: { maxPixels?: number } = {}) {
    this.#session = session;
    this.#maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  }

  get maxPixels(): number {
    return this.#maxPixels;
  }

  async addUpload(upload: UploadFile): Promise<ImageInfo> {
    const bytes = Buffer.from(upload.bytes.buffer, upload.bytes.byteOffset, upload.bytes.byteLength);
    const imageId = newId('img');
    const label = `The uploaded file ${quote(upload.name)}`;
    const header = await inspect(bytes, label, 'invalid-image', this.#maxPixels);
    const file = path.join(this.#session.folder('images', imageId), safeFileName(upload.name));
    await writeFileAtomic(file, bytes);
    return this.#register(imageId, upload.name, file, bytes, header, label);
  }

  /** An image used in place; `name` is what the app calls it (default: the file's name). */
  async addPath(file: string, name: string = path.basename(file)): Promise<ImageInfo> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new GncError('not-found', `Image file ${file} does not exist`);
      throw new GncError('io', `Could not read the image file ${file}: ${(err as Error).message}`, { cause: err });
    }
    const label = `The image file ${file}`;
    const header = await inspect(bytes, label, 'invalid-image', this.#maxPixels);
    return this.#register(newId('img'), name, path.resolve(file), bytes, header, label);
  }

  async #register(imageId: string, name: string, file: string, bytes: Buffer, header: Header, label: string): Promise<ImageInfo> {
    // The preview is made now: decoding every pixel is what finds a truncated or damaged file.
    let preview: DisplayImage;
    try {
      preview = await renderDisplay(bytes, label, { maxSide: PREVIEW_SIDE });
    } catch (err) {
      if (file.startsWith(this.#session.root)) await fs.rm(path.dirname(file), { recursive: true, force: true });
      throw err;
    }
    const previewFile = path.join(this.#session.folder('display'), `${imageId}-preview.${preview.mime === 'image/png' ? 'png' : 'jpg'}`);
    await fs.writeFile(previewFile, preview.bytes);
    const description = iccDescription(header.icc);
    const info: ImageInfo = {
      imageId,
      name,
      width: header.width,
      height: header.height,
      channels: header.channels,
      bitDepth: header.bitDepth,
      hasAlpha: header.hasAlpha,
      ...(description ? { iccDescription: description } : {}),
      hasExif: header.exif !== undefined,
      format: header.format,
      bytes: bytes.length,
      previewUrl: `/api/images/${imageId}/preview`,
      displayUrl: `/api/images/${imageId}/display`,
    };
    this.#images.set(imageId, { info, file, previewFile, previewMime: preview.mime });
    return info;
  }

  get(imageId: string): StoredImage {
    const image = this.#images.get(imageId);
    if (!image) {
      const known = [...this.#images.keys()];
      throw new GncError('not-found', `No image ${quote(imageId)} in this session (expected one of: ${known.join(', ') || 'none; upload or open an image first'})`);
    }
    return image;
  }

  list(): ImageInfo[] {
    return [...this.#images.values()].map((i) => i.info);
  }

  async remove(imageId: string): Promise<void> {
    const image = this.get(imageId);
    this.#images.delete(imageId);
    for (const [maskId, mask] of this.#masks) {
      if (mask.info.imageId !== imageId) continue;
      this.#masks.delete(maskId);
      await fs.rm(path.dirname(mask.file), { recursive: true, force: true });
      await fs.rm(mask.displayFile, { force: true });
    }
    if (image.file.startsWith(this.#session.root)) await fs.rm(path.dirname(image.file), { recursive: true, force: true });
    await fs.rm(image.previewFile, { force: true });
    if (image.displayFile) await fs.rm(image.displayFile, { force: true });
  }

  async preview(imageId: string): Promise<ServedFile> {
    const image = this.get(imageId);
    return { file: image.previewFile, mime: image.previewMime };
  }

  /** The full-resolution 8-bit PNG, made on first request (it can take a while for a big photo). */
  async display(imageId: string): Promise<ServedFile> {
    const image = this.get(imageId);
    if (!image.displayFile) {
      const rendered = await renderDisplay(await fs.readFile(image.file), `image ${quote(image.info.name)}`);
      const target = path.join(this.#session.folder('display'), `${imageId}-display.png`);
      await fs.writeFile(target, rendered.bytes);
      image.displayFile = target;
    }
    return { file: image.displayFile, mime: 'image/png' };
  }

  /** A mask for an image: same size, any non-zero colour = fill in. */
  async addMask(imageId: string, upload: UploadFile): Promise<MaskInfo> {
    const image = this.get(imageId);
    const bytes = Buffer.from(upload.bytes.buffer, upload.bytes.byteOffset, upload.bytes.byteLength);
    const label = `The mask ${quote(upload.name)}`;
    const header = await inspect(bytes, label, 'invalid-mask', this.#maxPixels);
    const { width, height } = image.info;
    if (header.width !== width || header.height !== height) {
      throw new GncError(
        'invalid-mask',
        `${label} is ${header.width}×${header.height} but the image ${quote(image.info.name)} is ${width}×${height}; expected a mask of the same size (${width}×${height})`,
      );
    }
    const maskId = newId('mask');
    const file = path.join(this.#session.folder('masks', maskId), safeFileName(upload.name));
    await writeFileAtomic(file, bytes);
    let observed: Float32Array;
    try {
      observed = await readMask(file, width, height);
    } catch (err) {
      await fs.rm(path.dirname(file), { recursive: true, force: true });
      if (err instanceof GncError) throw new GncError(err.kind, err.message.replace(file, quote(upload.name)), { cause: err });
      throw err;
    }
    let fill = 0;
    const white = new Uint8Array(observed.length);
    for (let p = 0; p < observed.length; p++) {
      if (observed[p] === 0) {
        fill += 1;
        white[p] = 255;
      }
    }
    const displayFile = path.join(this.#session.folder('display'), `${maskId}-display.png`);
    await fs.writeFile(displayFile, await sharp(white, { raw: { width, height, channels: 1 } }).png().toBuffer());
    const info: MaskInfo = { maskId, imageId, width, height, fillFraction: fill / observed.length, displayUrl: `/api/masks/${maskId}/display` };
    this.#masks.set(maskId, { info, file, displayFile });
    return info;
  }

  getMask(maskId: string, forImage?: string): StoredMask {
    const mask = this.#masks.get(maskId);
    if (!mask) throw new GncError('not-found', `No mask ${quote(maskId)} in this session; upload a mask for the image first`);
    if (forImage !== undefined && mask.info.imageId !== forImage) {
      throw new GncError('invalid-mask', `Mask ${quote(maskId)} belongs to image ${quote(mask.info.imageId)}, not to ${quote(forImage)}; upload a mask for this image`);
    }
    return mask;
  }
}
