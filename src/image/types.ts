/**
 * The engine's in-memory picture. Pixels are float32 so every solver, prior
 * and metric can work on one representation whatever the file held.
 */
export interface RasterImage {
  width: number;
  height: number;
  /** 1 = grey, 3 = RGB. Alpha never lives here: solvers must not denoise it. */
  channels: 1 | 3;
  /** HWC interleaved (row-major, channels innermost), nominal range [0, 1]. */
  data: Float32Array;
}

export type ImageFormat = 'png' | 'jpeg' | 'tiff' | 'webp';

/** What readImage returns: the pixels plus what writeImage needs to give the file back its identity. */
export interface DecodedImage extends RasterImage {
  /** H*W, [0, 1]; kept apart from colour and re-attached on write. */
  alpha?: Float32Array;
  /** 32 = float TIFF. */
  bitDepth: 8 | 16 | 32;
  format: ImageFormat;
  /** ICC profile of the pixel values as decoded (they are not colour-converted); re-attached on output. */
  icc?: Buffer;
  /** Raw EXIF block; re-attached on output so orientation, camera data and dates survive. */
  exif?: Buffer;
  path?: string;
}
