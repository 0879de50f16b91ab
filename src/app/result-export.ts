/**
 * Saving a job's result the way the user asked: format, bit depth, with or
 * without the input's ICC profile and EXIF. The job wrote its result as a
 * lossless PNG at full depth; this re-encodes it. Saving to a path never
 * replaces an existing file unless told to ('exists' otherwise, which the UI
 * turns into a question).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { encodeImage, formatFromPath, readImage, writeImage } from '../image/io.js';
import type { ImageFormat } from '../image/types.js';
import { GncError } from '../util/errors.js';
import { ApiFailure } from './api-errors.js';
import type { DownloadOptions, ExportRequest, SavedFile } from './engine-api.js';

export const EXTENSION: Record<ImageFormat, string> = { png: 'png', jpeg: 'jpg', tiff: 'tif', webp: 'webp' };

async function loadResult(resultFile: string, keepMetadata: boolean) {
  const image = await readImage(resultFile);
  if (!keepMetadata) {
    delete image.icc;
    delete image.exif;
  }
  return image;
}

/** JPEG and WebP hold 8 bits whatever is asked. */
function depthFor(format: ImageFormat, asked: 8 | 16 | undefined, own: number): 8 | 16 {
  if (format === 'jpeg' || format === 'webp') return 8;
  return asked ?? (own >= 16 ? 16 : 8);
}

export async function encodeResult(resultFile: string, options: DownloadOptions): Promise<{ bytes: Buffer; format: ImageFormat; bitDepth: 8 | 16 }> {
  const format = options.format ?? 'png';
  const image = await loadResult(resultFile, options.keepMetadata ?? true);
  const bitDepth = depthFor(format, options.bitDepth, image.bitDepth);
  return { bytes: await encodeImage(image, format, { bitDepth }), format, bitDepth };
}

/** Refuses a target that cannot be written, before any work is done. */
export function checkTarget(target: string, overwrite: boolean): void {
  const dir = path.dirname(target);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new GncError('not-found', `Cannot save to ${target}: the folder ${dir} does not exist`);
  if (existsSync(target)) {
    if (statSync(target).isDirectory()) throw new GncError('invalid-argument', `Cannot save to ${target}: it is a folder; expected a file name`);
    // Checked before writing; the write itself is an atomic rename, so a file
    // appearing in between is replaced rather than corrupted.
    if (!overwrite) throw new ApiFailure('exists', `${target} already exists; save again with overwrite to replace it`);
  }
}

export async function exportResultFile(resultFile: string, request: Omit<ExportRequest, 'jobId'>): Promise<SavedFile> {
  const target = path.resolve(request.path);
  const fromName = formatFromPath(target);
  const format = request.format ?? fromName;
  if (format !== fromName) {
    throw new GncError('invalid-argument', `The file name ${path.basename(target)} says ${fromName.toUpperCase()} but the format asked is ${format.toUpperCase()}; expected an extension that matches (.${EXTENSION[format]})`);
  }
  checkTarget(target, request.overwrite ?? false);
  const image = await loadResult(resultFile, request.keepMetadata ?? true);
  const bitDepth = depthFor(format, request.bitDepth, image.bitDepth);
  await writeImage(target, image, { format, bitDepth });
  return { path: target, bytes: statSync(target).size, format, bitDepth };
}
