import { describe, expect, it } from 'vitest';
import {
  constrainView,
  fitView,
  imageToScreen,
  MAX_SCALE,
  panBy,
  screenToImage,
  splitFromKey,
  splitFromPointer,
  splitImageX,
  visibleRect,
  wheelFactor,
  zoomBy,
  zoomTo,
} from '../../renderer/src/lib/logic/viewport.js';

describe('zoom and pan maths', () => {
  it('fits an image centred without enlarging it', () => {
    expect(fitView({ width: 4000, height: 3000 }, { width: 800, height: 600 })).toEqual({ scale: 0.2, x: 0, y: 0 });
    const small = fitView({ width: 100, height: 50 }, { width: 800, height: 600 });
    expect(small.scale).toBe(1);
    expect(small.x).toBe(350);
    expect(small.y).toBe(275);
  });

  it('screen and image coordinates are inverse maps', () => {
    const v = { scale: 2.5, x: -30, y: 12 };
    const p = screenToImage(v, 123, 456);
    const q = imageToScreen(v, p.x, p.y);
    expect(q.x).toBeCloseTo(123);
    expect(q.y).toBeCloseTo(456);
  });

  it('zooming keeps the image point under the pointer fixed', () => {
    const v = { scale: 0.5, x: 10, y: 20 };
    const under = screenToImage(v, 300, 200);
    const z = zoomBy(v, 3, 300, 200);
    expect(z.scale).toBe(1.5);
    const after = screenToImage(z, 300, 200);
    expect(after.x).toBeCloseTo(under.x);
    expect(after.y).toBeCloseTo(under.y);
  });

  it('zoom stops at 800 %', () => {
    const z = zoomTo({ scale: 1, x: 0, y: 0 }, 50, 0, 0);
    expect(z.scale).toBe(MAX_SCALE);
    expect(MAX_SCALE).toBe(8);
    expect(zoomBy(z, 2, 0, 0).scale).toBe(8);
  });

  it('the wheel zooms in for negative deltas and out for positive ones', () => {
    expect(wheelFactor(-100)).toBeGreaterThan(1);
    expect(wheelFactor(100)).toBeLessThan(1);
    expect(wheelFactor(-100) * wheelFactor(100)).toBeCloseTo(1);
  });

  it('panning cannot lose the picture', () => {
    const image = { width: 1000, height: 1000 };
    const pane = { width: 400, height: 300 };
    const far = constrainView(panBy({ scale: 1, x: 0, y: 0 }, 5000, -5000), image, pane, 48);
    expect(far.x).toBe(400 - 48);
    expect(far.y).toBe(48 - 1000);
  });

  it('visibleRect clips to the image', () => {
    const r = visibleRect({ scale: 2, x: -100, y: 0 }, { width: 300, height: 100 }, { width: 400, height: 400 });
    expect(r).toEqual({ x0: 50, y0: 0, x1: 250, y1: 100 });
  });
});

describe('split position', () => {
  it('follows the pointer within the pane, clamped to its edges', () => {
    expect(splitFromPointer(150, 100, 200)).toBe(0.25);
    expect(splitFromPointer(0, 100, 200)).toBe(0);
    expect(splitFromPointer(999, 100, 200)).toBe(1);
  });

  it('moves with the arrow keys and jumps with Home/End', () => {
    expect(splitFromKey(0.5, 'ArrowRight')).toBeCloseTo(0.51);
    expect(splitFromKey(0.5, 'ArrowLeft', true)).toBeCloseTo(0.4);
    expect(splitFromKey(0.995, 'ArrowRight')).toBe(1);
    expect(splitFromKey(0.3, 'Home')).toBe(0);
    expect(splitFromKey(0.3, 'End')).toBe(1);
    expect(splitFromKey(0.3, 'a')).toBe(0.3);
  });

  it('maps the split line to image x at any zoom', () => {
    expect(splitImageX(0.5, 800, { scale: 1, x: 0, y: 0 })).toBe(400);
    expect(splitImageX(0.5, 800, { scale: 2, x: -200, y: 0 })).toBe(300);
  });
});
