// Compare view: the split position moves and clips image B at the right
// image x; side-by-side panes share one zoom and pan; curves of both results
// are drawn underneath.
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import CompareView from '../../renderer/src/lib/components/CompareView.svelte';
import { Studio, studioContext, itemFromJob } from '../../renderer/src/lib/state/studio.svelte.js';
import { FakeApi, imageInfo, restoreResult } from './fake-api.js';

function studioWithTwoResults() {
  const api = new FakeApi();
  const studio = new Studio(api, { pollMs: 0 });
  api.subscribe(studio.jobs.handle);
  studio.image = imageInfo(64, 48);
  api.emit({ type: 'queued', jobId: 'j1', kind: 'denoise', preview: false, recordId: 'r1' });
  api.emit({ type: 'done', jobId: 'j1', result: restoreResult('j1', { method: 'gnc', psnr: 31 }) });
  api.emit({ type: 'queued', jobId: 'j2', kind: 'denoise', preview: false, recordId: 'r2' });
  api.emit({
    type: 'done',
    jobId: 'j2',
    result: restoreResult('j2', { method: 'joint', psnr: 29, trace: [{ step: 0, sigma: 50, energy: 900, psnr: 21, elapsed: 0 }, { step: 1, sigma: 10, energy: 200, psnr: 29, elapsed: 1 }] }),
  });
  const [a, b] = studio.jobs.results.map((j) => itemFromJob(j)!);
  studio.compare(a!, b!);
  return { api, studio };
}

const scaleOf = (el: Element) => Number(el.getAttribute('data-scale'));
/** The left inset (image px) of clip-path: inset(0 0 0 Npx). */
const clipOf = (el: HTMLElement) => Number(/inset\(0(?:px)? 0(?:px)? 0(?:px)? ([\d.]+)(?:px)?\)/.exec(el.style.clipPath)?.[1] ?? Number.NaN);

describe('CompareView', () => {
  it('shows A left and B right of a split at 50 %, clipping B at the split’s image x', async () => {
    const { studio } = studioWithTwoResults();
    render(CompareView, { context: studioContext(studio) });
    const handle = await screen.findByRole('slider', { name: 'Split position' });
    expect(handle.getAttribute('aria-valuenow')).toBe('50');
    const b = screen.getByTestId('split-b') as HTMLImageElement;
    expect(b.src).toContain('/api/jobs/j2/result/display');
    expect((screen.getByTestId('split-a') as HTMLImageElement).src).toContain('/api/jobs/j1/result/display');
    // 64×48 image in an 800×600 pane at 100 %: left edge at x = 368; the split at 400 px is image x 32.
    await waitFor(() => expect(clipOf(b)).toBe(32));
  });

  it('the split moves with the keyboard and the clip follows', async () => {
    const { studio } = studioWithTwoResults();
    render(CompareView, { context: studioContext(studio) });
    const handle = await screen.findByRole('slider', { name: 'Split position' });
    await fireEvent.keyDown(handle, { key: 'ArrowRight', shiftKey: true });
    expect(handle.getAttribute('aria-valuenow')).toBe('60');
    // 0.6 · 800 = 480 → image x 112, clipped to the image's width 64.
    await waitFor(() => expect(clipOf(screen.getByTestId('split-b'))).toBe(64));
    await fireEvent.keyDown(handle, { key: 'Home' });
    expect(handle.getAttribute('aria-valuenow')).toBe('0');
    await waitFor(() => expect(clipOf(screen.getByTestId('split-b'))).toBe(0));
  });

  it('side-by-side panes zoom and pan together, up to 800 %', async () => {
    const { studio } = studioWithTwoResults();
    render(CompareView, { context: studioContext(studio) });
    await fireEvent.click(screen.getByRole('button', { name: 'Side by side' }));
    const panes = await screen.findAllByRole('img', { name: /GNC flow|Joint/ });
    expect(panes).toHaveLength(2);
    await waitFor(() => expect(scaleOf(panes[0]!)).toBe(1));
    await fireEvent.click(screen.getByRole('button', { name: 'Zoom in' }));
    flushSync();
    expect(scaleOf(panes[0]!)).toBeCloseTo(1.25);
    expect(scaleOf(panes[1]!)).toBeCloseTo(1.25);
    const stage = (i: number) => panes[i]!.querySelector('.stage') as HTMLElement;
    expect(stage(0).style.transform).toBe(stage(1).style.transform);
    expect(screen.getByTestId('compare-zoom').textContent).toBe('125 %');
    for (let i = 0; i < 20; i++) await fireEvent.click(screen.getByRole('button', { name: 'Zoom in' }));
    expect(scaleOf(panes[0]!)).toBe(8);
    expect(scaleOf(panes[1]!)).toBe(8);
    expect(screen.getByTestId('compare-zoom').textContent).toBe('800 %');
    // Panning one pane (middle-button drag) moves both.
    await fireEvent.pointerDown(panes[1]!, { button: 1, pointerId: 3, clientX: 100, clientY: 100 });
    await fireEvent.pointerMove(panes[1]!, { pointerId: 3, clientX: 60, clientY: 80 });
    await fireEvent.pointerUp(panes[1]!, { pointerId: 3 });
    expect(stage(0).style.transform).toBe(stage(1).style.transform);
  });

  it('draws the energy and PSNR curves of both results', async () => {
    const { studio } = studioWithTwoResults();
    const { container } = render(CompareView, { context: studioContext(studio) });
    await screen.findByRole('img', { name: 'Energy chart' });
    const energy = container.querySelectorAll('svg[aria-label="Energy chart"] path.line');
    const psnr = container.querySelectorAll('svg[aria-label="PSNR chart"] path.line');
    expect(energy).toHaveLength(2);
    expect(psnr).toHaveLength(2);
    for (const p of [...energy, ...psnr]) expect(p.getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+L/);
  });

  it('lets the user pick and swap the two results', async () => {
    const { studio } = studioWithTwoResults();
    render(CompareView, { context: studioContext(studio) });
    const a = screen.getByLabelText('Left / before') as HTMLSelectElement;
    expect(a.value).toBe('job:j1');
    await fireEvent.click(screen.getByRole('button', { name: 'Swap A and B' }));
    expect(studio.compareA?.key).toBe('job:j2');
    expect(studio.compareB?.key).toBe('job:j1');
    await fireEvent.change(a, { target: { value: 'image:img1' } });
    expect(studio.compareA?.key).toBe('image:img1');
  });
});
