/**
 * Pausing and resuming a training run through the app API: pause is a
 * cancel (the trainer saves a checkpoint, the library keeps its path and the
 * iteration), resume is a train submit naming the paused run, and the
 * resumed run reaches the full iteration count. Jobs run in this process so
 * the test can pause at a known iteration (a worker thread could finish the
 * tiny run before the cancel arrives).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppEngine } from '../../src/app/app-engine.js';
import { validateCall } from '../../src/app/api-validate.js';
import type { EngineEvent, JobSubmitted, TrainSubmit } from '../../src/app/engine-api.js';
import { createJobContext } from '../../src/jobs/job-context.js';
import type { JobProgress } from '../../src/jobs/contract.js';
import type { JobRunner } from '../../src/jobs/job-service.js';
import { runJob } from '../../src/jobs/run-job.js';
import { useBackend } from '../helpers/backends.js';
import { tempDir, writeSynthetic } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-app-pause-');
/** Every training step the running job reported, and what to do at each (the app's own events are throttled). */
let onStep: (step: number) => void = () => {};
const inProcess: JobRunner = {
  run: (request, { signal, onProgress }) => {
    const emit = (p: JobProgress) => {
      onProgress?.(p);
      if (p.step !== undefined && p.fraction > 0) onStep(p.step);
    };
    return runJob(request, createJobContext({ signal: signal ?? new AbortController().signal, emit, minIntervalMs: 0 }));
  },
  terminate: async () => {},
};
let engine: AppEngine;
const SETTINGS = { layers: 1, features: 4, patch: 16, batch: 2, iterations: 6, holdout: 1, validateEvery: 100, checkpointEvery: 100 };

/** Resolves with the job's final event. */
function ending(jobId: () => string | undefined): Promise<EngineEvent> {
  return new Promise((resolve) => {
    const off = engine.events.subscribe((e) => {
      if (!('jobId' in e) || e.jobId !== jobId()) return;
      if (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled') {
        off();
        resolve(e);
      }
    });
  });
}

beforeAll(async () => {
  await useBackend('wasm');
  mkdirSync(tmp.file('photos'));
  for (let k = 0; k < 3; k++) await writeSynthetic(tmp.file(`photos/img${k}.png`), 40, 40, 1, { seed: k + 1 });
  engine = new AppEngine({ transport: 'http', libraryPath: tmp.file('library.sqlite'), userData: tmp.file('home'), createRunner: () => inProcess });
});

afterAll(async () => {
  await engine?.close();
  tmp.cleanup();
});

describe('training pause and resume', () => {
  it('pauses at an iteration with its checkpoint recorded, then resumes to the full count', async () => {
    let first: JobSubmitted | undefined;
    const firstEnd = ending(() => first?.jobId);
    onStep = (step) => {
      if (step === 2) void engine.cancelJob(first!.jobId);
    };
    const request: TrainSubmit = { kind: 'train', data: tmp.file('photos'), name: 'paused-prior', backend: 'wasm', settings: SETTINGS };
    first = (await engine.call('submitJob', [request])) as JobSubmitted;
    expect((await firstEnd).type).toBe('cancelled');

    const paused = (await engine.listTraining()).find((t) => t.id === first!.recordId)!;
    expect(paused).toMatchObject({ status: 'cancelled', resumable: true, iterations: 2 });
    const row = engine.library.training.get(paused.id);
    expect(row.checkpointPath).toMatch(/checkpoints[/\\]job-[0-9a-f]+\.gnck$/);
    expect(existsSync(row.checkpointPath!)).toBe(true);

    let second: JobSubmitted | undefined;
    const steps: number[] = [];
    const secondEnd = ending(() => second?.jobId);
    onStep = (step) => steps.push(step);
    second = (await engine.call('submitJob', [{ kind: 'train', resumeTrainingId: paused.id, backend: 'wasm' }])) as JobSubmitted;
    const end = await secondEnd;
    expect(end.type).toBe('done');
    // It continued from the checkpoint (no iteration before the pause was trained again) to the paused run's length.
    expect(Math.min(...steps)).toBe(3);
    const result = (await engine.getJob(second.jobId)).result;
    expect(result).toMatchObject({ kind: 'train', iterations: 6, model: { name: 'paused-prior' } });
    const resumed = await engine.getTraining(second.recordId!);
    expect(resumed).toMatchObject({ status: 'done', resumable: false, iterations: 6 });
    // The resumed run has a checkpoint of its own, so pausing it again cannot overwrite the first one.
    expect(engine.library.training.get(second.recordId!).checkpointPath).not.toBe(row.checkpointPath);
  }, 120_000);

  it('refuses a run that cannot resume, and a request that names both a folder and a run', async () => {
    const done = (await engine.listTraining()).find((t) => t.status === 'done')!;
    await expect(engine.call('submitJob', [{ kind: 'train', resumeTrainingId: done.id }])).rejects.toThrow(/cannot be resumed: it is done; expected a paused run/);
    await expect(engine.call('submitJob', [{ kind: 'train', resumeTrainingId: 'feedbeef' }])).rejects.toThrow(/No training run with id "feedbeef"/);
    expect(() => validateCall('submitJob', [{ kind: 'train' }])).toThrow(/folder of training photos \(or resumeTrainingId/);
    expect(() => validateCall('submitJob', [{ kind: 'train', data: '/photos', resumeTrainingId: 'abc' }])).toThrow(/no folder with resumeTrainingId/);
    expect(() => validateCall('submitJob', [{ kind: 'train', resumeTrainingId: '../x' }])).toThrow(/resumeTrainingId but received/);
  });

  it('removes the app checkpoint with its training run', async () => {
    const paused = (await engine.listTraining()).find((t) => t.status === 'cancelled')!;
    const file = engine.library.training.get(paused.id).checkpointPath!;
    await engine.removeTraining(paused.id);
    expect(existsSync(file)).toBe(false);
  });
});
