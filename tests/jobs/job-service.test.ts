import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { JobService, type JobRecorder } from '../../src/jobs/job-service.js';
import { EngineWorker } from '../../src/jobs/engine-worker.js';
import type { JobProgress, JobRequest, JobResult, RestoreJobResult } from '../../src/jobs/contract.js';
import { GncError } from '../../src/util/errors.js';
import { tempDir, writeSynthetic } from '../helpers/fixtures.js';

/** Records what the service reports, in order. */
class ListRecorder implements JobRecorder {
  events: string[] = [];
  #n = 0;
  async queued(request: JobRequest) {
    const recordId = `r${++this.#n}`;
    this.events.push(`queued ${recordId} ${request.kind}`);
    return { recordId };
  }
  started(id: string) {
    this.events.push(`started ${id}`);
  }
  async done(id: string, _request: JobRequest, result: JobResult) {
    this.events.push(`done ${id} ${result.kind}`);
  }
  failed(id: string, error: Error) {
    this.events.push(`failed ${id} ${(error as GncError).kind ?? 'internal'}`);
  }
  cancelled(id: string) {
    this.events.push(`cancelled ${id}`);
  }
}

const tmp = tempDir('gnc-jobs-');
let small: string;
let large: string;
const recorder = new ListRecorder();
const service = new JobService({ recorder });

beforeAll(async () => {
  small = tmp.file('small.png');
  large = tmp.file('large.png');
  await writeSynthetic(small, 96, 80, 1);
  await writeSynthetic(large, 1600, 1200, 1);
});

afterAll(async () => {
  await service.close();
  tmp.cleanup();
});

describe('job service on engine worker threads', () => {
  it('denoises in a worker with progress and writes the output', async () => {
    const progress: JobProgress[] = [];
    const out = tmp.file('small-out.png');
    const job = await service.submit(
      { kind: 'denoise', input: small, addNoise: 25, outputs: [out], settings: { steps: 4 } },
      { onProgress: (p) => progress.push(p) },
    );
    const result = (await job.result) as RestoreJobResult;
    expect(job.status).toBe('done');
    expect(existsSync(out)).toBe(true);
    expect(result.psnr!).toBeGreaterThan(result.inputPsnr! + 3);
    expect(result.trace).toHaveLength(5);
    expect(progress.length).toBeGreaterThan(4);
    // Fractions never go backwards and the last trace point arrives.
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.fraction).toBeGreaterThanOrEqual(progress[i - 1]!.fraction);
    expect(progress.some((p) => p.trace?.step === 4)).toBe(true);
    expect(recorder.events.slice(-3)).toEqual([`queued ${job.recordId} denoise`, `started ${job.recordId}`, `done ${job.recordId} denoise`]);
  });

  it('carries error kinds and messages across the worker boundary', async () => {
    const unknown = await service.submit({ kind: 'denoise', input: small, sigma: 25, model: 'no-such-prior' });
    await expect(unknown.result).rejects.toMatchObject({ name: 'GncError', kind: 'unknown-model', message: expect.stringContaining('no-such-prior') });
    expect(unknown.status).toBe('failed');
    const missing = await service.submit({ kind: 'inpaint', input: small, mask: tmp.file('absent-mask.png') });
    await expect(missing.result).rejects.toMatchObject({ kind: expect.stringMatching(/io|invalid-mask/), message: expect.stringContaining('absent-mask.png') });
  });

  it('refuses malformed requests before queueing them', async () => {
    await expect(service.submit({ kind: 'denoise', input: small, sigma: -3 } as JobRequest)).rejects.toThrow(/sigma/);
    await expect(service.submit({ kind: 'denoise', input: small, sigmaa: 3 } as unknown as JobRequest)).rejects.toThrow(/sigmaa/);
    await expect(service.submit({ kind: 'paint' } as unknown as JobRequest)).rejects.toThrow(/kind/);
  });

  it('reports progress at least every 2 s on a large photo and cancels within 2 s, leaving no output', async () => {
    const out = tmp.file('large-out.png');
    const times: number[] = [];
    let cancelledAt = 0;
    const job = await service.submit(
      { kind: 'denoise', input: large, sigma: 25, outputs: [out], settings: { steps: 50 }, tile: 128 },
      {
        onProgress: (p) => {
          times.push(performance.now());
          // Cancel in the middle of a step, once tiles have been reported for a while.
          if (times.length === 40 && !cancelledAt) {
            cancelledAt = performance.now();
            job.cancel();
          }
          void p;
        },
      },
    );
    await expect(job.result).rejects.toMatchObject({ kind: 'cancelled' });
    const stoppedAt = performance.now();
    expect(job.status).toBe('cancelled');
    expect(cancelledAt).toBeGreaterThan(0);
    expect(stoppedAt - cancelledAt).toBeLessThan(2000);
    // From the first event on (the worker has started), no gap reaches 2 s.
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThan(2000);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('large-out'))).toEqual([]);
    expect(recorder.events.at(-1)).toBe(`cancelled ${job.recordId}`);
  });

  it('queues jobs in order and cancels a queued job without running it', async () => {
    const first = await service.submit({ kind: 'denoise', input: small, sigma: 20, settings: { steps: 2 } });
    const second = await service.submit({ kind: 'denoise', input: small, sigma: 20, settings: { steps: 2 } });
    expect(second.status).toBe('queued');
    second.cancel();
    await expect(second.result).rejects.toMatchObject({ kind: 'cancelled' });
    await first.result;
    expect(first.status).toBe('done');
    expect(recorder.events).not.toContain(`started ${second.recordId}`);
    expect(recorder.events).toContain(`cancelled ${second.recordId}`);
  });
});

describe('a crashing engine worker', () => {
  it('fails the job, and the next job runs on a fresh worker thread', async () => {
    process.env.GNC_TEST_CRASH_MARKER = tmp.file('crash-marker');
    const crashing = new JobService({ createRunner: () => new EngineWorker({ entry: new URL('./fixtures/crashing-worker.mjs', import.meta.url) }) });
    try {
      const doomed = await crashing.submit({ kind: 'denoise', input: small, sigma: 20, settings: { steps: 1 } });
      await expect(doomed.result).rejects.toThrow(/stopped unexpectedly \(exit code 3\)/);
      expect(doomed.status).toBe('failed');
      const next = await crashing.submit({ kind: 'denoise', input: small, sigma: 20, settings: { steps: 1 } });
      await expect(next.result).resolves.toMatchObject({ kind: 'denoise', steps: 1 });
    } finally {
      delete process.env.GNC_TEST_CRASH_MARKER;
      await crashing.close();
    }
  });
});
