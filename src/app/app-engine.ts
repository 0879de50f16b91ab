/**
 * The engine side of the app API (engine-api.ts): one object that answers
 * every `EngineCalls` method over the job service, the library and the
 * session's image store, serves the pictures behind ResourcePaths, and
 * publishes engine events. The web bridge and the Electron engine host both
 * wrap exactly this; neither adds behaviour of its own.
 *
 * Arguments are validated here too (api-validate.ts), so the engine is safe
 * whichever transport calls it.
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { exportBundle, importBundle, PACK_EXTENSION } from '../library/bundle.js';
import { checkLibrary } from '../library/check.js';
import { LibraryJobRecorder } from '../library/job-recorder.js';
import { openLibrary, type Library } from '../library/library.js';
import type { ModelRow } from '../library/models-repo.js';
import { safeFileName } from '../library/files.js';
import { JobService, type JobRunner } from '../jobs/job-service.js';
import { DEFAULT_MODEL } from '../prior/registry.js';
import { readImage } from '../image/io.js';
import { estimateNoiseSigma } from '../image/noise-estimate.js';
import { GncError } from '../util/errors.js';
import { projectRoot, samplePhoto, userDataDir } from '../util/paths.js';
import { getSetting, setSetting } from '../library/settings.js';
import { validateCall, MAX_CROP_PIXELS, MAX_UPLOAD_BYTES } from './api-validate.js';
import { AppJobs } from './app-jobs.js';
import { gpuSolvePlan } from './gpu-plan.js';
import { renderDisplay } from './display.js';
import type * as Api from './engine-api.js';
import { EventHub } from './event-hub.js';
import { ImageStore, type ServedFile } from './image-store.js';
import { modelSummary, rerunnable, runDetail, runSummary, scheduleSummary, trainingDetail, trainingSummary } from './library-views.js';
import { labConvex, labGnc1d } from './lab-plots.js';
import { checkTarget } from './result-export.js';
import { PREVIEW_SIDE } from './display.js';
import { createSessionDir, type SessionDir } from './session-dir.js';

/** What a ResourcePath GET answers: a file to stream or bytes in memory. */
export type Resource =
  | { kind: 'file'; file: string; mime: string }
  | { kind: 'bytes'; bytes: Buffer; mime: string; fileName?: string };

export interface AppEngineOptions {
  transport: 'http' | 'ipc';
  /** Library database file (default: GNC_LIBRARY, else the user data folder's). */
  libraryPath?: string;
  /** Where sessions are kept (default: the user data folder). */
  userData?: string;
  electronVersion?: string;
  /** For tests: a job service of their own. */
  service?: JobService;
  /** For tests: where jobs run (default: engine worker threads); the library still records them. */
  createRunner?: () => JobRunner;
  maxPixels?: number;
}

/** Library setting: the user closed the first-run welcome. */
const WELCOME_DISMISSED = 'welcome-dismissed';

const version = (): string => (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

function defaultExportDir(): string {
  const pictures = path.join(os.homedir(), 'Pictures');
  return existsSync(pictures) ? pictures : os.homedir();
}

type ResourceRoute = [RegExp, (engine: AppEngine, m: RegExpExecArray, query: URLSearchParams) => Promise<Resource>];

const ID = '([A-Za-z0-9][A-Za-z0-9._-]{0,99})';
const served = (f: ServedFile): Resource => ({ kind: 'file', file: f.file, mime: f.mime });

function parseDownload(query: URLSearchParams): Api.DownloadOptions {
  const options: Record<string, unknown> = {};
  const format = query.get('format');
  if (format !== null) options.format = format;
  const depth = query.get('bitDepth');
  if (depth !== null) options.bitDepth = Number(depth);
  const keep = query.get('keepMetadata');
  if (keep !== null) options.keepMetadata = keep === 'true' || keep === '1';
  const known = ['format', 'bitDepth', 'keepMetadata', 'token'];
  for (const key of query.keys()) if (!known.includes(key)) throw new GncError('invalid-argument', `Unknown download option ${JSON.stringify(key)}; expected ${known.slice(0, 3).join(', ')}`);
  if (options.format !== undefined && !['png', 'jpeg', 'tiff', 'webp'].includes(options.format as string)) {
    throw new GncError('invalid-argument', `Expected one of png, jpeg, tiff, webp for format but received ${JSON.stringify(format)}`);
  }
  if (options.bitDepth !== undefined && options.bitDepth !== 8 && options.bitDepth !== 16) {
    throw new GncError('invalid-argument', `Expected 8 or 16 for bitDepth but received ${JSON.stringify(depth)}`);
  }
  return options as Api.DownloadOptions;
}

const RESOURCES: ResourceRoute[] = [
  [new RegExp(`^/api/images/${ID}/preview$`), async (e, m) => served(await e.images.preview(m[1]!))],
  [new RegExp(`^/api/images/${ID}/display$`), async (e, m) => served(await e.images.display(m[1]!))],
  [new RegExp(`^/api/masks/${ID}/display$`), async (e, m) => ({ kind: 'file', file: e.images.getMask(m[1]!).displayFile, mime: 'image/png' })],
  [new RegExp(`^/api/jobs/${ID}/sample/(mean|std|[0-9]{1,3})$`), async (e, m) => served(e.jobs.sampleImage(m[1]!, m[2]!))],
  [new RegExp(`^/api/jobs/${ID}/result/(preview|display|noisy)$`), async (e, m) => served(await e.jobs.resultImage(m[1]!, m[2] as 'preview' | 'display' | 'noisy'))],
  [
    new RegExp(`^/api/jobs/${ID}/result/download$`),
    async (e, m, q) => {
      const { bytes, fileName, mime } = await e.jobs.download(m[1]!, parseDownload(q));
      return { kind: 'bytes', bytes, mime, fileName };
    },
  ],
  [new RegExp(`^/api/runs/${ID}/output$`), (e, m) => e.runOutput(m[1]!)],
  [
    new RegExp(`^/api/runs/${ID}/thumb$`),
    async (e, m) => {
      const run = e.library.runs.get(m[1]!);
      if (!run.thumbPath || !existsSync(run.thumbPath)) throw new GncError('not-found', `Run ${run.id} has no thumbnail`);
      return { kind: 'file', file: run.thumbPath, mime: 'image/png' };
    },
  ],
  [new RegExp(`^/api/models/${ID}/bundle$`), (e, m) => e.bundleBytes(m[1]!)],
];

export class AppEngine implements Api.EngineCalls {
  readonly library: Library;
  readonly images: ImageStore;
  readonly jobs: AppJobs;
  readonly events = new EventHub();
  readonly #session: SessionDir;
  readonly #service: JobService;
  readonly #options: AppEngineOptions;
  readonly #userData: string;
  /** Training checkpoints of the app's runs; kept across sessions so a paused run can resume later. */
  get #checkpointDir(): string {
    return path.join(this.#userData, 'checkpoints');
  }
  #closed: Promise<void> | undefined;

  constructor(options: AppEngineOptions) {
    this.#options = options;
    this.#userData = options.userData ?? userDataDir();
    this.library = openLibrary(options.libraryPath ? { path: options.libraryPath } : {});
    try {
      this.#session = createSessionDir(this.#userData);
      this.images = new ImageStore(this.#session, options.maxPixels !== undefined ? { maxPixels: options.maxPixels } : {});
      // Uploads live in the session folder, which goes at exit: the library keeps its own copy of each input.
      const recorder = new LibraryJobRecorder(this.library, { copyInputs: true });
      this.#service = options.service ?? new JobService({ recorder, ...(options.createRunner ? { createRunner: options.createRunner } : {}) });
      this.jobs = new AppJobs({
        service: this.#service,
        library: this.library,
        images: this.images,
        session: this.#session,
        events: this.events,
        checkpointDir: this.#checkpointDir,
      });
    } catch (err) {
      this.library.close();
      throw err;
    }
  }

  get sessionRoot(): string {
    return this.#session.root;
  }

  subscribe(listener: Api.EngineEventListener): () => void {
    return this.events.subscribe(listener);
  }

  /** Runs a call by name after validating its arguments: the one entry point for transports. */
  async call(name: string, args: unknown[]): Promise<unknown> {
    const checked = validateCall(name, args);
    const method = this[name as Api.EngineCallName] as (...a: unknown[]) => Promise<unknown>;
    return method.apply(this, checked);
  }

  // ─── info and models

  async info(): Promise<Api.AppInfo> {
    const backend = this.jobs.backend;
    return {
      name: 'GNC Studio',
      version: version(),
      transport: this.#options.transport,
      platform: process.platform,
      arch: process.arch,
      nodeVersion: process.versions.node,
      ...(this.#options.electronVersion ? { electronVersion: this.#options.electronVersion } : {}),
      libraryPath: this.library.path,
      userDataDir: this.#userData,
      defaultExportDir: defaultExportDir(),
      backend,
      gpu: backend?.device === 'gpu',
      tensorflowPackages: { gpu: installed('@tensorflow/tfjs-node-gpu'), cpu: installed('@tensorflow/tfjs-node') },
      defaultModel: DEFAULT_MODEL,
      limits: { maxUploadBytes: MAX_UPLOAD_BYTES, maxPixels: this.images.maxPixels, previewSide: PREVIEW_SIDE, maxCropPixels: MAX_CROP_PIXELS },
    };
  }

  /** A model as the app shows it; its 'vn' method depends on the library's schedules. */
  #summary(row: ModelRow): Api.ModelSummary {
    return modelSummary(row, this.library.schedules.modelIds());
  }

  async listModels(): Promise<Api.ModelSummary[]> {
    const scheduled = this.library.schedules.modelIds();
    return this.library.models.list().map((row) => modelSummary(row, scheduled));
  }

  async getModel(id: string): Promise<Api.ModelSummary> {
    return this.#summary(this.library.models.get(id));
  }

  async removeModel(id: string): Promise<Api.ModelSummary> {
    const summary = this.#summary(this.library.models.get(id));
    this.library.models.remove(id);
    this.events.emit({ type: 'library-changed', what: 'models' });
    return summary;
  }

  async tagModel(id: string, change: Api.TagChange): Promise<Api.ModelSummary> {
    const row = this.library.models.tag(id, change.add ?? [], change.remove ?? []);
    this.events.emit({ type: 'library-changed', what: 'models' });
    return this.#summary(row);
  }

  async exportModelBundle(id: string, request: Api.SavePathRequest): Promise<Api.SavedFile> {
    const target = path.resolve(request.path);
    if (!target.endsWith(PACK_EXTENSION)) {
      throw new GncError('invalid-argument', `Expected a file name ending in ${PACK_EXTENSION} for the model bundle but received ${path.basename(target)}`);
    }
    checkTarget(target, request.overwrite ?? false);
    const result = await exportBundle(this.library, id, target);
    return { path: result.file, bytes: result.bytes };
  }

  async bundleBytes(id: string): Promise<Resource> {
    const model = this.library.models.get(id);
    const tmp = path.join(this.#session.folder('bundles'), `${model.id}${PACK_EXTENSION}`);
    try {
      await exportBundle(this.library, model.id, tmp);
      return { kind: 'bytes', bytes: await fs.readFile(tmp), mime: 'application/octet-stream', fileName: `${safeFileName(model.name)}${PACK_EXTENSION}` };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async importModelBundle(file: Api.UploadFile): Promise<Api.BundleImportResult> {
    const tmp = path.join(this.#session.folder('bundles'), `upload-${Date.now()}-${safeFileName(file.name)}`);
    await fs.writeFile(tmp, file.bytes);
    try {
      return await this.#import(tmp);
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async importModelBundlePath(request: Api.PathRequest): Promise<Api.BundleImportResult> {
    return this.#import(request.path);
  }

  async #import(file: string): Promise<Api.BundleImportResult> {
    const result = await importBundle(this.library, file);
    this.events.emit({ type: 'library-changed', what: 'models' });
    if (result.schedules) this.events.emit({ type: 'library-changed', what: 'schedules' });
    return { model: this.#summary(result.model), added: result.added, schedules: result.schedules, message: result.message };
  }

  // ─── images

  async listImages(): Promise<Api.ImageInfo[]> {
    return this.images.list();
  }

  async uploadImage(file: Api.UploadFile): Promise<Api.ImageInfo> {
    return this.images.addUpload(file);
  }

  async openImagePath(request: Api.PathRequest): Promise<Api.ImageInfo> {
    return this.images.addPath(request.path);
  }

  async getImage(imageId: string): Promise<Api.ImageInfo> {
    return this.images.get(imageId).info;
  }

  async removeImage(imageId: string): Promise<{ removed: true }> {
    this.images.get(imageId);
    await this.jobs.forgetImage(imageId);
    await this.images.remove(imageId);
    return { removed: true };
  }

  async uploadMask(imageId: string, file: Api.UploadFile): Promise<Api.MaskInfo> {
    return this.images.addMask(imageId, file);
  }

  async estimateNoise(imageId: string): Promise<Api.NoiseEstimate> {
    const image = await readImage(this.images.get(imageId).file, { maxPixels: this.images.maxPixels });
    return { sigma: estimateNoiseSigma(image) };
  }

  /** A denoise preview for the page's WebGPU path (gpu-plan.ts). */
  async prepareGpuSolve(request: Api.GpuPlanRequest): Promise<Api.GpuSolvePlan> {
    return gpuSolvePlan({ images: this.images, library: this.library }, request);
  }

  // ─── jobs

  async listJobs(): Promise<Api.JobInfo[]> {
    return this.jobs.list();
  }

  async submitJob(request: Api.SubmitRequest): Promise<Api.JobSubmitted> {
    return this.jobs.submit(request);
  }

  async getJob(jobId: string): Promise<Api.JobInfo> {
    return this.jobs.get(jobId);
  }

  async cancelJob(jobId: string): Promise<{ cancelled: boolean }> {
    return { cancelled: this.jobs.cancel(jobId) };
  }

  async exportResult(request: Api.ExportRequest): Promise<Api.SavedFile> {
    return this.jobs.export(request);
  }

  // ─── library

  async listRuns(query: Api.RunQuery = {}): Promise<Api.RunSummary[]> {
    return this.library.runs.list({ ...query, limit: query.limit ?? 200 }).map((r) => runSummary(this.library, r));
  }

  async getRun(id: string): Promise<Api.RunDetail> {
    return runDetail(this.library, this.library.runs.get(id));
  }

  async removeRun(id: string): Promise<Api.RunSummary> {
    const run = this.library.runs.get(id);
    const summary = runSummary(this.library, run);
    if (run.status === 'queued' || run.status === 'running') {
      throw new GncError('library', `Run ${run.id} is ${run.status}; cancel its job before removing it`);
    }
    this.library.runs.remove(run.id);
    this.events.emit({ type: 'library-changed', what: 'runs' });
    return summary;
  }

  /** Repeats a recorded restoration with its recorded parameters (and any overrides), recorded as a new run. */
  async rerun(request: Api.RerunRequest): Promise<Api.JobSubmitted> {
    const run = this.library.runs.get(request.runId);
    if (!rerunnable(run)) {
      throw new GncError(
        'not-found',
        `Run ${run.id} cannot be repeated: ${run.kind !== 'denoise' && run.kind !== 'inpaint' ? `it is a ${run.kind} run (only denoise and inpaint runs can)` : 'its input photo or mask is no longer there'}`,
      );
    }
    const p = run.params as Record<string, unknown>;
    const name = typeof p.input === 'string' ? path.basename(p.input) : path.basename(run.inputPath!);
    const image = await this.images.addPath(run.inputPath!, name);
    const o = request.overrides ?? {};
    const pick = <T>(key: string): T | undefined => (p[key] === undefined ? undefined : (p[key] as T));
    const modelRow = o.model !== undefined ? undefined : run.modelId ? this.library.models.byId(run.modelId) : undefined;
    const common = {
      imageId: image.imageId,
      ...(o.model !== undefined ? { model: o.model } : modelRow ? { model: modelRow.id } : {}),
      ...(o.settings !== undefined || p.settings !== undefined ? { settings: { ...(pick<object>('settings') ?? {}), ...(o.settings ?? {}) } } : {}),
      ...(p.bitDepth !== undefined ? { bitDepth: p.bitDepth as 8 | 16 } : {}),
      ...(p.traceEnergy !== undefined ? { traceEnergy: p.traceEnergy as boolean } : {}),
    };
    let submit: Api.SubmitRequest;
    if (run.kind === 'inpaint') {
      const maskPath = p.mask as string;
      const mask = await this.images.addMask(image.imageId, { name: path.basename(maskPath), bytes: await fs.readFile(maskPath) });
      submit = { kind: 'inpaint', ...common, maskId: mask.maskId };
    } else {
      const sigma = o.sigma ?? pick<number>('sigma');
      submit = {
        kind: 'denoise',
        ...common,
        ...(sigma !== undefined ? { sigma } : {}),
        ...(p.addNoise !== undefined ? { addNoise: p.addNoise as number } : {}),
        ...(p.seed !== undefined ? { seed: p.seed as number } : {}),
      };
    }
    validateCall('submitJob', [submit]);
    return this.jobs.submit(submit);
  }

  async runOutput(id: string): Promise<Resource> {
    const run = this.library.runs.get(id);
    if (!run.outputPath || !existsSync(run.outputPath)) throw new GncError('not-found', `Run ${run.id} has no stored output image`);
    const target = path.join(this.#session.folder('display'), `run-${run.id}.png`);
    if (!existsSync(target)) {
      const rendered = await renderDisplay(await fs.readFile(run.outputPath), `the output of run ${run.id}`);
      await fs.writeFile(target, rendered.bytes);
    }
    return { kind: 'file', file: target, mime: 'image/png' };
  }

  async listSchedules(): Promise<Api.ScheduleSummary[]> {
    return this.library.schedules.list().map((s) => scheduleSummary(this.library, s));
  }

  async removeSchedule(id: string): Promise<Api.ScheduleSummary> {
    const row = this.library.schedules.remove(id);
    this.events.emit({ type: 'library-changed', what: 'schedules' });
    // The model may have lost its last schedule, and with it method 'vn'.
    this.events.emit({ type: 'library-changed', what: 'models' });
    return scheduleSummary(this.library, row);
  }

  async listTraining(): Promise<Api.TrainingSummary[]> {
    return this.library.training.list({ limit: 200 }).map(trainingSummary);
  }

  async getTraining(id: string): Promise<Api.TrainingDetail> {
    return trainingDetail(this.library.training.get(id));
  }

  async removeTraining(id: string): Promise<Api.TrainingSummary> {
    const row = this.library.training.remove(id);
    // The app's own checkpoints go with their run (the CLI's stay where its user put them).
    if (row.checkpointPath && path.dirname(row.checkpointPath) === this.#checkpointDir) await fs.rm(row.checkpointPath, { force: true });
    this.events.emit({ type: 'library-changed', what: 'training' });
    return trainingSummary(row);
  }

  async checkLibrary(options: { fix?: boolean } = {}): Promise<Api.CheckReport> {
    const problems = await checkLibrary(this.library, { fix: options.fix ?? false });
    if (options.fix && problems.some((p) => p.fixed)) this.events.emit({ type: 'library-changed', what: 'runs' });
    return { problems };
  }

  // ─── lab (pure computation, no files)

  async labGnc1d(request: Api.LabGnc1dRequest): Promise<Api.LabGnc1dResult> {
    return labGnc1d(request);
  }

  async labConvex(request: Api.LabConvexRequest): Promise<Api.LabConvexResult> {
    return labConvex(request);
  }

  // ─── first run

  async welcome(): Promise<Api.WelcomeInfo> {
    return {
      show: getSetting(this.library, WELCOME_DISMISSED) !== 'true',
      shippedModels: this.library.models.list({ shipped: true }).length,
      sampleAvailable: existsSync(samplePhoto()),
    };
  }

  async setWelcome(change: Api.WelcomeChange): Promise<Api.WelcomeInfo> {
    setSetting(this.library, WELCOME_DISMISSED, change.dismissed ? 'true' : 'false');
    return this.welcome();
  }

  async openSample(): Promise<Api.ImageInfo> {
    const file = samplePhoto();
    if (!existsSync(file)) throw new GncError('not-found', `The sample photo is not installed (expected ${file})`);
    return this.images.addPath(file, 'sample.png');
  }

  // ─── resources

  /** Answers a GET of a ResourcePath (`pathname` without query; `query` as parsed). */
  async resource(pathname: string, query: URLSearchParams = new URLSearchParams()): Promise<Resource> {
    for (const [pattern, handler] of RESOURCES) {
      const m = pattern.exec(pathname);
      if (m) return handler(this, m, query);
    }
    throw new GncError('not-found', `No resource at ${pathname}`);
  }

  static isResourcePath(pathname: string): boolean {
    return RESOURCES.some(([pattern]) => pattern.test(pathname));
  }

  /** Cancels every job, stops the workers, closes the library and removes the session folder. Safe to call twice. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      try {
        await this.#service.close();
      } finally {
        this.library.close();
        this.#session.remove();
      }
    })();
    return this.#closed;
  }
}
