// Library and Training views against the fake engine: listing, opening a run
// with its parameters, deleting only after confirmation, comparing two runs,
// and a training run with its live loss curve.
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import LibraryView from '../../renderer/src/lib/components/LibraryView.svelte';
import TrainingView from '../../renderer/src/lib/components/TrainingView.svelte';
import ConfirmDialog from '../../renderer/src/lib/components/ConfirmDialog.svelte';
import { Studio, studioContext } from '../../renderer/src/lib/state/studio.svelte.js';
import type { RunDetail, RunSummary } from '../../renderer/src/lib/api/types.js';
import { FakeApi, MODEL } from './fake-api.js';

function run(id: string, method: 'gnc' | 'joint', psnr: number): RunSummary {
  return {
    id,
    kind: 'denoise',
    method,
    model: { id: MODEL.id, name: 'starter' },
    status: 'done',
    inputName: 'street.png',
    psnr,
    ssim: null,
    seconds: 2,
    error: null,
    createdAt: '2024-05-01T10:00:00Z',
    finishedAt: '2024-05-01T10:00:02Z',
    outputUrl: `/api/runs/${id}/output`,
    thumbUrl: `/api/runs/${id}/thumb`,
    canRerun: true,
  };
}

function detail(r: RunSummary): RunDetail {
  return {
    ...r,
    params: { sigma: 25, settings: { method: r.method, steps: 4, sigmaMin: 5.1000000000000005 } },
    backend: { name: 'wasm' },
    traces: { step: [0, 1, 2], sigma: [50, 20, 5], energy: [100, 50, 20], psnr: [20, 24, r.psnr], elapsed: [0, 1, 2] },
    inputPath: '/photos/street.png',
    outputPath: '/lib/out.png',
    startedAt: r.createdAt,
  };
}

function setup() {
  const api = new FakeApi();
  const runs = [run('r1', 'gnc', 30.1), run('r2', 'joint', 29.4)];
  api.handlers.listRuns = () => [...runs];
  api.handlers.getRun = (id) => detail(runs.find((r) => r.id === id)!);
  api.handlers.removeRun = (id) => {
    const i = runs.findIndex((r) => r.id === id);
    return runs.splice(i, 1)[0];
  };
  const studio = new Studio(api, { pollMs: 0 });
  api.subscribe(studio.jobs.handle);
  studio.models = [MODEL];
  return { api, studio, runs };
}

describe('LibraryView', () => {
  it('lists runs, opens one with its parameters and curves', async () => {
    const { studio } = setup();
    render(LibraryView, { context: studioContext(studio) });
    const table = await screen.findByRole('table', { name: 'Runs' });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    expect(within(table).getByText('30.10 dB')).toBeTruthy();
    await fireEvent.click(within(table).getByRole('button', { name: /denoise · Joint/ }));
    const panel = await screen.findByRole('complementary', { name: 'Run details' });
    expect(within(panel).getByText('settings.sigmaMin')).toBeTruthy();
    expect(within(panel).getByText('5.1')).toBeTruthy();
    expect(within(panel).getByText('/photos/street.png')).toBeTruthy();
    expect(panel.querySelectorAll('path.line')).toHaveLength(2);
  });

  it('deletes a run only after the user confirms', async () => {
    const { api, studio } = setup();
    render(LibraryView, { context: studioContext(studio) });
    render(ConfirmDialog, { context: studioContext(studio) });
    await fireEvent.click(await screen.findByRole('button', { name: 'Delete run r1' }));
    await screen.findByRole('alertdialog');
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(api.callsOf('removeRun')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'Delete run r1' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(api.callsOf('removeRun')).toEqual([['r1']]));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Delete run r1' })).toBeNull());
  });

  it('compares two ticked runs in the Compare view, with their traces', async () => {
    const { studio } = setup();
    render(LibraryView, { context: studioContext(studio) });
    const compare = await screen.findByRole('button', { name: /Compare selected \(0\/2\)/ });
    expect((compare as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(await screen.findByLabelText('Select run r1 for comparison'));
    await fireEvent.click(screen.getByLabelText('Select run r2 for comparison'));
    await fireEvent.click(screen.getByRole('button', { name: /Compare selected \(2\/2\)/ }));
    await waitFor(() => expect(studio.view).toBe('compare'));
    expect(studio.compareA?.key).toBe('run:r1');
    expect(studio.compareB?.key).toBe('run:r2');
    expect(studio.compareB?.imageUrl).toBe('/api/runs/r2/output');
    expect(studio.compareB?.trace.map((t) => t.psnr)).toEqual([20, 24, 29.4]);
  });

  it('re-runs a run and follows its job', async () => {
    const { api, studio } = setup();
    render(LibraryView, { context: studioContext(studio) });
    const buttons = await screen.findAllByRole('button', { name: 'Re-run' });
    await fireEvent.click(buttons[0]!);
    await waitFor(() => expect(api.callsOf('rerun')).toEqual([[{ runId: 'r1' }]]));
    expect(await screen.findByLabelText('Re-run progress')).toBeTruthy();
  });
});

describe('TrainingView', () => {
  it('asks for a folder, starts training, plots the loss live', async () => {
    const { api, studio } = setup();
    render(TrainingView, { context: studioContext(studio) });
    await fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    expect(screen.getByRole('alert').textContent).toMatch(/folder of training photos/);
    expect(api.callsOf('submitJob')).toEqual([]);
    expect((screen.getByRole('button', { name: 'Pause' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Resume' }) as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.input(screen.getByLabelText('Folder of photos'), { target: { value: '/photos/train' } });
    await fireEvent.input(screen.getByLabelText('Model name'), { target: { value: 'mine' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    await waitFor(() => expect(api.callsOf('submitJob')).toHaveLength(1));
    expect(api.callsOf('submitJob')[0]![0]).toMatchObject({ kind: 'train', data: '/photos/train', name: 'mine', settings: { iterations: 2000, layers: 1 } });
    for (let i = 1; i <= 3; i++) api.emit({ type: 'progress', jobId: 'job1', progress: { fraction: i / 10, message: `iteration ${i * 10}`, elapsed: i, step: i * 10, loss: 5 / i, ...(i === 3 ? { validation: { psnr15: 28 } } : {}) } });
    await waitFor(() => expect(document.querySelector('svg[aria-label="Training loss chart"] path.line')?.getAttribute('d')).toMatch(/^M.*L.*L/));
    expect(document.querySelector('svg[aria-label="Validation chart"]')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(api.callsOf('cancelJob')).toEqual([['job1']]);
  });

  it('pauses (a cancel that keeps the checkpoint), shows the iteration and resumes the paused run', async () => {
    const { api, studio } = setup();
    api.handlers.submitJob = (r) => ({ jobId: 'job1', kind: 'train', recordId: (r as { resumeTrainingId?: string }).resumeTrainingId ? 't2' : 't1' });
    api.handlers.getTraining = (id) => ({ id, status: 'cancelled', resumable: true, iterations: 20, settings: {} });
    render(TrainingView, { context: studioContext(studio) });
    await fireEvent.input(screen.getByLabelText('Folder of photos'), { target: { value: '/photos/train' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    await waitFor(() => expect(api.callsOf('submitJob')).toHaveLength(1));
    api.emit({ type: 'running', jobId: 'job1' });
    api.emit({ type: 'progress', jobId: 'job1', progress: { fraction: 0.01, message: 'iteration 20', elapsed: 1, step: 20, loss: 2 } });
    const pause = screen.getByRole('button', { name: 'Pause' }) as HTMLButtonElement;
    await waitFor(() => expect(pause.disabled).toBe(false));
    await fireEvent.click(pause);
    expect(api.callsOf('cancelJob')).toEqual([['job1']]);
    api.emit({ type: 'cancelled', jobId: 'job1' });

    expect((await screen.findByRole('status')).textContent).toMatch(/Paused at iteration 20/);
    expect(api.callsOf('getTraining')).toEqual([['t1']]);
    const resume = screen.getByRole('button', { name: 'Resume' }) as HTMLButtonElement;
    expect(resume.disabled).toBe(false);
    await fireEvent.click(resume);
    await waitFor(() => expect(api.callsOf('submitJob')).toHaveLength(2));
    // Only the length goes with it: the engine takes the photos and settings from the paused run's checkpoint.
    expect(api.callsOf('submitJob')[1]![0]).toEqual({ kind: 'train', resumeTrainingId: 't1', settings: { iterations: 2000 } });
    await waitFor(() => expect(screen.queryByRole('status')).toBeNull());
  });

  it('offers to resume the newest paused run of the library when it opens', async () => {
    const { api, studio } = setup();
    api.handlers.listTraining = () => [
      { id: 'new', status: 'done', resumable: false, iterations: 50 },
      { id: 'old', status: 'cancelled', resumable: true, iterations: 7 },
    ];
    api.handlers.getTraining = (id) => ({ id, settings: { settings: { iterations: 40 } } });
    render(TrainingView, { context: studioContext(studio) });
    expect((await screen.findByRole('status')).textContent).toMatch(/Paused at iteration 7\..*up to 40 iterations/);
    await fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(api.callsOf('submitJob')[0]![0]).toEqual({ kind: 'train', resumeTrainingId: 'old', settings: { iterations: 40 } }));
  });
});
