/**
 * The app's jobs: turns SubmitRequests (image ids, σ on 0–255, preview
 * crops) into job-service requests (file paths), follows each job to its end,
 * and tells listeners through engine events. Every job works in its own
 * folder of the session: the crop it read, the result it wrote, the
 * displayable versions made on demand.
 *
 * Previews: a request with a crop runs unrecorded on that crop. A newer
 * preview of the same image cancels an older one still waiting or running
 * (the slider has moved on), and once it is done the older previews' files
 * are removed: only the latest preview of an image is kept.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { readImage, encodeImage } from '../image/io.js';
import { addGaussianNoise } from '../image/noise.js';
import type {
  DenoiseJobRequest,
  InpaintJobRequest,
  JobProgress,
  JobRequest,
  JobResult,
  ReportJobResult,
  RestoreJobResult,
  SampleJobRequest,
  TrainJobRequest,
  TrainJobResult,
} from '../jobs/contract.js';
import type { SampleReport } from '../sample/sample-images.js';
import type { JobHandle, JobService } from '../jobs/job-service.js';
import type { Library } from '../library/library.js';
import { GncError } from '../util/errors.js';
import { toApiError } from './api-errors.js';
import { clampCrop, writeImageCrop, writeMaskCrop } from './crop.js';
import { PREVIEW_SIDE, renderDisplay } from './display.js';
import type {
  BackendReport,
  CropRect,
  DownloadOptions,
  ExportRequest,
  JobInfo,
  JobSubmitted,
  RestoreResultSummary,
  SampleResultSummary,
  SampleSubmit,
  SavedFile,
  SubmitRequest,
  TrainResultSummary,
  TrainSubmit,
  DenoiseSubmit,
  InpaintSubmit,
} from './engine-api.js';
import type { EventHub, UnnumberedEvent } from './event-hub.js';
import type { ImageStore, ServedFile } from './image-store.js';
import { isResumable, modelSummary } from './library-views.js';
import { encodeResult, exportResultFile, EXTENSION } from './result-export.js';
import type { SessionDir } from './session-dir.js';
import { vnScheduleFile } from './vn-schedule.js';

/** At most this many progress events a second per job; a finished solver step always gets through. */
const PROGRESS_INTERVAL_MS = 100;

interface AppJob {
  info: JobInfo;
  dir: string;
  handle?: JobHandle;
  imageId?: string;
  /** What the job read: the image itself or its crop. */
  inputFile?: string;
  resultFile?: string;
  suggestedName?: string;
  /** The part of the image a preview covers. */
  crop?: CropRect;
  files: Map<string, ServedFile>;
  /** A sample job's files, once it is done. */
  sampleFiles?: { samples: string[]; mean: string; std: string };
  /** Gone: a newer preview replaced it, or the image was removed. */
  expired: boolean;
}

export interface AppJobsOptions {
  service: JobService;
  library: Library;
  images: ImageStore;
  session: SessionDir;
  events: EventHub;
  /**
   * Where training checkpoints go. Outside the session folder on purpose: a
   * paused run must stay resumable after the app is closed.
   */
  checkpointDir: string;
}

const baseName = (name: string) => path.basename(name, path.extname(name)) || 'image';

export class AppJobs {
  readonly #o: AppJobsOptions;
  readonly #jobs = new Map<string, AppJob>();
  #backend: BackendReport | null = null;

  constructor(options: AppJobsOptions) {
    this.#o = options;
  }

  /** The backend the latest job ran on. */
  get backend(): BackendReport | null {
    return this.#backend;
  }

  list(): JobInfo[] {
    return [...this.#jobs.values()].filter((j) => !j.expired).map((j) => j.info);
  }

  get(jobId: string): JobInfo {
    return this.#job(jobId).info;
  }

  #job(jobId: string): AppJob {
    const job = this.#jobs.get(jobId);
    if (!job || job.expired) {
      const why = job?.expired ? 'its result was replaced by a newer preview or its image was removed' : 'no such job in this session';
      throw new GncError('not-found', `Job ${JSON.stringify(jobId)} is not available: ${why}`);
    }
    return job;
  }

  cancel(jobId: string): boolean {
    const job = this.#job(jobId);
    return job.handle ? this.#o.service.cancel(job.handle.id) : false;
  }

  async submit(request: SubmitRequest): Promise<JobSubmitted> {
    const jobId = `job-${randomBytes(6).toString('hex')}`;
    const dir = this.#o.session.folder('jobs', jobId);
    const job: AppJob = {
      info: {
        jobId,
        kind: request.kind,
        status: 'queued',
        preview: (request.kind === 'denoise' || request.kind === 'inpaint') && request.crop !== undefined,
        recordId: null,
        request,
        createdAt: new Date().toISOString(),
        progress: null,
        result: null,
        error: null,
      },
      dir,
      files: new Map(),
      expired: false,
    };
    let jobRequest: JobRequest;
    let record: boolean;
    try {
      if (request.kind === 'train') {
        await fs.mkdir(this.#o.checkpointDir, { recursive: true });
        jobRequest = this.#trainRequest(request, dir, jobId);
        record = true;
      } else if (request.kind === 'sample') {
        jobRequest = this.#sampleRequest(request, job);
        record = true;
      } else {
        jobRequest = await this.#restoreRequest(request, job);
        record = request.record ?? !job.info.preview;
        if (job.info.preview) this.#supersedePreviews(job);
      }
    } catch (err) {
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
    // The service reports 'running' (and may report more) before submit() returns: hold those until 'queued' is out.
    const held: UnnumberedEvent[] = [];
    let ready = false;
    const emit = (event: UnnumberedEvent) => (ready ? this.#o.events.emit(event) : held.push(event));
    let lastProgress = 0;
    let lastStep: number | undefined;
    let handle: JobHandle;
    try {
      handle = await this.#o.service.submit(jobRequest, {
        record,
        onStatus: (status) => {
          if (status !== 'running') return;
          job.info.status = 'running';
          emit({ type: 'running', jobId });
        },
        onProgress: (progress: JobProgress) => {
          job.info.progress = progress;
          const now = Date.now();
          const step = progress.trace?.step;
          if (now - lastProgress < PROGRESS_INTERVAL_MS && step === lastStep) return;
          lastProgress = now;
          lastStep = step;
          emit({ type: 'progress', jobId, progress });
        },
      });
    } catch (err) {
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
    job.handle = handle;
    job.info.recordId = handle.recordId ?? null;
    this.#jobs.set(jobId, job);
    this.#o.events.emit({ type: 'queued', jobId, kind: request.kind, preview: job.info.preview, recordId: job.info.recordId });
    ready = true;
    for (const event of held) this.#o.events.emit(event);
    if (record) this.#o.events.emit({ type: 'library-changed', what: request.kind === 'train' ? 'training' : 'runs' });
    handle.result.then(
      (result) => this.#finished(job, result),
      (err: unknown) => this.#ended(job, err),
    );
    return { jobId, kind: request.kind, recordId: job.info.recordId };
  }

  async #restoreRequest(request: DenoiseSubmit | InpaintSubmit, job: AppJob): Promise<DenoiseJobRequest | InpaintJobRequest> {
    const { images } = this.#o;
    const image = images.get(request.imageId);
    const mask = request.kind === 'inpaint' ? images.getMask(request.maskId, request.imageId) : undefined;
    job.imageId = request.imageId;
    let input = image.file;
    let maskFile = mask?.file;
    let crop: CropRect | undefined;
    if (request.crop) {
      crop = clampCrop(request.crop, image.info.width, image.info.height);
      // Keeps the user's name, so a recorded preview (record: true) still says which photo it was.
      input = path.join(job.dir, `${baseName(image.info.name)}-crop.${image.info.bitDepth === 32 ? 'tif' : 'png'}`);
      await writeImageCrop(image.file, crop, input);
      if (mask) {
        maskFile = path.join(job.dir, 'mask-crop.png');
        await writeMaskCrop(mask.file, image.info.width, image.info.height, crop, maskFile);
      }
    }
    const clean = request.cleanImageId !== undefined ? await this.#cleanReference(request, job, crop) : undefined;
    const schedule = vnScheduleFile(this.#o.library, {
      kind: request.kind,
      method: request.settings?.method,
      model: request.model,
      scheduleId: request.scheduleId,
      // For a crop the job measures the crop's own missing fraction; the whole mask's is close enough to choose by.
      level: request.kind === 'denoise' ? (request.sigma ?? request.addNoise) : mask!.info.fillFraction,
    });
    job.inputFile = input;
    job.resultFile = path.join(job.dir, 'result.png');
    job.suggestedName = `${baseName(image.info.name)}-${request.kind === 'denoise' ? 'denoised' : 'inpainted'}`;
    job.crop = crop;
    const common = {
      input,
      outputs: [job.resultFile],
      ...(request.model !== undefined ? { model: this.#modelFile(request.model) } : {}),
      ...(request.settings !== undefined ? { settings: request.settings } : {}),
      ...(request.bitDepth !== undefined ? { bitDepth: request.bitDepth } : {}),
      ...(request.traceEnergy !== undefined ? { traceEnergy: request.traceEnergy } : {}),
      ...(request.backend !== undefined ? { backend: request.backend } : {}),
      ...(schedule !== undefined ? { schedule } : {}),
      ...(clean !== undefined ? { clean } : {}),
    };
    if (request.kind === 'inpaint') return { kind: 'inpaint', ...common, mask: maskFile! };
    if (request.sigma === undefined && request.addNoise === undefined) {
      throw new GncError('invalid-argument', 'Denoising needs the noise level: expected sigma (0–255) or addNoise (0–255) in the request');
    }
    return {
      kind: 'denoise',
      ...common,
      ...(request.sigma !== undefined ? { sigma: request.sigma } : {}),
      ...(request.addNoise !== undefined ? { addNoise: request.addNoise } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
    };
  }

  /** Samples go into the job's own folder and are served from there (sampleImage). */
  #sampleRequest(request: SampleSubmit, job: AppJob): SampleJobRequest {
    const { images } = this.#o;
    const image = images.get(request.imageId);
    const mask = request.maskId !== undefined ? images.getMask(request.maskId, request.imageId) : undefined;
    const clean = request.cleanImageId !== undefined ? images.get(request.cleanImageId) : undefined;
    if (clean && (clean.info.width !== image.info.width || clean.info.height !== image.info.height)) {
      throw new GncError('invalid-argument', `The clean reference ${clean.info.name} is ${clean.info.width}×${clean.info.height} but the photo ${image.info.name} is ${image.info.width}×${image.info.height}; expected a reference of the same size`);
    }
    job.imageId = request.imageId;
    job.inputFile = image.file;
    return {
      kind: 'sample',
      task: request.task,
      input: image.file,
      samples: request.samples,
      outDir: path.join(job.dir, 'samples'),
      ...(mask ? { mask: mask.file } : {}),
      ...(request.sigma !== undefined ? { sigma: request.sigma } : {}),
      ...(clean ? { clean: clean.file } : {}),
      ...(request.model !== undefined ? { model: this.#modelFile(request.model) } : {}),
      ...(request.levels !== undefined ? { levels: request.levels } : {}),
      ...(request.stepsPerLevel !== undefined ? { stepsPerLevel: request.stepsPerLevel } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.backend !== undefined ? { backend: request.backend } : {}),
    };
  }

  /**
   * The clean reference's file for the job (cropped like the input for a
   * preview), after checking it can be compared with the photo pixel by pixel.
   */
  async #cleanReference(request: DenoiseSubmit | InpaintSubmit, job: AppJob, crop: CropRect | undefined): Promise<string> {
    if (request.kind === 'denoise' && request.addNoise !== undefined) {
      throw new GncError('invalid-argument', 'addNoise already makes the photo itself the clean reference; leave out cleanImageId or addNoise');
    }
    const image = this.#o.images.get(request.imageId).info;
    const clean = this.#o.images.get(request.cleanImageId!);
    const c = clean.info;
    if (c.width !== image.width || c.height !== image.height || c.channels !== image.channels) {
      const shape = (i: { width: number; height: number; channels: number }) => `${i.width}×${i.height} ${i.channels === 1 ? 'grey' : 'colour'}`;
      throw new GncError('invalid-argument', `The clean reference ${c.name} is ${shape(c)} but the photo ${image.name} is ${shape(image)}; expected a reference of the same size and colour`);
    }
    if (!crop) return clean.file;
    const file = path.join(job.dir, `clean-crop.${c.bitDepth === 32 ? 'tif' : 'png'}`);
    await writeImageCrop(clean.file, crop, file);
    return file;
  }

  /**
   * The job resolves shipped names and model files, not library ids, so a
   * library model is passed as its file (the recorder maps it back to its id).
   */
  #modelFile(ref: string): string {
    const row = this.#o.library.models.get(ref);
    return row.shipped ? path.basename(row.filePath, '.gncm') : row.filePath;
  }

  /**
   * Every app training run checkpoints to its own file, which the library
   * records (training row checkpointPath): cancelling saves it, and that is
   * what makes a cancelled run a paused one.
   */
  #trainRequest(request: TrainSubmit, dir: string, jobId: string): TrainJobRequest {
    const paused = request.resumeTrainingId !== undefined ? this.#pausedRun(request.resumeTrainingId) : undefined;
    const data = paused?.data ?? request.data;
    if (data === undefined) throw new GncError('invalid-argument', 'Training needs the folder of training photos: expected data, or resumeTrainingId to continue a paused run');
    // Resuming, the checkpoint's settings win and only the length may grow; left out, the length is the paused
    // run's own (the trainer would otherwise take its default length, not the run's).
    const iterations = request.settings?.iterations ?? paused?.iterations;
    const settings = paused ? (iterations !== undefined ? { iterations } : undefined) : request.settings;
    const fileName = request.name ? `${request.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.gncm` : (paused?.outName ?? 'trained.gncm');
    return {
      kind: 'train',
      data,
      out: path.join(dir, fileName),
      checkpoint: path.join(this.#o.checkpointDir, `${jobId}.gnck`),
      ...(paused ? { resume: paused.checkpoint } : {}),
      ...(settings !== undefined ? { settings } : {}),
      ...(request.backend !== undefined ? { backend: request.backend } : {}),
    };
  }

  /** The checkpoint, photos and model file name of a paused training run, or an error saying why it cannot continue. */
  #pausedRun(trainingId: string): { checkpoint: string; data: string; outName: string | undefined; iterations: number | undefined } {
    const row = this.#o.library.training.get(trainingId);
    if (!isResumable(row)) {
      const why = row.status === 'cancelled' || row.status === 'failed' ? 'its checkpoint is missing (it ended before saving one, or the file was removed)' : `it is ${row.status}`;
      throw new GncError('invalid-argument', `Training run ${row.id} cannot be resumed: ${why}; expected a paused run (cancelled with its checkpoint on disk)`);
    }
    // The row keeps the job request it was started with.
    const { data, out, settings } = row.settings as { data?: unknown; out?: unknown; settings?: { iterations?: unknown } };
    if (typeof data !== 'string') throw new GncError('library', `Training run ${row.id} does not record its folder of photos (settings.data), so it cannot be resumed`);
    return {
      checkpoint: row.checkpointPath!,
      data,
      outName: typeof out === 'string' ? path.basename(out) : undefined,
      iterations: typeof settings?.iterations === 'number' ? settings.iterations : undefined,
    };
  }

  /** A newer preview of the same image: older ones still waiting or running are no longer wanted. */
  #supersedePreviews(job: AppJob): void {
    for (const other of this.#jobs.values()) {
      if (other.info.preview && other.imageId === job.imageId && other.handle && (other.info.status === 'queued' || other.info.status === 'running')) {
        this.#o.service.cancel(other.handle.id);
      }
    }
  }

  /** After a preview is done: the older previews of that image are dropped with their files. */
  async #dropOlderPreviews(job: AppJob): Promise<void> {
    for (const other of [...this.#jobs.values()]) {
      if (other === job || !other.info.preview || other.imageId !== job.imageId) continue;
      if (other.info.status === 'queued' || other.info.status === 'running') continue;
      if (other.info.createdAt > job.info.createdAt) continue;
      this.#jobs.delete(other.info.jobId);
      await fs.rm(other.dir, { recursive: true, force: true });
    }
  }

  async #finished(job: AppJob, jobResult: JobResult): Promise<void> {
    // The app submits restorations, training and sampling only.
    const result = jobResult as RestoreJobResult | TrainJobResult | ReportJobResult;
    if ('backend' in result) this.#backend = result.backend;
    try {
      job.info.result =
        result.kind === 'train' ? this.#trainSummary(job, result) : result.kind === 'sample' ? this.#sampleSummary(job, result.report as unknown as SampleReport) : this.#restoreSummary(job, result as RestoreJobResult);
      job.info.status = 'done';
      this.#o.events.emit({ type: 'done', jobId: job.info.jobId, result: job.info.result });
    } catch (err) {
      job.info.status = 'failed';
      job.info.error = toApiError(err);
      this.#o.events.emit({ type: 'failed', jobId: job.info.jobId, error: job.info.error });
    }
    if (job.info.recordId) this.#o.events.emit({ type: 'library-changed', what: result.kind === 'train' ? 'training' : 'runs' });
    if (result.kind === 'train') this.#o.events.emit({ type: 'library-changed', what: 'models' });
    if (job.info.preview) await this.#dropOlderPreviews(job);
  }

  #ended(job: AppJob, err: unknown): void {
    const error = toApiError(err);
    if (error.kind === 'cancelled') {
      job.info.status = 'cancelled';
      if (job.info.kind === 'train') this.#recordPause(job);
      this.#o.events.emit({ type: 'cancelled', jobId: job.info.jobId });
    } else {
      job.info.status = 'failed';
      job.info.error = error;
      this.#o.events.emit({ type: 'failed', jobId: job.info.jobId, error });
    }
    if (job.info.recordId) this.#o.events.emit({ type: 'library-changed', what: job.info.kind === 'train' ? 'training' : 'runs' });
  }

  /**
   * The library records a training run's iterations only at validations; a
   * paused run needs the iteration its checkpoint holds (the last one
   * reported: the trainer stops before starting the next).
   */
  #recordPause(job: AppJob): void {
    const p = job.info.progress;
    if (!job.info.recordId || p?.step === undefined) return;
    try {
      this.#o.library.training.progress(job.info.recordId, { iterations: p.step, seconds: p.elapsed });
    } catch {
      // The row may have been removed meanwhile: nothing to mark.
    }
  }

  #restoreSummary(job: AppJob, r: RestoreJobResult): RestoreResultSummary {
    const base = `/api/jobs/${job.info.jobId}/result`;
    return {
      kind: r.kind,
      imageId: job.imageId!,
      crop: job.crop ?? null,
      width: r.width,
      height: r.height,
      channels: r.channels,
      bitDepth: r.bitDepth,
      backend: r.backend,
      model: { name: r.model.name, id: r.model.id },
      method: r.method,
      steps: r.steps,
      ...(r.schedule ? { schedule: { level: r.schedule.level, steps: r.schedule.steps, ...(r.schedule.warning ? { warning: r.schedule.warning } : {}) } } : {}),
      settings: r.settings,
      ...(r.sigma !== undefined ? { sigma: r.sigma } : {}),
      ...(r.addedNoise ? { addedNoise: r.addedNoise } : {}),
      ...(r.missingFraction !== undefined ? { missingFraction: r.missingFraction } : {}),
      seconds: r.seconds,
      ...(r.psnr !== undefined ? { psnr: r.psnr } : {}),
      ...(r.ssim !== undefined ? { ssim: r.ssim } : {}),
      ...(r.inputPsnr !== undefined ? { inputPsnr: r.inputPsnr } : {}),
      trace: r.trace,
      previewUrl: `${base}/preview`,
      displayUrl: `${base}/display`,
      noisyUrl: r.addedNoise ? `${base}/noisy` : null,
      suggestedName: job.suggestedName!,
    };
  }

  #sampleSummary(job: AppJob, r: SampleReport): SampleResultSummary {
    job.sampleFiles = { samples: r.samples, mean: r.mean, std: r.std };
    const base = `/api/jobs/${job.info.jobId}/sample`;
    return {
      kind: 'sample',
      task: r.task === 'inpaint' ? 'inpaint' : 'denoise',
      imageId: job.imageId!,
      model: { name: r.model.name, id: r.model.id },
      sampleUrls: r.samples.map((_, k) => `${base}/${k + 1}`),
      meanUrl: `${base}/mean`,
      stdUrl: `${base}/std`,
      stdScale: r.stdScale,
      meanStd: r.meanStd,
      settings: r.settings,
      ...(r.psnr ? { psnr: r.psnr } : {}),
      ...(r.stdHidden !== undefined ? { stdHidden: r.stdHidden } : {}),
      ...(r.stdObserved !== undefined ? { stdObserved: r.stdObserved } : {}),
      ...(r.stdTexture !== undefined ? { stdTexture: r.stdTexture } : {}),
      ...(r.stdFlat !== undefined ? { stdFlat: r.stdFlat } : {}),
      seconds: r.seconds,
    };
  }

  /** A sample job's pictures: 'mean', 'std' or a sample's number from 1 (the job wrote 8-bit PNGs). */
  sampleImage(jobId: string, which: string): ServedFile {
    const job = this.#job(jobId);
    if (job.info.kind !== 'sample') throw new GncError('invalid-argument', `Job ${jobId} is a ${job.info.kind} job; only sample jobs have samples`);
    const files = job.sampleFiles;
    if (!files) throw new GncError('not-found', `Job ${jobId} has no samples: it is ${job.info.status}${job.info.error ? ` (${job.info.error.message})` : ''}`);
    const index = Number(which);
    const file = which === 'mean' ? files.mean : which === 'std' ? files.std : Number.isInteger(index) ? files.samples[index - 1] : undefined;
    if (!file) throw new GncError('not-found', `Job ${jobId} has no sample ${JSON.stringify(which)}; expected mean, std or 1 to ${files.samples.length}`);
    return { file, mime: 'image/png' };
  }

  #trainSummary(job: AppJob, r: TrainJobResult): TrainResultSummary {
    const { library } = this.#o;
    let row = library.models.find(r.id);
    const name = job.info.request.kind === 'train' ? job.info.request.name : undefined;
    if (row && name && row.name !== name) row = library.models.rename(row.id, name);
    return {
      kind: 'train',
      model: row ? modelSummary(row, library.schedules.modelIds()) : null,
      iterations: r.iterations,
      seconds: r.seconds,
      validation: r.validation,
      backend: r.backend,
      loss: r.loss,
    };
  }

  #doneRestore(jobId: string): AppJob & { resultFile: string } {
    const job = this.#job(jobId);
    if (job.info.kind === 'train') throw new GncError('invalid-argument', `Job ${jobId} trained a model; it has no result image (its model is in the library)`);
    if (job.info.kind === 'sample') throw new GncError('invalid-argument', `Job ${jobId} drew posterior samples; its pictures are at /api/jobs/${jobId}/sample/mean, /std and /1 onwards`);
    if (job.info.status !== 'done' || !job.resultFile) {
      throw new GncError('not-found', `Job ${jobId} has no result image: it is ${job.info.status}${job.info.error ? ` (${job.info.error.message})` : ''}`);
    }
    return job as AppJob & { resultFile: string };
  }

  /** Displayable versions of a result, made once on first request. */
  async resultImage(jobId: string, which: 'preview' | 'display' | 'noisy'): Promise<ServedFile> {
    const job = this.#doneRestore(jobId);
    const cached = job.files.get(which);
    if (cached) return cached;
    let served: ServedFile;
    if (which === 'noisy') served = await this.#noisy(job);
    else {
      const rendered = await renderDisplay(await fs.readFile(job.resultFile), `the result of job ${jobId}`, which === 'preview' ? { maxSide: PREVIEW_SIDE } : {});
      const file = path.join(job.dir, `${which}.${rendered.mime === 'image/png' ? 'png' : 'jpg'}`);
      await fs.writeFile(file, rendered.bytes);
      served = { file, mime: rendered.mime };
    }
    job.files.set(which, served);
    return served;
  }

  /** The synthetic noisy input, remade with the job's own noise function and seed (so it is the one the job saw). */
  async #noisy(job: AppJob & { resultFile: string }): Promise<ServedFile> {
    const result = job.info.result as RestoreResultSummary;
    if (!result.addedNoise || !job.inputFile) throw new GncError('not-found', `Job ${job.info.jobId} added no synthetic noise, so there is no noisy input to show`);
    const image = await readImage(job.inputFile);
    const noisy = { ...image, data: addGaussianNoise(image.data, result.addedNoise.sigma / 255, result.addedNoise.seed) };
    const png = await encodeImage({ ...noisy, icc: undefined, exif: undefined }, 'png', { bitDepth: 8 });
    const file = path.join(job.dir, 'noisy.png');
    await fs.writeFile(file, await sharp(png).png({ compressionLevel: 3 }).toBuffer());
    return { file, mime: 'image/png' };
  }

  async download(jobId: string, options: DownloadOptions): Promise<{ bytes: Buffer; fileName: string; mime: string }> {
    const job = this.#doneRestore(jobId);
    const { bytes, format } = await encodeResult(job.resultFile, options);
    return { bytes, fileName: `${job.suggestedName}.${EXTENSION[format]}`, mime: `image/${format}` };
  }

  async export(request: ExportRequest): Promise<SavedFile> {
    const job = this.#doneRestore(request.jobId);
    const { jobId: _jobId, ...rest } = request;
    return exportResultFile(job.resultFile, rest);
  }

  /** Jobs that read an image end with it: cancelled if running, their files removed. */
  async forgetImage(imageId: string): Promise<void> {
    for (const job of [...this.#jobs.values()]) {
      if (job.imageId !== imageId) continue;
      if (job.handle && (job.info.status === 'queued' || job.info.status === 'running')) this.#o.service.cancel(job.handle.id);
      job.expired = true;
      this.#jobs.delete(job.info.jobId);
      await fs.rm(job.dir, { recursive: true, force: true });
    }
  }
}
