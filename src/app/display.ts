/**
 * Browser-displayable versions of images: 8-bit, colour-converted to sRGB
 * through the embedded profile (what a colour-managed viewer shows), full
 * size or downscaled for previews. The engine's own files stay untouched;
 * these are only for showing. Orientation is NOT applied: the page shows the
 * pixel grid the engine works on, so crops and painted masks line up.
 */
import sharp from 'sharp';
import { decodeImage, encodeImage } from '../image/io.js';
import { GncError } from '../util/errors.js';

export interface DisplayImage {
  bytes: Buffer;
  mime: 'image/png' | 'image/jpeg';
}

export const PREVIEW_SIDE = 1600;

/**
 * Float TIFFs hold values as they are (nominally 0..1), which libvips would
 * read as linear light; they go through the engine's decoder and an 8-bit
 * PNG first so that they look as the engine sees them.
 */
async function eightBitSource(bytes: Buffer, label: string): Promise<Buffer> {
  const meta = await sharp(bytes).metadata();
  if (meta.depth !== 'float' && meta.depth !== 'double') return bytes;
  const image = await decodeImage(bytes, {}, label);
  return encodeImage({ ...image, icc: undefined, exif: undefined }, 'png', { bitDepth: 8 });
}

/**
 * Renders `bytes` for display; `maxSide` downscales (never enlarges). PNG
 * when there is alpha or the result must be exact, else JPEG for previews.
 * A corrupt file fails here with an invalid-image error naming `label`.
 */
export async function renderDisplay(bytes: Buffer, label: string, options: { maxSide?: number } = {}): Promise<DisplayImage> {
  try {
    const source = await eightBitSource(bytes, label);
    const meta = await sharp(source).metadata();
    const grey = meta.space === 'b-w' || meta.space === 'grey16';
    let pipeline = sharp(source, { failOn: 'error', limitInputPixels: false });
    if (options.maxSide) pipeline = pipeline.resize(options.maxSide, options.maxSide, { fit: 'inside', withoutEnlargement: true });
    pipeline = pipeline.toColourspace(grey ? 'b-w' : 'srgb');
    if (!options.maxSide || meta.hasAlpha) return { bytes: await pipeline.png({ compressionLevel: 3 }).toBuffer(), mime: 'image/png' };
    return { bytes: await pipeline.jpeg({ quality: 88 }).toBuffer(), mime: 'image/jpeg' };
  } catch (err) {
    if (err instanceof GncError) throw err;
    throw new GncError('invalid-image', `Could not decode ${label}: the file is damaged or incomplete (${(err as Error).message.split('\n')[0]}); expected a complete PNG, JPEG, TIFF or WebP image`, { cause: err });
  }
}
