// The Sampling panel against the fake engine: the task follows the Restore
// tool (denoise at the panel's σ, inpaint with the painted mask uploaded
// first), the job shows progress and can be cancelled, and a finished run
// shows its samples, mean, std map and figures.
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import SamplingPanel from '../../renderer/src/lib/components/SamplingPanel.svelte';
import { Studio, studioContext } from '../../renderer/src/lib/state/studio.svelte.js';
import type { SampleResultSummary } from '../../renderer/src/lib/api/types.js';
import { sampleFigures } from '../../renderer/src/lib/logic/sampling.js';
import { FakeApi, imageInfo } from './fake-api.js';

function setup() {
  const api = new FakeApi();
  const studio = new Studio(api, { pollMs: 0 });
  api.subscribe(studio.jobs.handle);
  studio.image = imageInfo(64, 48);
  render(SamplingPanel, { context: studioContext(studio) });
  return { api, studio };
}

function result(extra: Partial<SampleResultSummary> = {}): SampleResultSummary {
  return {
    kind: 'sample',
    task: 'denoise',
    imageId: 'img1',
    model: { name: 'starter', id: 'm' },
    sampleUrls: ['/api/jobs/job1/sample/1', '/api/jobs/job1/sample/2'],
    meanUrl: '/api/jobs/job1/sample/mean',
    stdUrl: '/api/jobs/job1/sample/std',
    stdScale: 0.1,
    meanStd: 0.02,
    settings: { sigmaMax: 100, sigmaMin: 1, levels: 20, stepsPerLevel: 10, epsilon: 2e-5, seed: 0 },
    psnr: { mean: 30.1, samples: [27.5, 28.25], gnc: 29.9, input: 22 },
    seconds: 3.2,
    ...extra,
  };
}

describe('SamplingPanel', () => {
  it('draws denoising samples at the panel σ and shows the grid, mean, std and figures', async () => {
    const { api, studio } = setup();
    studio.restore.sigma = 15;
    await fireEvent.click(await screen.findByRole('button', { name: 'Draw samples' }));
    await waitFor(() => expect(api.callsOf('submitJob')).toHaveLength(1));
    expect(api.callsOf('submitJob')[0]![0]).toEqual({ kind: 'sample', task: 'denoise', sigma: 15, imageId: 'img1', samples: 8, levels: 20, stepsPerLevel: 10 });
    api.emit({ type: 'running', jobId: 'job1' });
    api.emit({ type: 'progress', jobId: 'job1', progress: { fraction: 0.5, message: 'level 10/20', elapsed: 1 } });
    expect(await screen.findByLabelText('Sampling progress')).toBeTruthy();
    api.emit({ type: 'done', jobId: 'job1', result: result() });
    const mean = (await screen.findByAltText('Posterior mean')) as HTMLImageElement;
    expect(mean.src).toBe('http://engine.test/api/jobs/job1/sample/mean?token=t');
    expect((screen.getByAltText('Posterior std (uncertainty)') as HTMLImageElement).src).toContain('/sample/std');
    expect(screen.getAllByAltText(/^Sample \d$/)).toHaveLength(2);
    expect(screen.getByText('PSNR of the mean').nextElementSibling?.textContent).toBe('30.10 dB');
  });

  it('uploads the painted mask for inpainting and can cancel the run', async () => {
    const { api, studio } = setup();
    studio.tool = 'inpaint';
    studio.restore.mask.reset(64, 48);
    const button = (await screen.findByRole('button', { name: 'Draw samples' })) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    studio.restore.mask.model!.data[100] = 1;
    studio.restore.mask.touch();
    await waitFor(() => expect(button.disabled).toBe(false));
    await fireEvent.click(button);
    await waitFor(() => expect(api.callsOf('submitJob')).toHaveLength(1));
    expect(api.callsOf('uploadMask')[0]![0]).toBe('img1');
    expect(api.callsOf('submitJob')[0]![0]).toMatchObject({ kind: 'sample', task: 'inpaint', maskId: 'm1' });
    api.emit({ type: 'running', jobId: 'job1' });
    await fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(api.callsOf('cancelJob')).toEqual([['job1']]);
  });
});

describe('sampleFigures', () => {
  it('words the inpainting figures with std on the 0–255 scale', () => {
    const rows = Object.fromEntries(sampleFigures(result({ task: 'inpaint', psnr: undefined, stdHidden: 0.1, stdObserved: 0.01, stdTexture: 0.12, stdFlat: 0.04 })));
    expect(rows).toMatchObject({ 'Std, filled-in pixels': '25.50', 'Std, kept pixels': '2.55', 'Std, textured vs flat': '30.60 vs 10.20' });
    expect(rows['PSNR of the mean']).toBeUndefined();
  });
});
