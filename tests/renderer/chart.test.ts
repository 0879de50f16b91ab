import { describe, expect, it } from 'vitest';
import { chartScales, extent, formatTick, linePath, linearScale, logScale, niceTicks } from '../../renderer/src/lib/logic/chart.js';

describe('chart scales', () => {
  it('linear scales map domain to range, also reversed ranges', () => {
    const s = linearScale([0, 10], [100, 0]);
    expect(s(0)).toBe(100);
    expect(s(5)).toBe(50);
    expect(s(10)).toBe(0);
  });

  it('a flat domain is widened instead of dividing by zero', () => {
    const s = linearScale([3, 3], [0, 100]);
    expect(Number.isFinite(s(3))).toBe(true);
    expect(s(3)).toBeCloseTo(50);
  });

  it('log scales place decades evenly and tick on powers of ten', () => {
    const s = logScale([1, 1000], [0, 300]);
    expect(s(10)).toBeCloseTo(100);
    expect(s(100)).toBeCloseTo(200);
    expect(s.ticks()).toEqual([1, 10, 100, 1000]);
  });

  it('nice ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.13, 0.91, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });

  it('paths break at missing values', () => {
    const d = linePath(
      [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
        { x: 2, y: Number.NaN },
        { x: 3, y: 3 },
      ],
      (v) => v * 10,
      (v) => v * 10,
    );
    expect(d).toBe('M0,0L10,10M30,30');
  });

  it('uses a log y-axis only when every value is positive', () => {
    const layout = { width: 100, height: 100, margin: { top: 0, right: 0, bottom: 0, left: 0 } };
    expect(chartScales([{ name: 'e', points: [{ x: 0, y: 10 }, { x: 1, y: 1000 }] }], layout, { logY: true }).y.log).toBe(true);
    expect(chartScales([{ name: 'e', points: [{ x: 0, y: -1 }, { x: 1, y: 1000 }] }], layout, { logY: true }).y.log).toBe(false);
  });

  it('extent skips non-finite values; ticks format short', () => {
    expect(extent([3, Number.NaN, -1, Infinity])).toEqual([-1, 3]);
    expect(extent([])).toBeNull();
    expect(formatTick(1500)).toBe('1.5k');
    expect(formatTick(2_000_000)).toBe('2M');
    expect(formatTick(0.5)).toBe('0.5');
    expect(formatTick(0.0001)).toBe('1e-4');
  });
});
