// The settings sliders: typed values clamp to the ranges (and say so);
// impossible values are refused with a message and the old value is kept.
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import RangeField from '../../renderer/src/lib/components/RangeField.svelte';
import SolverControls from '../../renderer/src/lib/components/SolverControls.svelte';
import { NOISE, SCHEDULE_PARAMS, FALLBACK_SCHEDULE } from '../../renderer/src/lib/logic/params.js';

async function typeInto(input: HTMLElement, text: string) {
  await fireEvent.focus(input);
  await fireEvent.input(input, { target: { value: text } });
  await fireEvent.blur(input);
}

describe('RangeField', () => {
  it('clamps a typed value above the range and says so', async () => {
    const onchange = vi.fn();
    render(RangeField, { props: { spec: NOISE, value: 25, onchange } });
    const input = screen.getByLabelText('Noise level σ') as HTMLInputElement;
    await typeInto(input, '400');
    expect(onchange).toHaveBeenCalledWith(100);
    expect(input.value).toBe('100');
    expect(screen.getByRole('status').textContent).toMatch(/at most 100/);
  });

  it('clamps below the range too', async () => {
    const onchange = vi.fn();
    render(RangeField, { props: { spec: NOISE, value: 25, onchange } });
    await typeInto(screen.getByLabelText('Noise level σ'), '-5');
    expect(onchange).toHaveBeenCalledWith(0.5);
  });

  it('refuses text that is not a number and keeps the value', async () => {
    const onchange = vi.fn();
    render(RangeField, { props: { spec: NOISE, value: 25, onchange } });
    const input = screen.getByLabelText('Noise level σ') as HTMLInputElement;
    await typeInto(input, 'lots');
    expect(onchange).not.toHaveBeenCalled();
    expect(input.value).toBe('25');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toMatch(/“lots” is not a number/);
  });

  it('the slider sets values inside the range', async () => {
    const onchange = vi.fn();
    render(RangeField, { props: { spec: SCHEDULE_PARAMS.steps, value: 15, onchange } });
    const slider = screen.getByLabelText('Steps T slider') as HTMLInputElement;
    await fireEvent.input(slider, { target: { value: '1000' } });
    expect(onchange).toHaveBeenLastCalledWith(300);
    await fireEvent.input(slider, { target: { value: '0' } });
    expect(onchange).toHaveBeenLastCalledWith(1);
  });

  it('a disabled field explains why', () => {
    render(RangeField, { props: { spec: NOISE, value: 25, disabled: true, disabledReason: 'busy running' } });
    expect((screen.getByLabelText('Noise level σ') as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTitle('busy running')).toBeTruthy();
  });
});

describe('SolverControls', () => {
  it('refuses σ_min above σ₀ with a message, and passes good values on', async () => {
    const onchange = vi.fn();
    render(SolverControls, { props: { values: { ...FALLBACK_SCHEDULE, sigma0: 50, sigmaMin: 5 }, onchange } });
    await typeInto(screen.getByLabelText('σ_min (end)'), '80');
    expect(onchange).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toMatch(/σ_min must not exceed σ₀ \(50\)/);
    await typeInto(screen.getByLabelText('σ_min (end)'), '20');
    expect(onchange).toHaveBeenLastCalledWith(expect.objectContaining({ sigmaMin: 20, sigma0: 50 }));
  });

  it('VN is disabled with an explanation while the model has no learned schedule; σ step is for joint only', async () => {
    const onchange = vi.fn();
    render(SolverControls, { props: { values: { ...FALLBACK_SCHEDULE }, onchange } });
    const vn = screen.getByLabelText('VN') as HTMLInputElement;
    expect(vn.disabled).toBe(true);
    expect(vn.closest('label')!.getAttribute('title')).toMatch(/none in the library yet.*gnc learn-schedule/);
    const tStep = screen.getByLabelText('σ step τₜ (joint)') as HTMLInputElement;
    expect(tStep.disabled).toBe(true);
    await fireEvent.click(screen.getByLabelText('Joint'));
    expect(onchange).toHaveBeenLastCalledWith(expect.objectContaining({ method: 'joint' }));
    expect((screen.getByLabelText('σ step τₜ (joint)') as HTMLInputElement).disabled).toBe(false);
  });

  it('with learned schedules, VN can be chosen: the schedule then sets steps and σ', async () => {
    const onchange = vi.fn();
    const schedules = [
      { id: 's15', modelId: 'm', modelName: 'starter', task: 'denoise' as const, level: 15, steps: 6, figures: null, shipped: false, createdAt: '' },
      { id: 's25', modelId: 'm', modelName: 'starter', task: 'denoise' as const, level: 25, steps: 8, figures: null, shipped: true, createdAt: '' },
    ];
    render(SolverControls, { props: { values: { ...FALLBACK_SCHEDULE }, schedules, onchange } });
    const vn = screen.getByLabelText('VN') as HTMLInputElement;
    expect(vn.disabled).toBe(false);
    await fireEvent.click(vn);
    expect(onchange).toHaveBeenLastCalledWith(expect.objectContaining({ method: 'vn' }));
    for (const label of ['σ₀ (start)', 'σ_min (end)', 'Steps T', 'Step size λ']) expect((screen.getByLabelText(label) as HTMLInputElement).disabled).toBe(true);
    const pick = screen.getByLabelText('Learned schedule') as HTMLSelectElement;
    expect(Array.from(pick.options).map((o) => o.textContent)).toEqual(['nearest to the noise level', 'σ 15 · 6 steps', 'σ 25 · 8 steps · shipped']);
    expect(screen.queryByTestId('vn-level-warning')).toBeNull();
  });

  it('warns before Run when the VN schedule was learned for much less noise than the photo has', async () => {
    const schedules = [
      { id: 's15', modelId: 'm', modelName: 'starter', task: 'denoise' as const, level: 15, steps: 6, figures: null, shipped: false, createdAt: '' },
      { id: 's25', modelId: 'm', modelName: 'starter', task: 'denoise' as const, level: 25, steps: 8, figures: null, shipped: true, createdAt: '' },
    ];
    const values = { ...FALLBACK_SCHEDULE, method: 'vn' as const };
    const { rerender } = render(SolverControls, { props: { values, schedules, level: 25 } });
    expect(screen.queryByTestId('vn-level-warning')).toBeNull();
    await rerender({ values, schedules, level: 40 });
    expect(screen.getByTestId('vn-level-warning').textContent).toMatch(/learned for noise σ 25 but the noise here is σ 40/);
    // A chosen schedule is judged on its own level.
    await rerender({ values, schedules, level: 20, scheduleId: 's15' });
    expect(screen.getByTestId('vn-level-warning').textContent).toMatch(/σ 15 but the noise here is σ 20/);
    await rerender({ values: { ...FALLBACK_SCHEDULE }, schedules, level: 40 });
    expect(screen.queryByTestId('vn-level-warning')).toBeNull();
  });

  it('disables the methods the model cannot run, saying why, and flags a chosen one that went away', async () => {
    const onchange = vi.fn();
    const schedules = [{ id: 's25', modelId: 'm', modelName: 'grey', task: 'denoise' as const, level: 25, steps: 8, figures: null, shipped: true, createdAt: '' }];
    // A model trained without the t-term (alpha = 0) and with a learned schedule: gnc and vn only.
    const { rerender } = render(SolverControls, { props: { values: { ...FALLBACK_SCHEDULE }, schedules, methods: ['gnc', 'vn'], onchange } });
    const joint = screen.getByLabelText('Joint') as HTMLInputElement;
    expect(joint.disabled).toBe(true);
    expect(joint.closest('label')!.getAttribute('title')).toMatch(/trained with the t-term.*alpha = 0.*Use GNC flow/);
    expect((screen.getByLabelText('VN') as HTMLInputElement).disabled).toBe(false);
    expect(screen.queryByRole('alert')).toBeNull();

    // The model does not list vn (no schedule of its own): VN stays off even if schedules of others were passed.
    await rerender({ values: { ...FALLBACK_SCHEDULE, method: 'vn' }, schedules, methods: ['gnc', 'joint'], onchange });
    expect((screen.getByLabelText('VN') as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByLabelText('Joint') as HTMLInputElement).disabled).toBe(false);
    expect(screen.getByRole('alert').textContent).toMatch(/none in the library yet for denoising.*Pick another method\./);
  });
});
