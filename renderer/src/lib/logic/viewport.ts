/**
 * Zoom and pan as plain maths. A view maps image pixels to screen pixels of a
 * pane: screen = image · scale + offset. Side-by-side panes of the same size
 * share one view, which is all "synchronised zoom and pan" needs.
 */

export interface View {
  /** Screen pixels per image pixel (1 = 100 %). */
  scale: number;
  /** Screen position of the image's top-left corner. */
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

/** 800 %. */
export const MAX_SCALE = 8;
/** Never smaller than this fraction of "fit", nor than 1 %. */
export const MIN_SCALE = 0.01;

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Scale and offset that show the whole image centred in the pane (never enlarging past 100 %). */
export function fitView(image: Size, pane: Size, allowEnlarge = false): View {
  if (image.width <= 0 || image.height <= 0 || pane.width <= 0 || pane.height <= 0) return { scale: 1, x: 0, y: 0 };
  let scale = Math.min(pane.width / image.width, pane.height / image.height);
  if (!allowEnlarge) scale = Math.min(1, scale);
  scale = clamp(scale, MIN_SCALE, MAX_SCALE);
  return { scale, x: (pane.width - image.width * scale) / 2, y: (pane.height - image.height * scale) / 2 };
}

export function screenToImage(view: View, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - view.x) / view.scale, y: (sy - view.y) / view.scale };
}

export function imageToScreen(view: View, ix: number, iy: number): { x: number; y: number } {
  return { x: ix * view.scale + view.x, y: iy * view.scale + view.y };
}

/**
 * The view zoomed to `scale` (clamped to [min, MAX_SCALE]) keeping the image
 * point under the screen point (sx, sy) where it is.
 */
export function zoomTo(view: View, scale: number, sx: number, sy: number, minScale = MIN_SCALE): View {
  const s = clamp(scale, minScale, MAX_SCALE);
  const p = screenToImage(view, sx, sy);
  return { scale: s, x: sx - p.x * s, y: sy - p.y * s };
}

export function zoomBy(view: View, factor: number, sx: number, sy: number, minScale = MIN_SCALE): View {
  return zoomTo(view, view.scale * factor, sx, sy, minScale);
}

/** Zoom factor for a wheel event's deltaY (smooth for trackpads, one notch ≈ ×1.25). */
export function wheelFactor(deltaY: number, deltaMode = 0): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-px * 0.0022);
}

export function panBy(view: View, dx: number, dy: number): View {
  return { scale: view.scale, x: view.x + dx, y: view.y + dy };
}

/**
 * Keeps at least `margin` screen pixels of the image (or all of it, when it
 * is smaller) inside the pane, so a pan can never lose the picture.
 */
export function constrainView(view: View, image: Size, pane: Size, margin = 48): View {
  const w = image.width * view.scale;
  const h = image.height * view.scale;
  const axis = (pos: number, size: number, paneSize: number) => {
    const m = Math.min(margin, size, paneSize);
    return clamp(pos, m - size, paneSize - m);
  };
  return { scale: view.scale, x: axis(view.x, w, pane.width), y: axis(view.y, h, pane.height) };
}

/** The part of the image a pane shows, in image pixels, clipped to the image. */
export function visibleRect(view: View, image: Size, pane: Size): { x0: number; y0: number; x1: number; y1: number } {
  const a = screenToImage(view, 0, 0);
  const b = screenToImage(view, pane.width, pane.height);
  return {
    x0: clamp(Math.floor(a.x), 0, image.width),
    y0: clamp(Math.floor(a.y), 0, image.height),
    x1: clamp(Math.ceil(b.x), 0, image.width),
    y1: clamp(Math.ceil(b.y), 0, image.height),
  };
}

/** A CSS transform for an <img>/<canvas> of the image's natural size. */
export function cssTransform(view: View): string {
  return `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
}

export function percent(view: View): string {
  return `${Math.round(view.scale * 100)} %`;
}

// ---- split (before/after) slider ---------------------------------------------

/** Split position (0..1 of the pane's width) for a pointer at clientX. */
export function splitFromPointer(clientX: number, paneLeft: number, paneWidth: number): number {
  if (paneWidth <= 0) return 0.5;
  return clamp((clientX - paneLeft) / paneWidth, 0, 1);
}

/** Split position after a key press (arrows step 1 %, with Shift 10 %; Home/End go to the edges). */
export function splitFromKey(position: number, key: string, shift = false): number {
  const step = shift ? 0.1 : 0.01;
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowDown':
      return clamp(position - step, 0, 1);
    case 'ArrowRight':
    case 'ArrowUp':
      return clamp(position + step, 0, 1);
    case 'Home':
      return 0;
    case 'End':
      return 1;
    default:
      return position;
  }
}

/**
 * Where the split line falls on the image: the x (image pixels) left of which
 * image A shows, for a split at `position` (0..1 of the pane's width).
 */
export function splitImageX(position: number, paneWidth: number, view: View): number {
  return (clamp(position, 0, 1) * paneWidth - view.x) / view.scale;
}
