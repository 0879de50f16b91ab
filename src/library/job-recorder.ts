/**
 * Records jobs from the job service in the library: restorations as runs
 * (input checksum and thumbnail, every parameter, the output moved into the
 * managed folder, per-step traces, PSNR/SSIM) and training as training runs
 * (loss samples while it runs, the trained model registered at the end).
 *
 * Order of writes keeps the library consistent at every moment: the row is
 * created 'queued' before anything runs; the output is written to a staging
 * name in the managed folder by the job, and `runs.finish` renames it and
 * then commits the row, so a crash leaves at most an orphan file or a stale
 * 'running' row, both of which `gnc library check --fix` repairs.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { JobProgress, JobRequest, JobResult, RestoreJobResult, TrainJobResult } from '../jobs/contract.js';
import type { JobRecorder } from '../jobs/job-service.js';
import { DEFAULT_MODEL } from '../prior/registry.js';
import { removeFileQuietly } from './files.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { JsonObject } from './json.js';
import type { Library } from './library.js';
import type { RunInput } from './runs-repo.js';
import type { VnSchedule } from '../vn/schedule-file.js';

interface Record {
  table: 'runs' | 'training';
  staging?: string;
  outputName?: string;
  lossSent: number;
}

export class LibraryJobRecorder implements JobRecorder {
  readonly #lib: Library;
  readonly #records = new Map<string, Record>();
  readonly #copyInputs: boolean;

  /**
   * `copyInputs`: keep a copy of each input photo in the library, for front
   * ends whose inputs are temporary (the app's uploads live in a session
   * folder that is removed on exit; a run must stay repeatable after that).
   */
  constructor(lib: Library, options: { copyInputs?: boolean } = {}) {
    this.#lib = lib;
    this.#copyInputs = options.copyInputs ?? false;
  }

  /** The library's model for a request's model reference; a .gncm file is registered first. */
  async #modelId(ref: string): Promise<string | null> {
    const known = this.#lib.models.find(ref);
    if (known) return known.id;
    if (ref.toLowerCase().endsWith('.gncm') && existsSync(ref)) return (await this.#lib.models.add(ref)).row.id;
    return null;
  }

  /**
   * The input's checksum and thumbnail. A missing or corrupt file is recorded
   * without them: the job itself then fails with the error that names the
   * problem, and the failed run is kept.
   */
  async #input(file: string): Promise<RunInput | null> {
    try {
      return await this.#lib.prepareInput(file, { thumbnail: true, copy: this.#copyInputs });
    } catch {
      try {
        return await this.#lib.prepareInput(file, { copy: this.#copyInputs });
      } catch {
        return null;
      }
    }
  }

  async queued(request: JobRequest): Promise<{ recordId: string; extraOutputs?: string[] }> {
    if (request.kind === 'train') {
      const row = this.#lib.training.create({
        settings: request as unknown as JsonObject,
        dataDescription: path.resolve(request.data),
        checkpointPath: request.checkpoint ?? null,
      });
      this.#records.set(row.id, { table: 'training', lossSent: 0 });
      return { recordId: row.id };
    }
    if (request.kind === 'bench' || request.kind === 'compare' || request.kind === 'learn-schedule' || request.kind === 'sample') {
      // Jobs whose output is a report: the run keeps every parameter, and the report file on success.
      const input = 'input' in request && request.input ? await this.#input(request.input) : null;
      const run = this.#lib.runs.create({
        kind: request.kind,
        method: request.kind === 'sample' ? 'sampler' : request.kind === 'learn-schedule' ? 'vn' : null,
        model: await this.#modelId(request.model ?? DEFAULT_MODEL),
        ...(input ? { input } : {}),
        params: request as unknown as JsonObject,
      });
      this.#records.set(run.id, { table: 'runs', lossSent: 0 });
      return { recordId: run.id };
    }
    const input = await this.#input(request.input);
    const { outputs: _outputs, ...params } = request;
    // A batch files its runs under one experiment; a wrong id fails here, before anything runs.
    const experimentId = request.experiment ? this.#lib.experiments.get(request.experiment).id : undefined;
    const run = this.#lib.runs.create({
      ...(experimentId ? { experimentId } : {}),
      kind: request.kind,
      method: request.settings?.method ?? 'gnc',
      model: await this.#modelId(request.model ?? DEFAULT_MODEL),
      input,
      params: params as unknown as JsonObject,
    });
    const base = path.basename(request.input, path.extname(request.input));
    const outputName = `${base}-${request.kind === 'denoise' ? 'denoised' : 'inpainted'}.png`;
    // The job picks the image format from the extension, so the staging name keeps one.
    const staging = `${this.#lib.runs.stagingPath(run.id, outputName)}.png`;
    this.#records.set(run.id, { table: 'runs', staging, outputName, lossSent: 0 });
    return { recordId: run.id, extraOutputs: [staging] };
  }

  started(recordId: string): void {
    const record = this.#records.get(recordId);
    if (record?.table === 'training') this.#lib.training.start(recordId);
    else this.#lib.runs.start(recordId);
  }

  progress(recordId: string, p: JobProgress): void {
    const record = this.#records.get(recordId);
    if (record?.table !== 'training' || p.loss === undefined || p.step === undefined) return;
    this.#lib.training.appendLoss(recordId, [{ iteration: p.step, loss: p.loss }]);
    if (p.validation) this.#lib.training.progress(recordId, { iterations: p.step, seconds: p.elapsed, validation: p.validation });
  }

  async done(recordId: string, _request: JobRequest, result: JobResult): Promise<void> {
    const record = this.#records.get(recordId);
    this.#records.delete(recordId);
    if (result.kind === 'train') return this.#trained(recordId, result);
    if (result.kind === 'bench' || result.kind === 'compare' || result.kind === 'learn-schedule' || result.kind === 'sample') {
      // The report is the run's output: a JSON file in the managed folder.
      const name = `${result.kind}-report.json`;
      const staging = this.#lib.runs.stagingPath(recordId, name);
      await writeFileAtomic(staging, `${JSON.stringify(result.report)}\n`);
      const seconds = 'seconds' in result ? result.seconds : ((result.report as { seconds?: number }).seconds ?? 0);
      const figures = result.report as { psnr?: { mean?: number } };
      await this.#lib.runs.finish(recordId, {
        outputTempFile: staging,
        outputName: name,
        seconds,
        ...(result.kind === 'sample' && typeof figures.psnr?.mean === 'number' ? { psnr: figures.psnr.mean } : {}),
      });
      if (result.kind === 'learn-schedule') {
        const s = result.report as unknown as VnSchedule;
        // A fine-tuned prior first, so the schedule has its model to belong to.
        if (result.model) await this.#lib.models.add(result.model);
        await this.#lib.schedules.add(result.output, { model: s.modelId, task: s.task, level: s.level, steps: s.sigmas.length, ...(s.figures ? { figures: s.figures } : {}) });
      }
      return;
    }
    const restored = result as RestoreJobResult;
    await this.#lib.runs.finish(recordId, {
      ...(record?.staging ? { outputTempFile: record.staging, outputName: record.outputName! } : {}),
      traces: {
        step: restored.trace.map((t) => t.step),
        sigma: restored.trace.map((t) => t.sigma),
        energy: restored.trace.map((t) => t.energy ?? null),
        psnr: restored.trace.map((t) => t.psnr ?? null),
        elapsed: restored.trace.map((t) => t.elapsed),
      },
      psnr: restored.psnr ?? null,
      ssim: restored.ssim ?? null,
      seconds: restored.seconds,
      backend: restored.backend as unknown as JsonObject,
      // An estimated noise level is known only now; the run keeps it beside the request.
      ...(restored.noise ? { resolved: { sigma: restored.noise.sigma, noise: restored.noise as unknown as JsonObject } } : {}),
    });
  }

  async #trained(recordId: string, result: TrainJobResult): Promise<void> {
    const { row } = await this.#lib.models.add(result.out);
    this.#lib.training.finish(recordId, { model: row.id, validation: result.validation, iterations: result.iterations, seconds: result.seconds });
  }

  failed(recordId: string, error: Error): void {
    const record = this.#end(recordId);
    if (record?.table === 'training') this.#lib.training.fail(recordId, error);
    else this.#lib.runs.fail(recordId, error);
  }

  cancelled(recordId: string): void {
    const record = this.#end(recordId);
    if (record?.table === 'training') this.#lib.training.cancel(recordId);
    else this.#lib.runs.cancel(recordId);
  }

  /** Forgets a record; a staged output that a failing job may have left is removed. */
  #end(recordId: string): Record | undefined {
    const record = this.#records.get(recordId);
    this.#records.delete(recordId);
    if (record?.staging) removeFileQuietly(record.staging);
    return record;
  }
}
