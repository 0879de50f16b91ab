import { describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import { JobTracker } from '../../renderer/src/lib/state/jobs.svelte.js';
import { cropAround, LatestOnly } from '../../renderer/src/lib/logic/preview.js';
import { FakeApi, restoreResult } from './fake-api.js';

describe('job tracking', () => {
  it('follows events, even those that arrive before submitJob answers', async () => {
    const api = new FakeApi();
    const tracker = new JobTracker(api, { pollMs: 0 });
    api.subscribe(tracker.handle);
    api.handlers.submitJob = () => {
      // The engine is quick: queued and running arrive before the answer.
      api.emit({ type: 'queued', jobId: 'j1', kind: 'denoise', preview: false, recordId: 'r1' });
      api.emit({ type: 'running', jobId: 'j1' });
      return { jobId: 'j1', kind: 'denoise', recordId: 'r1' };
    };
    const job = await tracker.submit({ kind: 'denoise', imageId: 'img1', sigma: 25 });
    expect(job.status).toBe('running');
    expect(tracker.jobs).toHaveLength(1);
    api.emit({ type: 'progress', jobId: 'j1', progress: { fraction: 0.5, message: 'step 1/2', elapsed: 1, eta: 1, trace: { step: 1, sigma: 10, energy: 5, elapsed: 1 } } });
    expect(job.progress?.fraction).toBe(0.5);
    expect(job.trace).toHaveLength(1);
    api.emit({ type: 'done', jobId: 'j1', result: restoreResult('j1') });
    await expect(job.settled()).resolves.toMatchObject({ kind: 'denoise', psnr: 30.5 });
    expect(job.status).toBe('done');
    expect(job.trace).toHaveLength(3);
    expect(tracker.results).toEqual([job]);
  });

  it('rejects with the engine’s error when a job fails or is cancelled', async () => {
    const api = new FakeApi();
    const tracker = new JobTracker(api, { pollMs: 0 });
    api.subscribe(tracker.handle);
    const a = await tracker.submit({ kind: 'denoise', imageId: 'i' });
    api.emit({ type: 'failed', jobId: a.jobId, error: { kind: 'invalid-image', message: 'bad photo' } });
    await expect(a.settled()).rejects.toMatchObject({ kind: 'invalid-image', message: 'bad photo' });
    const b = await tracker.submit({ kind: 'denoise', imageId: 'i' });
    await tracker.cancel(b);
    expect(b.cancelling).toBe(true);
    expect(api.callsOf('cancelJob')).toEqual([[b.jobId]]);
    api.emit({ type: 'cancelled', jobId: b.jobId });
    await expect(b.settled()).rejects.toMatchObject({ kind: 'cancelled' });
    expect(b.cancelling).toBe(false);
    expect(tracker.results).toEqual([]);
  });

  it('collects training loss and validation figures from progress', async () => {
    const api = new FakeApi();
    const tracker = new JobTracker(api, { pollMs: 0 });
    api.subscribe(tracker.handle);
    const job = await tracker.submit({ kind: 'train', data: '/d' });
    api.emit({ type: 'progress', jobId: job.jobId, progress: { fraction: 0.1, message: '', elapsed: 1, step: 10, loss: 3 } });
    api.emit({ type: 'progress', jobId: job.jobId, progress: { fraction: 0.2, message: '', elapsed: 2, step: 20, loss: 2, validation: { psnr: 25 } } });
    flushSync();
    expect(job.losses).toEqual([
      { iteration: 10, loss: 3 },
      { iteration: 20, loss: 2 },
    ]);
    expect(job.validations).toEqual([{ step: 20, values: { psnr: 25 } }]);
  });
});

describe('live preview scheduling', () => {
  it('debounces requests and aborts the previous run when a new one starts', async () => {
    vi.useFakeTimers();
    try {
      const signals: AbortSignal[] = [];
      const runs: Array<() => void> = [];
      const latest = new LatestOnly(
        (signal) =>
          new Promise<void>((resolve) => {
            signals.push(signal);
            runs.push(resolve);
          }),
        300,
      );
      latest.request();
      latest.request();
      vi.advanceTimersByTime(299);
      expect(signals).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(signals).toHaveLength(1);
      latest.request();
      vi.advanceTimersByTime(300);
      expect(signals).toHaveLength(2);
      expect(signals[0]!.aborted).toBe(true);
      expect(signals[1]!.aborted).toBe(false);
      latest.cancel();
      expect(signals[1]!.aborted).toBe(true);
      runs.forEach((r) => r());
    } finally {
      vi.useRealTimers();
    }
  });

  it('crops around the view centre, inside the image and the pixel limit', () => {
    expect(cropAround(50, 50, { width: 1000, height: 800 }, 65536, 256)).toEqual({ x: 0, y: 0, width: 256, height: 256 });
    expect(cropAround(500, 400, { width: 1000, height: 800 }, 10_000, 256)).toEqual({ x: 450, y: 350, width: 100, height: 100 });
    expect(cropAround(500, 400, { width: 60, height: 40 }, 65536)).toEqual({ x: 0, y: 0, width: 60, height: 40 });
  });
});
