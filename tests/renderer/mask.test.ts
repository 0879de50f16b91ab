import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { brushAlpha, MaskModel, maskFromRgba, overlayPixels, rgbaFromMask, TILE } from '../../renderer/src/lib/logic/mask.js';
import { encodeGreyPng, zlibStored } from '../../renderer/src/lib/logic/png.js';

function snapshot(m: MaskModel) {
  return m.data.slice();
}

describe('MaskModel painting', () => {
  it('a stroke marks pixels along its path as "fill in" and nothing far from it', () => {
    const m = new MaskModel(200, 100);
    m.brush = { size: 10, hardness: 1, mode: 'paint' };
    m.beginStroke(20, 50);
    m.strokeTo(180, 50);
    m.endStroke();
    for (const x of [20, 60, 100, 140, 180]) expect(m.data[50 * 200 + x]).toBe(255);
    expect(m.data[10 * 200 + 100]).toBe(0);
    expect(m.data[50 * 200 + 5]).toBe(0);
    expect(m.canUndo).toBe(true);
  });

  it('soft brushes fall off smoothly towards the edge', () => {
    expect(brushAlpha(0, 10, 0.5)).toBe(255);
    expect(brushAlpha(5, 10, 0.5)).toBe(255);
    const mid = brushAlpha(7.5, 10, 0.5);
    expect(mid).toBeGreaterThan(0);
    expect(mid).toBeLessThan(255);
    expect(brushAlpha(10, 10, 0.5)).toBe(0);
  });

  it('the eraser removes paint, and only where it goes', () => {
    const m = new MaskModel(100, 100);
    m.brush = { size: 40, hardness: 1, mode: 'paint' };
    m.beginStroke(50, 50);
    m.endStroke();
    expect(m.data[50 * 100 + 50]).toBe(255);
    m.brush = { size: 10, hardness: 1, mode: 'erase' };
    m.beginStroke(50, 50);
    m.endStroke();
    expect(m.data[50 * 100 + 50]).toBe(0);
    expect(m.data[50 * 100 + 36]).toBe(255);
  });

  it('undo and redo restore every byte exactly, stroke by stroke', () => {
    const m = new MaskModel(300, 200);
    const states = [snapshot(m)];
    m.brush = { size: 25, hardness: 0.3, mode: 'paint' };
    m.beginStroke(10, 10);
    m.strokeTo(290, 190);
    m.endStroke();
    states.push(snapshot(m));
    m.brush = { size: 60, hardness: 0.9, mode: 'paint' };
    m.beginStroke(150, 20);
    m.strokeTo(150, 180);
    m.strokeTo(40, 100);
    m.endStroke();
    states.push(snapshot(m));
    m.brush = { size: 30, hardness: 0.5, mode: 'erase' };
    m.beginStroke(0, 100);
    m.strokeTo(300, 100);
    m.endStroke();
    states.push(snapshot(m));

    for (let i = states.length - 2; i >= 0; i--) {
      expect(m.undo()).toBe(true);
      expect(m.data).toEqual(states[i]);
    }
    expect(m.undo()).toBe(false);
    for (let i = 1; i < states.length; i++) {
      expect(m.redo()).toBe(true);
      expect(m.data).toEqual(states[i]);
    }
    expect(m.redo()).toBe(false);
  });

  it('a new edit after undo drops the redo history', () => {
    const m = new MaskModel(50, 50);
    m.beginStroke(10, 10);
    m.endStroke();
    m.undo();
    expect(m.canRedo).toBe(true);
    m.beginStroke(30, 30);
    m.endStroke();
    expect(m.canRedo).toBe(false);
  });

  it('invert swaps fill and keep, and undoing it restores the mask', () => {
    const m = new MaskModel(40, 30);
    m.brush = { size: 8, hardness: 0.5, mode: 'paint' };
    m.beginStroke(10, 10);
    m.endStroke();
    const before = snapshot(m);
    m.invert();
    for (let i = 0; i < before.length; i++) expect(m.data[i]).toBe(255 - before[i]!);
    m.undo();
    expect(m.data).toEqual(before);
    m.redo();
    expect(m.data[0]).toBe(255);
  });

  it('clear empties the mask and is undoable', () => {
    const m = new MaskModel(80, 60);
    m.beginStroke(40, 30);
    m.strokeTo(70, 50);
    m.endStroke();
    const painted = snapshot(m);
    m.clear();
    expect(m.isEmpty()).toBe(true);
    m.undo();
    expect(m.data).toEqual(painted);
    // Clearing an empty mask records nothing.
    const fresh = new MaskModel(10, 10);
    fresh.clear();
    expect(fresh.canUndo).toBe(false);
  });

  it('load replaces the mask (undoable) and refuses the wrong size', () => {
    const m = new MaskModel(4, 2);
    m.load(new Uint8Array([0, 255, 0, 255, 1, 2, 3, 4]));
    expect(Array.from(m.data)).toEqual([0, 255, 0, 255, 1, 2, 3, 4]);
    m.undo();
    expect(m.isEmpty()).toBe(true);
    expect(() => m.load(new Uint8Array(7))).toThrow(/expected 8 values \(4×2\) but received 7/);
  });

  it('reports the dirty rectangle of what changed, then resets it', () => {
    const m = new MaskModel(500, 500);
    m.takeDirty();
    m.brush = { size: 20, hardness: 1, mode: 'paint' };
    m.beginStroke(100, 100);
    m.strokeTo(150, 100);
    const d = m.takeDirty()!;
    expect(d.x0).toBeLessThanOrEqual(90);
    expect(d.x1).toBeGreaterThanOrEqual(160);
    expect(d.y0).toBeGreaterThanOrEqual(85);
    expect(d.y1).toBeLessThanOrEqual(115);
    expect(m.takeDirty()).toBeNull();
    m.endStroke();
  });

  it('undo keeps tile patches, not copies of a 12-megapixel mask, and strokes stay fast', () => {
    const m = new MaskModel(4000, 3000);
    m.brush = { size: 80, hardness: 0.7, mode: 'paint' };
    const t0 = performance.now();
    m.beginStroke(100, 100);
    for (let i = 1; i <= 200; i++) m.strokeTo(100 + i * 15, 100 + i * 10);
    m.endStroke();
    const ms = performance.now() - t0;
    const full = 4000 * 3000;
    // The stroke crosses ~3000×2000 px diagonally: its patches cover only the tiles it touched.
    expect(m.historyBytes).toBeLessThan(full / 4);
    expect(m.historyBytes % (TILE * TILE)).toBe(0);
    expect(ms).toBeLessThan(3000);
    m.undo();
    expect(m.isEmpty()).toBe(true);
  });

  it('drops the oldest history beyond the byte budget', () => {
    const m = new MaskModel(256, 256, { historyBytes: 3 * 2 * TILE * TILE });
    for (let i = 0; i < 6; i++) {
      m.beginStroke(10 + i * 40, 10);
      m.endStroke();
    }
    let undos = 0;
    while (m.undo()) undos++;
    expect(undos).toBeLessThan(6);
    expect(undos).toBeGreaterThanOrEqual(1);
  });

  it('refuses a non-integer size', () => {
    expect(() => new MaskModel(0, 10)).toThrow(/positive integer/);
  });
});

describe('mask pixels in and out', () => {
  it('overlay pixels tint the mask with its value as alpha', () => {
    const m = new MaskModel(2, 1);
    m.load(new Uint8Array([0, 200]));
    const px = overlayPixels(m, { x0: 0, y0: 0, x1: 2, y1: 1 }, [10, 20, 30], 0.5);
    expect(Array.from(px)).toEqual([10, 20, 30, 0, 10, 20, 30, 100]);
  });

  it('imports RGBA as luminance (transparent = keep) and exports opaque grey', () => {
    const rgba = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 0]);
    expect(Array.from(maskFromRgba(rgba, 3, 1))).toEqual([255, 0, 0]);
    expect(Array.from(rgbaFromMask(new Uint8Array([7])))).toEqual([7, 7, 7, 255]);
    expect(() => maskFromRgba(rgba, 2, 2)).toThrow(/expected 16 bytes/);
  });

  it('encodes a valid greyscale PNG the engine can read', async () => {
    const grey = new Uint8Array([0, 255, 128, 1, 2, 3]);
    const png = await encodeGreyPng(grey, 3, 2);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const sharp = (await import('sharp')).default;
    const meta = await sharp(png).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 3, height: 2, channels: 1, depth: 'uchar' });
    const data = await sharp(png).extractChannel(0).raw().toBuffer();
    expect(Array.from(data)).toEqual(Array.from(grey));
  });

  it('stored zlib blocks inflate back to the data (fallback without CompressionStream)', () => {
    const data = new Uint8Array(70_000).map((_, i) => i % 251);
    expect(new Uint8Array(inflateSync(zlibStored(data)))).toEqual(data);
  });
});
