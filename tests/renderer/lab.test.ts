// The Lab view against the fake engine: it asks for both experiments when it
// opens, a slider move asks again (once, after the debounce) and redraws the
// chart, and an answer to a superseded request never overwrites a newer one.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import LabView from '../../renderer/src/lib/components/LabView.svelte';
import { Studio, studioContext } from '../../renderer/src/lib/state/studio.svelte.js';
import { latestOnly } from '../../renderer/src/lib/logic/lab.js';
import { SLIDER_RESOLUTION } from '../../renderer/src/lib/logic/params.js';
import { FakeApi } from './fake-api.js';

const trajectoryPath = () => document.querySelector('svg[aria-label="GNC flow trajectories chart"] path.line')?.getAttribute('d');

afterEach(() => vi.useRealTimers());

describe('LabView', () => {
  it('plots both experiments and redraws after a slider moves', async () => {
    const api = new FakeApi();
    render(LabView, { context: studioContext(new Studio(api, { pollMs: 0 })) });
    await waitFor(() => expect(api.callsOf('labGnc1d')).toEqual([[{ sigma0: 0.3, steps: 50 }]]));
    await waitFor(() => expect(api.callsOf('labConvex')).toEqual([[{ beta: 0.5, activation: 'relu', epsilon: 0.02 }]]));
    await waitFor(() => expect(trajectoryPath()).toBeTruthy());
    const before = trajectoryPath();
    expect(screen.getByTestId('gnc-figures').textContent).toMatch(/from 30% of the starts/);

    const field = screen.getByLabelText('σ₀ (schedule start)');
    await fireEvent.focus(field);
    await fireEvent.input(field, { target: { value: '0.8' } });
    await fireEvent.blur(field);
    await waitFor(() => expect(api.callsOf('labGnc1d')).toHaveLength(2));
    expect(api.callsOf('labGnc1d')[1]![0]).toEqual({ sigma0: 0.8, steps: 50 });
    await waitFor(() => expect(trajectoryPath()).not.toBe(before));
    expect(screen.getByTestId('gnc-figures').textContent).toMatch(/from 80% of the starts/);
    // Only the GNC experiment depended on σ₀.
    expect(api.callsOf('labConvex')).toHaveLength(1);

    // The β slider at its right end is β = 10.
    await fireEvent.input(screen.getByLabelText('β (weight decay) slider'), { target: { value: String(SLIDER_RESOLUTION) } });
    await waitFor(() => expect(api.callsOf('labConvex')).toHaveLength(2));
    expect(api.callsOf('labConvex')[1]![0]).toMatchObject({ beta: 10 });
    await fireEvent.change(screen.getByRole('combobox'), { target: { value: 'abs' } });
    await waitFor(() => expect(api.callsOf('labConvex').at(-1)![0]).toMatchObject({ activation: 'abs' }));
  });

  it('shows what the engine refused', async () => {
    const api = new FakeApi();
    api.handlers.labConvex = () => {
      throw new Error('Expected a number between 0.001 and 10 for labConvex argument 1.beta');
    };
    render(LabView, { context: studioContext(new Studio(api, { pollMs: 0 })) });
    expect((await screen.findByRole('alert')).textContent).toMatch(/labConvex argument 1.beta/);
  });
});

describe('latestOnly', () => {
  it('sends one request per pause and drops answers to superseded ones', async () => {
    vi.useFakeTimers();
    const answers: Array<(v: number) => void> = [];
    const sent: number[] = [];
    const shown: number[] = [];
    const request = latestOnly(
      (n: number) => {
        sent.push(n);
        return new Promise<number>((resolve) => answers.push(resolve));
      },
      (v) => shown.push(v),
      () => {},
      100,
    );
    request(1);
    request(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([2]);
    request(3);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([2, 3]);
    answers[1]!(30);
    answers[0]!(20);
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual([30]);
  });
});
