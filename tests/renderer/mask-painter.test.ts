// Component wiring of the mask painter: pointer events reach the MaskModel,
// and the tool buttons call undo/redo/clear/invert. (jsdom has no canvas: the
// pixels are checked on the mask data, which is what the engine receives.)
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import MaskPainter from '../../renderer/src/lib/components/MaskPainter.svelte';
import BrushControls from '../../renderer/src/lib/components/BrushControls.svelte';
import { MaskState } from '../../renderer/src/lib/state/mask.svelte.js';

function setup() {
  const mask = new MaskState();
  mask.reset(200, 100);
  mask.size = 10;
  mask.hardness = 1;
  const painter = render(MaskPainter, { props: { mask, active: true } });
  render(BrushControls, { props: { mask } });
  const canvas = painter.container.querySelector('canvas.mask') as HTMLCanvasElement;
  return { mask, canvas };
}

function stroke(canvas: HTMLCanvasElement, points: Array<[number, number]>, pointerId = 1) {
  const [first, ...rest] = points;
  fireEvent.pointerDown(canvas, { clientX: first![0], clientY: first![1], button: 0, pointerId });
  for (const [x, y] of rest) fireEvent.pointerMove(canvas, { clientX: x, clientY: y, pointerId });
  fireEvent.pointerUp(canvas, { clientX: rest.at(-1)?.[0] ?? first![0], clientY: rest.at(-1)?.[1] ?? first![1], pointerId });
  flushSync();
}

const at = (mask: MaskState, x: number, y: number) => mask.model!.data[y * 200 + x];

describe('MaskPainter', () => {
  it('renders a canvas the size of the image', () => {
    const { canvas } = setup();
    expect(canvas.width).toBe(200);
    expect(canvas.height).toBe(100);
  });

  it('a brush stroke changes the mask along the pointer path', () => {
    const { mask, canvas } = setup();
    stroke(canvas, [
      [20, 50],
      [100, 50],
      [180, 50],
    ]);
    expect(at(mask, 20, 50)).toBe(255);
    expect(at(mask, 100, 50)).toBe(255);
    expect(at(mask, 180, 50)).toBe(255);
    expect(at(mask, 100, 10)).toBe(0);
    expect(mask.canUndo).toBe(true);
  });

  it('the eraser button makes strokes erase', async () => {
    const { mask, canvas } = setup();
    mask.size = 30;
    stroke(canvas, [[100, 50]]);
    expect(at(mask, 100, 50)).toBe(255);
    await fireEvent.click(screen.getByRole('button', { name: 'Eraser' }));
    expect(mask.mode).toBe('erase');
    mask.size = 6;
    stroke(canvas, [[100, 50]]);
    expect(at(mask, 100, 50)).toBe(0);
    expect(at(mask, 90, 50)).toBe(255);
  });

  it('undo and redo buttons restore the mask exactly', async () => {
    const { mask, canvas } = setup();
    stroke(canvas, [
      [30, 30],
      [60, 70],
    ]);
    const first = mask.model!.data.slice();
    stroke(canvas, [
      [150, 20],
      [150, 90],
    ]);
    const second = mask.model!.data.slice();
    const undo = screen.getByRole('button', { name: 'Undo' });
    const redo = screen.getByRole('button', { name: 'Redo' });
    expect((redo as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(undo);
    expect(mask.model!.data).toEqual(first);
    await fireEvent.click(undo);
    expect(mask.empty).toBe(true);
    expect((undo as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(redo);
    await fireEvent.click(redo);
    expect(mask.model!.data).toEqual(second);
  });

  it('invert and clear work from the buttons and are undoable', async () => {
    const { mask, canvas } = setup();
    stroke(canvas, [[50, 50]]);
    await fireEvent.click(screen.getByRole('button', { name: 'Invert' }));
    expect(at(mask, 50, 50)).toBe(0);
    expect(at(mask, 0, 0)).toBe(255);
    await fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    expect(mask.empty).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    expect(at(mask, 0, 0)).toBe(255);
  });

  it('show/hide toggles the overlay without touching the mask', async () => {
    const { mask, canvas } = setup();
    stroke(canvas, [[50, 50]]);
    await fireEvent.click(screen.getByLabelText('Show mask'));
    expect(mask.visible).toBe(false);
    expect(canvas.classList.contains('hidden')).toBe(true);
    expect(at(mask, 50, 50)).toBe(255);
  });

  it('ignores strokes when painting is off', () => {
    const mask = new MaskState();
    mask.reset(50, 50);
    const { container } = render(MaskPainter, { props: { mask, active: false } });
    stroke(container.querySelector('canvas') as HTMLCanvasElement, [[25, 25]]);
    expect(mask.empty).toBe(true);
  });
});
