/**
 * THE contract between the renderer and the engine: what the app can ask, what
 * comes back, and the events it hears. Types only, and self-contained on
 * purpose: the renderer type-checks this file with DOM types and without Node
 * types, so it must not import anything (not even src/jobs/contract.ts, whose
 * own imports reach Node modules). src/app/contract-sync.ts proves at compile
 * time that the copies below still match src/jobs/contract.ts.
 *
 * Three parties implement it:
 *   - the engine (src/app/app-engine.ts) implements `EngineCalls`;
 *   - the web bridge (src/bridge/) maps every call to one HTTP route below;
 *   - Electron (electron/) maps every call to one IPC channel below, and the
 *     preload exposes them as the preload's `gnc` global (`GncPreloadApi`).
 * The renderer wraps either transport in an `EngineApi`.
 *
 * Conventions: noise levels (σ) are on the 0–255 scale; ids are opaque
 * strings; times are ISO strings or seconds; every error is an `ApiError`
 * whose message says what was wrong and what was expected.
 *
 * ─── HTTP routes (web bridge, 127.0.0.1 only) ────────────────────────────
 *
 * The printed URL is http://127.0.0.1:PORT/#token=SECRET (the fragment never
 * reaches the server, logs or Referer). The page keeps the token and sends it
 * on every /api/ request as the header `X-GNC-Token: SECRET`. GET requests
 * (EventSource, <img src>, download links) may carry it as `?token=SECRET`
 * instead: `EngineApi.resourceUrl` adds it. Without a valid token → 401
 * {error:{kind:'unauthorized'}}. A request whose Origin header is present and
 * is not exactly http://127.0.0.1:PORT → 403 'forbidden'; a Host header other
 * than 127.0.0.1:PORT or localhost:PORT → 403 (DNS-rebinding defence); a
 * page opened at localhost:PORT is redirected (307) to 127.0.0.1:PORT.
 * Static files (the built renderer) need no token.
 *
 * Bodies: JSON (Content-Type application/json, ≤ 1 MB) unless marked "bytes"
 * (raw file content, any Content-Type, ≤ 300 MB; the file name goes in the
 * query `?name=`). Too large → 413 'too-large'. Responses are JSON unless
 * marked. Errors: `{ "error": ApiError }` with status 400 (invalid-argument,
 * invalid-image, invalid-mask, invalid-model, image-too-large), 401, 403,
 * 404 (not-found, unknown-model), 405 (not-allowed), 409 (exists, library,
 * cancelled), 413 (too-large), 500 (io, backend, internal).
 *
 *   GET    /api/info                          → AppInfo
 *   GET    /api/events        (SSE)           → `data: EngineEvent` per message, `id:` = seq;
 *                                               a comment line every 15 s keeps it open
 *   GET    /api/models                        → ModelSummary[]
 *   GET    /api/models/:id                    → ModelSummary
 *   DELETE /api/models/:id                    → ModelSummary (the removed one)
 *   POST   /api/models/:id/tags   TagChange   → ModelSummary
 *   GET    /api/models/:id/bundle             → bytes (application/octet-stream, attachment NAME.gncpack)
 *   POST   /api/models/:id/bundle/export  SavePathRequest → SavedFile        (409 exists unless overwrite)
 *   POST   /api/bundles?name=     bytes       → BundleImportResult
 *   POST   /api/bundles/import    PathRequest → BundleImportResult
 *   GET    /api/images                        → ImageInfo[] (this session's)
 *   POST   /api/images?name=      bytes       → ImageInfo
 *   POST   /api/images/open       PathRequest → ImageInfo
 *   GET    /api/images/:id                    → ImageInfo
 *   DELETE /api/images/:id                    → { removed: true }
 *   GET    /api/images/:id/preview            → image (PNG or JPEG, 8-bit, longest side ≤ AppInfo.limits.previewSide)
 *   GET    /api/images/:id/display            → image/png, full resolution, 8-bit sRGB-as-stored
 *   POST   /api/images/:id/mask?name= bytes   → MaskInfo (400 invalid-mask naming both sizes on mismatch)
 *   POST   /api/images/:id/noise-estimate     → NoiseEstimate (σ of the photo's Gaussian noise, 0–255)
 *   GET    /api/masks/:id/display             → image/png (white = fill in)
 *   GET    /api/jobs                          → JobInfo[] (this session's)
 *   POST   /api/jobs              SubmitRequest → JobSubmitted
 *   GET    /api/jobs/:id                      → JobInfo
 *   POST   /api/jobs/:id/cancel               → { cancelled: boolean } (false: it had already ended)
 *   GET    /api/jobs/:id/result/preview       → image (as images/:id/preview)
 *   GET    /api/jobs/:id/result/display       → image/png
 *   GET    /api/jobs/:id/result/noisy         → image/png (denoise with addNoise only: the synthetic noisy input)
 *   GET    /api/jobs/:id/sample/mean          → image/png (sample jobs: the posterior mean)
 *   GET    /api/jobs/:id/sample/std           → image/png (sample jobs: the std map)
 *   GET    /api/jobs/:id/sample/1             → image/png (sample jobs: sample 1, and so on up to K)
 *   GET    /api/jobs/:id/result/download?format=png&bitDepth=16&keepMetadata=true
 *                                             → bytes (attachment NAME-denoised.EXT)
 *   POST   /api/jobs/:id/export   ExportRequest (without jobId) → SavedFile (409 exists unless overwrite)
 *   GET    /api/runs?kind=&status=&limit=     → RunSummary[]
 *   GET    /api/runs/:id                      → RunDetail
 *   DELETE /api/runs/:id                      → RunSummary
 *   POST   /api/runs/:id/rerun    RerunRequest (without runId) → JobSubmitted
 *   GET    /api/runs/:id/output               → image/png (display version of the stored output)
 *   GET    /api/runs/:id/thumb                → image (the input's thumbnail)
 *   GET    /api/schedules                     → ScheduleSummary[]
 *   DELETE /api/schedules/:id                 → ScheduleSummary
 *   GET    /api/training                      → TrainingSummary[]
 *   GET    /api/training/:id                  → TrainingDetail
 *   DELETE /api/training/:id                  → TrainingSummary
 *   POST   /api/library/check     { fix?: boolean } → CheckReport
 *   POST   /api/lab/gnc1d         LabGnc1dRequest → LabGnc1dResult
 *   POST   /api/lab/convex        LabConvexRequest → LabConvexResult
 *   GET    /api/welcome                       → WelcomeInfo
 *   POST   /api/welcome           WelcomeChange → WelcomeInfo
 *   POST   /api/images/sample                 → ImageInfo (the shipped sample photo, opened like any other)
 *   POST   /api/gpu/plan          GpuPlanRequest → GpuSolvePlan (a denoise preview to solve in the page on WebGPU)
 *
 * ─── Electron IPC ─────────────────────────────────────────────────────────
 *
 * Every `EngineCalls` method is the channel `gnc:<method>` (ipcRenderer.invoke
 * with the method's arguments in order), e.g. `gnc:submitJob`, `gnc:listRuns`.
 * Dialogs are `gnc:showOpenDialog` and `gnc:showSaveDialog`. Main → renderer
 * pushes are `gnc:event` (an EngineEvent), `gnc:menu` (a MenuCommand) and
 * `gnc:open-file` (the path of a photo the operating system asked the app to
 * open; the broker accepts it in openImagePath like a dialog's choice).
 * the preload's `gnc` global (GncPreloadApi) has one method per channel; each resolves to
 * an `IpcResult` ({ ok: true, value } | { ok: false, error: ApiError }), which
 * the renderer's IPC client turns back into values and errors with a kind.
 * Every argument is validated in the main process (electron/ipc-broker.ts)
 * before it reaches the engine, and a path argument is accepted only if a
 * dialog of this window returned it (the renderer cannot name files itself):
 * open-dialog paths for reading calls, save-dialog paths for writing ones.
 *
 * Resource paths (`ResourcePath`, e.g. "/api/images/ab12/preview") work in
 * both: the browser page fetches them from the bridge; the Electron window is
 * served from gnc://app/, whose protocol handler answers /api/ GETs from the
 * engine. Use `EngineApi.resourceUrl(path)` before putting one in an <img>.
 */

// ─── Errors ────────────────────────────────────────────────────────────────

/** The engine's error kinds (src/util/errors.ts GncErrorKind) plus the transports' own. */
export type ApiErrorKind =
  | 'invalid-argument'
  | 'invalid-image'
  | 'image-too-large'
  | 'invalid-mask'
  | 'invalid-model'
  | 'unknown-model'
  | 'backend'
  | 'io'
  | 'library'
  | 'not-found'
  | 'cancelled'
  /** A file is in the way: repeat with overwrite: true after asking the user. */
  | 'exists'
  | 'internal'
  | 'unauthorized'
  | 'forbidden'
  | 'too-large'
  | 'not-allowed';

export interface ApiError {
  kind: ApiErrorKind;
  message: string;
}

/** HTTP body of every error response. */
export interface ApiErrorBody {
  error: ApiError;
}

// ─── Shared shapes (mirrors of src/jobs/contract.ts; see contract-sync.ts) ──

export type BackendChoice = 'auto' | 'onnx' | 'tensorflow' | 'wasm' | 'cpu';

/** The solvers: GNC flow on a predefined schedule, joint optimisation over image and σ, a learned VN schedule. */
export type SolverMethod = 'gnc' | 'joint' | 'vn';

/** Solver settings as the user sets them; σ values on the 0–255 scale. */
export interface SolverSettings {
  /** vn: a learned schedule (the one nearest the noise level, or RestoreSubmit `scheduleId`); steps and σ then come from it. */
  method?: 'gnc' | 'joint' | 'vn';
  steps?: number;
  sigma0?: number;
  sigmaMin?: number;
  schedule?: 'linear' | 'log';
  stepScale?: number;
  tStep?: number;
  /** Weight of the data term (default 1, 0.05–20); denoising only: w at σ acts as σ/√w. */
  dataWeight?: number;
}

/** estimateNoise: the noise standard deviation per channel on the 0–255 scale. */
export interface NoiseEstimate {
  sigma: number;
}

export interface TrainSettings {
  layers?: number;
  features?: number;
  patch?: number;
  batch?: number;
  iterations?: number;
  seed?: number;
  alpha?: number;
  lr?: number;
  lrMin?: number;
  /** σ range on the 0–255 scale. */
  sigmaMin?: number;
  sigmaMax?: number;
  holdout?: number;
  init?: 'quadratic' | 'wiener';
  validateEvery?: number;
  checkpointEvery?: number;
}

/** One iterate's figures (σ on 0–255). */
export interface TracePoint {
  step: number;
  sigma: number;
  energy?: number;
  psnr?: number;
  elapsed: number;
}

export interface JobProgress {
  /** 0..1 over the whole job. */
  fraction: number;
  message: string;
  step?: number;
  steps?: number;
  /** Seconds since the job started, and the estimate of what is left. */
  elapsed: number;
  eta?: number;
  trace?: TracePoint;
  loss?: number;
  validation?: Record<string, number>;
}

export interface BackendReport {
  name: string;
  device: string;
  threads: number;
  package?: string;
}

// ─── App info ─────────────────────────────────────────────────────────────

export interface AppInfo {
  name: string;
  version: string;
  /** How this renderer talks to the engine. */
  transport: 'http' | 'ipc';
  /** Node's process.platform and arch of the engine process. */
  platform: string;
  arch: string;
  nodeVersion: string;
  /** Set when running inside Electron. */
  electronVersion?: string;
  libraryPath: string;
  userDataDir: string;
  /** A sensible folder to propose for exports (Pictures, else home). */
  defaultExportDir: string;
  /** The backend the latest job ran on; null until a job has run. */
  backend: BackendReport | null;
  /** Whether the latest job ran on a GPU. */
  gpu: boolean;
  /** Which optional tensorflow packages are installed (they are probed by jobs, not here). */
  tensorflowPackages: { gpu: boolean; cpu: boolean };
  defaultModel: string;
  limits: {
    /** Largest upload (images, masks, bundles) in bytes. */
    maxUploadBytes: number;
    /** Largest image in pixels. */
    maxPixels: number;
    /** Longest side of /preview images. */
    previewSide: number;
    /** Largest preview crop (w × h) in pixels. */
    maxCropPixels: number;
  };
}

// ─── Models and library ───────────────────────────────────────────────────

export interface ModelSummary {
  /** Identity hash (64 hex characters). */
  id: string;
  name: string;
  description: string | null;
  shipped: boolean;
  /** The model the app uses when none is chosen. */
  isDefault: boolean;
  layers: number;
  /** Filters per layer. */
  features: number[];
  inChannels: number;
  /** σ range the prior covers, 0–255 scale; null when the architecture does not say. */
  sigmaRange: [number, number] | null;
  /** Solver settings the model recommends per task (fallbacks filled in), σ on 0–255. */
  defaults: { denoise: Required<SolverSettings>; inpaint: Required<SolverSettings> };
  /**
   * The methods this model can run: 'gnc' always; 'joint' unless it was
   * trained without the t-term of the loss (metadata training.settings.alpha
   * = 0: its energy says nothing along σ); 'vn' when the library holds a
   * learned schedule for it (see ScheduleSummary for which tasks and levels).
   */
  methods: SolverMethod[];
  tags: string[];
  notes: string;
  iterations: number | null;
  trainingData: string | null;
  validation: Record<string, unknown> | null;
  fileBytes: number;
  createdAt: string;
}

export interface TagChange {
  add?: string[];
  remove?: string[];
}

export type RunKind = 'denoise' | 'inpaint' | 'compare' | 'train' | 'learn-schedule' | 'sample' | 'bench';
export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface RunQuery {
  kind?: RunKind;
  status?: RunStatus;
  /** 1..1000, default 200. */
  limit?: number;
}

export interface RunSummary {
  id: string;
  kind: RunKind;
  method: string | null;
  model: { id: string; name: string } | null;
  status: RunStatus;
  /** Base name of the input photo. */
  inputName: string | null;
  psnr: number | null;
  ssim: number | null;
  seconds: number | null;
  error: ApiError | null;
  createdAt: string;
  finishedAt: string | null;
  /** Set when the run has a stored output / an input thumbnail. */
  outputUrl: ResourcePath | null;
  thumbUrl: ResourcePath | null;
  /** Whether rerun() can repeat it (its input photo is still there). */
  canRerun: boolean;
}

export interface RunDetail extends RunSummary {
  /** Every parameter of the run as recorded (σ on 0–255). */
  params: Record<string, unknown>;
  backend: Record<string, unknown> | null;
  /** Per-step arrays: step, sigma, energy, psnr, elapsed. */
  traces: Record<string, Array<number | null>> | null;
  inputPath: string | null;
  outputPath: string | null;
  startedAt: string | null;
}

export interface RerunRequest {
  runId: string;
  /** Changes to the recorded parameters (e.g. other settings or model). */
  overrides?: { model?: string; settings?: SolverSettings; sigma?: number };
}

export interface ScheduleSummary {
  id: string;
  modelId: string;
  modelName: string | null;
  task: 'denoise' | 'inpaint';
  /** σ (0–255) for denoise, missing fraction for inpaint. */
  level: number;
  steps: number;
  figures: Record<string, unknown> | null;
  /** Comes with GNC Studio: cannot be removed. */
  shipped: boolean;
  createdAt: string;
}

export interface TrainingSummary {
  id: string;
  status: RunStatus;
  modelId: string | null;
  iterations: number | null;
  seconds: number | null;
  dataDescription: string;
  error: ApiError | null;
  createdAt: string;
  finishedAt: string | null;
  /**
   * Paused: the run was cancelled (or failed) after saving a checkpoint that
   * is still on disk, so TrainSubmit.resumeTrainingId can continue it from
   * `iterations`.
   */
  resumable: boolean;
}

export interface TrainingDetail extends TrainingSummary {
  settings: Record<string, unknown>;
  validation: Record<string, unknown> | null;
  loss: Array<{ iteration: number; loss: number }>;
}

export interface CheckReport {
  problems: Array<{ kind: string; what: string; detail: string; fixed: boolean }>;
}

export interface BundleImportResult {
  model: ModelSummary;
  /** false when the library already held this model. */
  added: boolean;
  schedules: number;
  message: string;
}

// ─── Images and masks ─────────────────────────────────────────────────────

/** A server-relative URL path such as "/api/images/ab12/preview"; pass it through EngineApi.resourceUrl. */
export type ResourcePath = string;

/** A file the user dropped or picked in the page, sent as bytes. */
export interface UploadFile {
  /** The file's own name (used for format hints and output names; no folders). */
  name: string;
  bytes: Uint8Array;
}

export interface ImageInfo {
  imageId: string;
  name: string;
  width: number;
  height: number;
  /** Colour channels without alpha: 1 grey, 3 RGB. */
  channels: 1 | 3;
  /** 32 = float TIFF. */
  bitDepth: 8 | 16 | 32;
  hasAlpha: boolean;
  /** The embedded ICC profile's description, when there is one. */
  iccDescription?: string;
  hasExif: boolean;
  format: 'png' | 'jpeg' | 'tiff' | 'webp';
  /** Size of the file as uploaded or opened. */
  bytes: number;
  /** Downscaled 8-bit PNG/JPEG for quick display. */
  previewUrl: ResourcePath;
  /** Full-resolution 8-bit PNG. */
  displayUrl: ResourcePath;
}

export interface MaskInfo {
  maskId: string;
  imageId: string;
  width: number;
  height: number;
  /** Fraction of pixels to fill in (non-zero in the mask). */
  fillFraction: number;
  displayUrl: ResourcePath;
}

// ─── Jobs ─────────────────────────────────────────────────────────────────

/** A crop in image pixels, for fast previews while sliders move (≤ AppInfo.limits.maxCropPixels). */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface RestoreSubmitCommon {
  imageId: string;
  /** Model name or id (default: the default model). */
  model?: string;
  settings?: SolverSettings;
  /** Run on this crop only, unrecorded: a preview. */
  crop?: CropRect;
  /** Output bit depth kept for export (default: the input's). */
  bitDepth?: 8 | 16;
  /** Per-step energy in the trace (default true; costs one more pass per step). */
  traceEnergy?: boolean;
  backend?: BackendChoice;
  /** Record the run in the library (default: true unless crop is set). */
  record?: boolean;
  /**
   * Library schedule id for method 'vn': it must be for this task and model.
   * Default: the shipped schedule nearest the level, else the library's
   * nearest for the model and task.
   */
  scheduleId?: string;
  /**
   * A clean reference photo (from uploadImage/openImagePath, same size as
   * the image): PSNR and SSIM are then reported per step and for the result.
   * Not with addNoise, which already makes the photo itself the reference.
   */
  cleanImageId?: string;
}

export interface DenoiseSubmit extends RestoreSubmitCommon {
  kind: 'denoise';
  /** Noise level 0–255; defaults to addNoise when that is given. */
  sigma?: number;
  /** Synthetic test: add Gaussian noise of this level (0–255) first; PSNR is then reported. */
  addNoise?: number;
  seed?: number;
}

export interface InpaintSubmit extends RestoreSubmitCommon {
  kind: 'inpaint';
  /** From uploadMask() for the same image. */
  maskId: string;
}

export interface TrainSubmit {
  kind: 'train';
  /**
   * Folder of training photos (a path on the engine's machine). Required for
   * a new run; left out with resumeTrainingId (the paused run's folder is used).
   */
  data?: string;
  /**
   * Continue a paused run: the library training id of a run whose
   * TrainingSummary.resumable is true. The engine looks up its checkpoint
   * itself, so no checkpoint path crosses the API (Electron accepts only
   * dialog-chosen paths). The checkpoint's settings win; only
   * settings.iterations may lengthen the run. The new run gets its own
   * training id and checkpoint, so it can be paused again.
   */
  resumeTrainingId?: string;
  /** Name for the trained model in the library. */
  name?: string;
  settings?: TrainSettings;
  backend?: BackendChoice;
}

/**
 * Posterior sampling (annealed Langevin) for a session image: K samples of
 * the clean photo given the noisy one (denoise) or given the unpainted part
 * (inpaint), their mean and the per-pixel std (uncertainty). Recorded in the
 * library as a 'sample' run.
 */
export interface SampleSubmit {
  kind: 'sample';
  task: 'denoise' | 'inpaint';
  imageId: string;
  /** Inpaint: from uploadMask() for the same image (white = fill in). */
  maskId?: string;
  /** Denoise: the photo's noise level, 0–255. */
  sigma?: number;
  /** Number of samples K, 1–64. */
  samples: number;
  /** Noise levels of the annealing, 2–200 (default 20). */
  levels?: number;
  /** Langevin steps per level, 1–200 (default 10). */
  stepsPerLevel?: number;
  model?: string;
  /** A clean reference (same size): PSNR of the mean and of each sample, and for inpainting std on textured vs flat areas. */
  cleanImageId?: string;
  seed?: number;
  backend?: BackendChoice;
}

export type SubmitRequest = DenoiseSubmit | InpaintSubmit | TrainSubmit | SampleSubmit;
export type JobKind = SubmitRequest['kind'];
export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobSubmitted {
  jobId: string;
  kind: JobKind;
  /** The library run or training id, when recorded. */
  recordId: string | null;
}

export interface RestoreResultSummary {
  kind: 'denoise' | 'inpaint';
  imageId: string;
  /** Set for crop previews: the result covers only this rectangle of the image. */
  crop: CropRect | null;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  backend: BackendReport;
  model: { name: string; id: string };
  method: 'gnc' | 'joint' | 'vn';
  steps: number;
  /** The learned schedule used, for method 'vn' (level: σ 0–255 or missing fraction); `warning` when the noise is well above its level. */
  schedule?: { level: number; steps: number; warning?: string };
  /** The resolved settings, σ on 0–255. */
  settings: Required<SolverSettings>;
  sigma?: number;
  addedNoise?: { sigma: number; seed: number };
  missingFraction?: number;
  seconds: number;
  psnr?: number;
  ssim?: number;
  inputPsnr?: number;
  trace: TracePoint[];
  previewUrl: ResourcePath;
  displayUrl: ResourcePath;
  /** The synthetic noisy input (addNoise only). */
  noisyUrl: ResourcePath | null;
  /** File name proposed for export, without extension (e.g. "photo-denoised"). */
  suggestedName: string;
}

export interface TrainResultSummary {
  kind: 'train';
  model: ModelSummary | null;
  iterations: number;
  seconds: number;
  validation: Record<string, number>;
  backend: BackendReport;
  loss: Array<{ iteration: number; loss: number }>;
}

export interface SampleResultSummary {
  kind: 'sample';
  task: 'denoise' | 'inpaint';
  imageId: string;
  model: { name: string; id: string };
  /** Each sample as an 8-bit PNG, in order. */
  sampleUrls: ResourcePath[];
  meanUrl: ResourcePath;
  /** The std map, drawn as min(1, std / stdScale). */
  stdUrl: ResourcePath;
  stdScale: number;
  /** Mean std over the image (0–1 scale). */
  meanStd: number;
  settings: { sigmaMax: number; sigmaMin: number; levels: number; stepsPerLevel: number; epsilon: number; seed: number };
  /** With a clean reference: PSNR of the posterior mean, of each sample, of the GNC result and of the input. */
  psnr?: { mean: number; samples: number[]; gnc: number; input: number };
  /** Inpainting: mean std over hidden and over observed pixels. */
  stdHidden?: number;
  stdObserved?: number;
  /** Inpainting with a clean reference: mean std over hidden pixels in textured and in flat areas. */
  stdTexture?: number;
  stdFlat?: number;
  seconds: number;
}

export type JobResultSummary = RestoreResultSummary | TrainResultSummary | SampleResultSummary;

export interface JobInfo {
  jobId: string;
  kind: JobKind;
  status: JobStatus;
  /**
   * A crop preview: not recorded; a newer preview of the same image cancels
   * this one if it is still waiting or running, and once the newer one is
   * done this one is dropped (its getJob and result URLs then answer 404).
   */
  preview: boolean;
  recordId: string | null;
  request: SubmitRequest;
  createdAt: string;
  progress: JobProgress | null;
  result: JobResultSummary | null;
  error: ApiError | null;
}

export type ExportFormat = 'png' | 'jpeg' | 'tiff' | 'webp';

export interface ExportRequest {
  jobId: string;
  /** Absolute path on the engine's machine; its extension must fit `format`. */
  path: string;
  /** Default: from the path's extension. */
  format?: ExportFormat;
  /** JPEG and WebP are always 8. Default: the result's own depth. */
  bitDepth?: 8 | 16;
  /** Keep the input's ICC profile and EXIF (default true). */
  keepMetadata?: boolean;
  /** Replace an existing file; without it an existing file is an 'exists' error. */
  overwrite?: boolean;
}

/** Query of GET /api/jobs/:id/result/download (all optional). */
export interface DownloadOptions {
  format?: ExportFormat;
  bitDepth?: 8 | 16;
  keepMetadata?: boolean;
}

export interface SavePathRequest {
  path: string;
  overwrite?: boolean;
}

export interface PathRequest {
  path: string;
}

export interface SavedFile {
  path: string;
  bytes: number;
  format?: ExportFormat;
  bitDepth?: number;
}

// ─── WebGPU previews ──────────────────────────────────────────────────────

/**
 * The renderer's optional GPU path (renderer/src/lib/gpu): where the page's
 * WebGPU gives an adapter, a live denoise preview can be solved in a worker
 * of the page on the GPU instead of by an engine job. The engine resolves
 * everything exactly as for a crop preview job (model, noise level, synthetic
 * noise and its seed, settings, learned schedule, the solver layout) and
 * hands over the numbers; the page runs the proximal steps with the engine's
 * own tensor code (src/tensor) and shows the result. Nothing is recorded.
 */
export interface GpuPlanRequest {
  /** A denoise preview as submitJob takes it: crop required, record not true, method gnc or vn (joint stays in the engine). */
  request: DenoiseSubmit;
  /** The model identity the page's worker already holds: its file is then not sent again. */
  loadedModelId?: string;
}

export interface GpuSolvePlan {
  model: { id: string; name: string };
  /** The model's .gncm file, base64; left out when the request's loadedModelId is this model. */
  modelFile?: string;
  method: 'gnc' | 'vn';
  /** The crop as clamped to the image. */
  crop: CropRect;
  /** The crop's size and colour channels: with the model's input channels they give the solver layout (src/restore/layout.ts). */
  image: { width: number; height: number; channels: 1 | 3 };
  /** The solver layout: n samples (1, or 3 opponent planes of a colour crop for a grey prior) of h × w × c. */
  shape: { n: number; h: number; w: number; c: number };
  /** The observed (noisy) crop in the solver layout: float32 little-endian, base64. */
  z: string;
  /** The data term's noise level on the [0, 1] scale: σ / 255 / √dataWeight. */
  s: number;
  /** Per step: smoothing σᵢ on the [0, 1] scale and step scale λᵢ. */
  sigmas: number[];
  stepScales: number[];
  /** The noise level σ (0–255) and the settings as a job reports them (σ on 0–255). */
  sigma: number;
  settings: Required<SolverSettings>;
  /** The clean crop in the solver layout (addNoise or cleanImageId), base64, for PSNR in the page. */
  reference?: string;
}

// ─── Events ───────────────────────────────────────────────────────────────

interface EventBase {
  /** Increases by one per event of this engine session (SSE `id:`). */
  seq: number;
}

export type JobEvent =
  | (EventBase & { type: 'queued'; jobId: string; kind: JobKind; preview: boolean; recordId: string | null })
  | (EventBase & { type: 'running'; jobId: string })
  | (EventBase & { type: 'progress'; jobId: string; progress: JobProgress })
  | (EventBase & { type: 'done'; jobId: string; result: JobResultSummary })
  | (EventBase & { type: 'failed'; jobId: string; error: ApiError })
  | (EventBase & { type: 'cancelled'; jobId: string });

export type EngineEvent =
  | JobEvent
  /** First event of every stream: lets the page know it is connected. */
  | (EventBase & { type: 'hello'; version: string })
  /** Runs, models, schedules or training changed (re-list what is shown). */
  | (EventBase & { type: 'library-changed'; what: 'runs' | 'models' | 'schedules' | 'training' })
  /**
   * Electron only: the engine process stopped unexpectedly and a new one took
   * its place (electron main, src/app/engine-supervisor.ts). The library is as
   * it was; this session's photos and the jobs that were running are gone.
   * `seq` is 0: the new engine numbers its events afresh.
   */
  | (EventBase & { type: 'engine-restarted'; reason: string; restarts: number });

export type EngineEventListener = (event: EngineEvent) => void;

// ─── The calls ────────────────────────────────────────────────────────────

/**
 * Every request/response capability, one method each. The engine implements
 * this exactly; both transports forward it unchanged. Methods taking a `path`
 * name files on the engine's machine (in Electron only dialog-chosen paths).
 */
export interface EngineCalls {
  info(): Promise<AppInfo>;

  listModels(): Promise<ModelSummary[]>;
  getModel(id: string): Promise<ModelSummary>;
  removeModel(id: string): Promise<ModelSummary>;
  tagModel(id: string, change: TagChange): Promise<ModelSummary>;
  exportModelBundle(id: string, request: SavePathRequest): Promise<SavedFile>;
  importModelBundle(file: UploadFile): Promise<BundleImportResult>;
  importModelBundlePath(request: PathRequest): Promise<BundleImportResult>;

  listImages(): Promise<ImageInfo[]>;
  uploadImage(file: UploadFile): Promise<ImageInfo>;
  openImagePath(request: PathRequest): Promise<ImageInfo>;
  getImage(imageId: string): Promise<ImageInfo>;
  removeImage(imageId: string): Promise<{ removed: true }>;
  uploadMask(imageId: string, file: UploadFile): Promise<MaskInfo>;
  /** Blind estimate of the photo's Gaussian noise level (Donoho–Johnstone on the finest diagonal wavelet band). */
  estimateNoise(imageId: string): Promise<NoiseEstimate>;

  listJobs(): Promise<JobInfo[]>;
  submitJob(request: SubmitRequest): Promise<JobSubmitted>;
  getJob(jobId: string): Promise<JobInfo>;
  cancelJob(jobId: string): Promise<{ cancelled: boolean }>;
  exportResult(request: ExportRequest): Promise<SavedFile>;

  listRuns(query?: RunQuery): Promise<RunSummary[]>;
  getRun(id: string): Promise<RunDetail>;
  removeRun(id: string): Promise<RunSummary>;
  rerun(request: RerunRequest): Promise<JobSubmitted>;
  listSchedules(): Promise<ScheduleSummary[]>;
  removeSchedule(id: string): Promise<ScheduleSummary>;
  listTraining(): Promise<TrainingSummary[]>;
  getTraining(id: string): Promise<TrainingDetail>;
  removeTraining(id: string): Promise<TrainingSummary>;
  checkLibrary(options?: { fix?: boolean }): Promise<CheckReport>;

  labGnc1d(request: LabGnc1dRequest): Promise<LabGnc1dResult>;
  labConvex(request: LabConvexRequest): Promise<LabConvexResult>;

  /** First run: whether to show the welcome (remembered in the library), and what it offers. */
  welcome(): Promise<WelcomeInfo>;
  setWelcome(change: WelcomeChange): Promise<WelcomeInfo>;
  /** Opens the project's own sample photo (resources/samples/sample.png) in this session. */
  openSample(): Promise<ImageInfo>;

  /** What a denoise preview needs to be solved in the page on WebGPU (see GpuPlanRequest). */
  prepareGpuSolve(request: GpuPlanRequest): Promise<GpuSolvePlan>;
}

// ─── First run ────────────────────────────────────────────────────────────

export interface WelcomeInfo {
  /** True until the user dismisses the welcome; the dismissal is kept in the library, so it shows once. */
  show: boolean;
  /** Shipped priors the library registered when it opened. */
  shippedModels: number;
  /** Whether the sample photo is installed (openSample works). */
  sampleAvailable: boolean;
}

export interface WelcomeChange {
  dismissed: boolean;
}

export type EngineCallName = keyof EngineCalls;

// ─── Desktop-only surface ─────────────────────────────────────────────────

/** 'image': PNG/JPEG/TIFF/WebP files; 'bundle': .gncpack model bundles; 'folder': a folder of training photos. */
export type OpenDialogKind = 'image' | 'bundle' | 'folder';
export type SaveDialogKind = 'image' | 'bundle';

// ─── Lab ──────────────────────────────────────────────────────────────────
// The 1-D experiments behind the method (method.md §1 and §6, `gnc lab`), as
// plot data for the Lab view. Computed in the engine in well under a second,
// on small settings, so the view can redraw as sliders move.

/** One curve: what LineChart draws. */
export interface LabSeries {
  name: string;
  points: Array<{ x: number; y: number }>;
}

export interface LabGnc1dRequest {
  /** Start of the GNC schedule σ₀, 0.02–2 (the mixture lives on [−1, 1]). */
  sigma0: number;
  /** Steps T of the schedule, 1–500. */
  steps: number;
}

export interface LabGnc1dResult {
  sigma0: number;
  steps: number;
  /** E(x, σ) on [−1, 1] for a few σ and for σ₀, each shifted to a minimum of 0. */
  energy: LabSeries[];
  /** The GNC flow from equally spaced starts: position x against step. */
  trajectories: LabSeries[];
  /** Share of starts ending in the global minimum's basin, against T for this σ₀. */
  attainment: LabSeries;
  /** The attainment rate at (σ₀, T). */
  rate: number;
  /** σ* above which E(·, σ) is convex. */
  convexityThreshold: number;
  globalMinimum: number;
}

export interface LabConvexRequest {
  /** Weight-decay β, above 0 and at most 10. */
  beta: number;
  activation: 'relu' | 'abs';
  /** Langevin step ε, 1e-4–1 (default: chosen from the score's slope). */
  epsilon?: number;
  seed?: number;
}

export interface LabConvexResult {
  beta: number;
  activation: 'relu' | 'abs';
  /** The Langevin step used. */
  epsilon: number;
  /** Training loss against Adam step, per Adam run, and the convex optimum as a level line. */
  loss: LabSeries[];
  convexLoss: number;
  /** Whether the convex optimum is at or below every Adam run's lowest loss. */
  convexBelowEveryAdam: boolean;
  /** The learned score functions s(x): convex optimum and Adam runs. */
  scores: LabSeries[];
  /** Langevin samples of the convex score (histogram density), its implied density, and the data. */
  langevin: LabSeries[];
  langevinMean: number;
  langevinVariance: number;
}

/** Menu items the main process forwards to the page (it handles About and Quit itself). */
export type MenuCommand = 'open' | 'save' | 'export' | 'undo' | 'redo' | 'zoom-in' | 'zoom-out' | 'zoom-reset' | 'welcome';

export interface DesktopDialogs {
  /** A native open dialog; the path returned may then be passed to the calls that take one. Null = cancelled. */
  showOpenDialog(kind: OpenDialogKind): Promise<string | null>;
  /** A native save dialog (it asks about replacing files itself; pass overwrite: true after it). */
  showSaveDialog(kind: SaveDialogKind, defaultName: string): Promise<string | null>;
}

/**
 * What every the preload's `gnc` global method resolves to. Errors come back as values,
 * not rejections, because Electron's contextBridge keeps only the message of
 * a thrown Error and the page needs the kind ('exists', 'invalid-mask'...).
 */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

type AsIpc<F> = F extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<IpcResult<R>> : never;

/** the preload's `gnc` global in the Electron window (electron/preload.cts): every call and dialog, answering IpcResults. */
export type GncPreloadApi = { readonly [K in EngineCallName]: AsIpc<EngineCalls[K]> } & {
  readonly [K in keyof DesktopDialogs]: AsIpc<DesktopDialogs[K]>;
} & {
  readonly transport: 'ipc';
  /** Engine events; returns the unsubscribe function. */
  onEvent(listener: EngineEventListener): () => void;
  /** Menu commands for the page; returns the unsubscribe function. */
  onMenu(listener: (command: MenuCommand) => void): () => void;
  /** Photos the operating system asks the app to open (file associations); returns the unsubscribe function. */
  onOpenFile(listener: (path: string) => void): () => void;
};

// ─── What the renderer codes against ──────────────────────────────────────

/** The renderer's single engine interface; renderer/src/lib/api/ implements it over HTTP and over IPC. */
export interface EngineApi extends EngineCalls {
  readonly transport: 'http' | 'ipc';
  /** Listens to engine events (SSE or IPC); returns the unsubscribe function. */
  subscribe(listener: EngineEventListener): () => void;
  /** A URL for <img src> or a download link: HTTP adds ?token=, IPC returns gnc://app paths as they are. */
  resourceUrl(path: ResourcePath): string;
  /** Native dialogs, present in Electron only. */
  readonly dialogs?: DesktopDialogs;
  /** Menu commands, present in Electron only. */
  onMenu?(listener: (command: MenuCommand) => void): () => void;
  /** Photos opened through the operating system, present in Electron only. */
  onOpenFile?(listener: (path: string) => void): () => void;
}
