/**
 * Thumbnails for the experiment lists: at most 256 px on the long side, PNG,
 * written atomically. Named by the content hash of the source, so runs on the
 * same photo share one thumbnail and making it twice costs nothing.
 * Kept out of the repositories' import graph: sharp loads only when asked.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic.js';
import { GncError } from '../util/errors.js';
import { sha256File } from './files.js';

export const THUMBNAIL_SIZE = 256;

/** Writes (or reuses) the thumbnail of `imagePath` in `thumbsDir` and returns its path. */
export async function thumbnail(imagePath: string, thumbsDir: string, options: { sha256?: string; size?: number } = {}): Promise<string> {
  const sha = options.sha256 ?? (await sha256File(imagePath));
  const size = options.size ?? THUMBNAIL_SIZE;
  const target = path.join(thumbsDir, `${sha}-${size}.png`);
  if (existsSync(target)) return target;
  let png: Buffer;
  try {
    png = await sharp(imagePath, { failOn: 'error' })
      .rotate() // honour EXIF orientation, as viewers do
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer();
  } catch (err) {
    throw new GncError('invalid-image', `Could not make a thumbnail of ${imagePath}: ${(err as Error).message}`, { cause: err });
  }
  await fs.mkdir(thumbsDir, { recursive: true });
  await writeFileAtomic(target, png);
  return target;
}
