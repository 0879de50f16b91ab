/**
 * The one contract for every job message between a front end (CLI, Electron
 * main, web bridge) and the engine worker: requests, progress events, results
 * and errors. Everything here is plain JSON-safe data so it crosses
 * worker_threads, Electron IPC and HTTP unchanged. Noise levels are on the
 * 0–255 scale, as users see them (design.md).
 */
import type { BackendChoice } from '../engine/backend.js';
import type { GncErrorKind } from '../util/errors.js';

export type JobKind = JobRequest['kind'];

/** Solver settings as a user sets them; σ values on the 0–255 scale. */
export interface SolverSettings255 {
  /** vn: a learned schedule (the shipped one nearest the level, or `schedule`); steps and σ settings then come from it. */
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

interface RestoreJobCommon {
  /** Image file to restore. */
  input: string;
  /** Files to write the result to (atomically); none = result data only. */
  outputs?: string[];
  /** Shipped model name, library id or .gncm path (default: the default prior). */
  model?: string;
  settings?: SolverSettings255;
  /** Clean reference image: PSNR/SSIM in the result and traces. */
  clean?: string;
  backend?: BackendChoice;
  /** Output bit depth (default: the input's). */
  bitDepth?: 8 | 16;
  /** Per-step energy trace (one more forward pass per step). */
  traceEnergy?: boolean;
  /** Interior tile side for the prior (default: sized to the model). */
  tile?: number;
  /** Threads that evaluate the prior's tiles (default: GNC_THREADS, else every core). */
  threads?: number;
  /** A VN schedule file (.gncs) for method 'vn'. */
  schedule?: string;
  /** Library experiment to file this run under (e.g. one per batch of files); the recorder ignores it when not recording. */
  experiment?: string;
}

export interface DenoiseJobRequest extends RestoreJobCommon {
  kind: 'denoise';
  /** Noise level (0–255), or 'auto' to estimate it from the image; default addNoise when that is given, else 'auto'. */
  sigma?: number | 'auto';
  /**
   * 'gaussian' (default): i.i.d. noise of one σ. 'poisson-gaussian': camera
   * noise var = a·x + b with a and b estimated from the image, removed through
   * a variance-stabilising transform (image/vst.ts); sigma must then be unset or 'auto'.
   */
  noiseModel?: 'gaussian' | 'poisson-gaussian';
  /** Add synthetic Gaussian noise of this level first; the input becomes the clean reference. */
  addNoise?: number;
  seed?: number;
}

export interface InpaintJobRequest extends RestoreJobCommon {
  kind: 'inpaint';
  /** Mask image of the same size; non-zero = fill in. */
  mask: string;
}

export interface TrainJobRequest {
  kind: 'train';
  data: string;
  out: string;
  checkpoint?: string;
  resume?: string;
  backend?: BackendChoice;
  /** Training settings; σ range (sigmaMin, sigmaMax) on the 0–255 scale. */
  settings?: {
    layers?: number;
    features?: number;
    patch?: number;
    batch?: number;
    iterations?: number;
    seed?: number;
    alpha?: number;
    lr?: number;
    lrMin?: number;
    sigmaMin?: number;
    sigmaMax?: number;
    holdout?: number;
    init?: 'quadratic' | 'wiener';
    validateEvery?: number;
    checkpointEvery?: number;
  };
}

/** A benchmark over a folder of clean images (bench/): ours against the reference tools. */
export interface BenchJobRequest {
  kind: 'bench';
  task: 'denoise' | 'inpaint';
  /** Folder of clean images (default: the data folder's BSD68 or Set12). */
  data?: string;
  methods?: Array<'gnc' | 'joint' | 'vn'>;
  model?: string;
  limit?: number;
  seed?: number;
  /** Noise levels (0–255) for denoising; missing fractions for inpainting. */
  levels?: number[];
  settings?: Pick<SolverSettings255, 'steps' | 'sigma0' | 'sigmaMin' | 'stepScale' | 'dataWeight'>;
  /** Run OpenCV and G'MIC where installed (default true). */
  references?: boolean;
  backend?: BackendChoice;
  /** Also score K annealed-Langevin posterior samples and their mean beside the solvers. */
  posteriorSamples?: number;
  /** Each image's central crop of this side instead of the whole image. */
  crop?: number;
  /** Method vn: these schedule files instead of the shipped ones (the nearest per level). */
  vnSchedules?: string[];
}

/** GNC flow, joint and VN on one image with traces and plots (compare/compare.ts). */
export interface CompareJobRequest {
  kind: 'compare';
  input: string;
  clean: string;
  sigma?: number;
  addNoise?: boolean;
  seed?: number;
  mask?: string;
  model?: string;
  outDir: string;
  vnSchedule?: string;
  referenceSteps?: number;
  backend?: BackendChoice;
}

/** Learn a VN schedule (vn/learn-schedule.ts); σ on 0–255, or the missing fraction. */
export interface LearnScheduleJobRequest {
  kind: 'learn-schedule';
  model?: string;
  task: 'denoise' | 'inpaint';
  level: number;
  steps: number;
  data: string;
  iterations: number;
  out: string;
  patch?: number;
  batch?: number;
  seed?: number;
  lr?: number;
  /** Images held out for the validation figure. */
  holdout?: number;
  resume?: boolean;
  backend?: BackendChoice;
  /** Also fine-tune the prior's filters and splines; the tuned model is written to `modelOut` and the schedule bound to it. */
  finetune?: boolean;
  priorLr?: number;
  /** The fine-tuned model file (.gncm); default: `out` with .gncm for .gncs. */
  modelOut?: string;
  /** Start from this learned schedule (.gncs, for the same model and task, with `steps` steps) instead of the GNC flow's. */
  init?: string;
}

/** Annealed Langevin samples with mean and std maps (sample/sample-images.ts). */
export interface SampleJobRequest {
  kind: 'sample';
  task: 'prior' | 'denoise' | 'inpaint';
  input?: string;
  width?: number;
  height?: number;
  mask?: string;
  sigma?: number;
  addNoise?: boolean;
  clean?: string;
  model?: string;
  samples: number;
  outDir: string;
  sigmaMax?: number;
  sigmaMin?: number;
  levels?: number;
  stepsPerLevel?: number;
  epsilon?: number;
  seed?: number;
  backend?: BackendChoice;
  /** Threads that evaluate the prior (default: GNC_THREADS, else every core). */
  threads?: number;
}

export type JobRequest =
  | DenoiseJobRequest
  | InpaintJobRequest
  | TrainJobRequest
  | BenchJobRequest
  | CompareJobRequest
  | LearnScheduleJobRequest
  | SampleJobRequest;

/** One iterate's figures as the user sees them (σ on 0–255). */
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
  /** Human-readable, e.g. "step 3/15, tile 12/48". */
  message: string;
  step?: number;
  steps?: number;
  /** Seconds since the job started, and the estimate of what is left. */
  elapsed: number;
  eta?: number;
  /** The latest finished iterate (solvers) or iteration (training). */
  trace?: TracePoint;
  loss?: number;
  validation?: Record<string, number>;
}

export interface RestoreJobResult {
  kind: 'denoise' | 'inpaint';
  input: string;
  outputs: string[];
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  backend: BackendReport;
  model: { name: string; id: string; path: string };
  method: 'gnc' | 'joint' | 'vn';
  steps: number;
  /** The VN schedule used, for method 'vn'. */
  schedule?: { file: string; level: number; steps: number; warning?: string };
  /** The resolved settings, σ on 0–255. */
  settings: Required<SolverSettings255>;
  sigma?: number;
  /** Denoising: the noise model and where the solver's σ came from. */
  noise?: NoiseReport;
  addedNoise?: { sigma: number; seed: number };
  missingFraction?: number;
  tile: number;
  tiles: number;
  /** Threads that evaluated the prior (1 = the engine worker itself). */
  threads: number;
  seconds: number;
  psnr?: number;
  ssim?: number;
  inputPsnr?: number;
  trace: TracePoint[];
  /** Peak resident memory of the engine's process when the job ended (MB). */
  peakRssMB?: number;
}

/**
 * How a denoising job set its noise level. sigma (0–255) is what the solver
 * used: for 'poisson-gaussian' the noise σ of the stabilised image, with the
 * estimated gain a and offset b of var = a·x + b on the [0, 1] scale.
 */
export interface NoiseReport {
  model: 'gaussian' | 'poisson-gaussian';
  source: 'given' | 'added' | 'estimated';
  sigma: number;
  a?: number;
  b?: number;
}

export interface TrainJobResult {
  kind: 'train';
  out: string;
  id: string;
  iterations: number;
  seconds: number;
  validation: Record<string, number>;
  backend: BackendReport;
  /** Sampled (iteration, loss) pairs of the run. */
  loss: Array<{ iteration: number; loss: number }>;
}

export interface BenchJobResult {
  kind: 'bench';
  /** The benchmark report (bench/table.ts BenchReport), as JSON. */
  report: unknown;
}

/** compare, learn-schedule and sample: the report their engine function returns, as JSON. */
export interface ReportJobResult {
  kind: 'compare' | 'learn-schedule' | 'sample';
  report: Record<string, unknown>;
  /** The main file written (compare.json, the .gncs schedule, sample.json). */
  output: string;
  seconds: number;
  /** learn-schedule with finetune: the fine-tuned model file the schedule is bound to. */
  model?: string;
}

export type JobResult = RestoreJobResult | TrainJobResult | BenchJobResult | ReportJobResult;

export interface BackendReport {
  name: string;
  device: string;
  threads: number;
  package?: string;
}

/** An error as it crosses the boundary: kind and message intact. */
export interface JobError {
  kind: GncErrorKind | 'internal';
  message: string;
}

/** Front end → worker. */
export type ToWorker =
  | { type: 'run'; jobId: string; request: JobRequest; cancelFlag?: SharedArrayBuffer }
  | { type: 'cancel'; jobId: string };

/** Worker → front end. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; jobId: string; progress: JobProgress }
  | { type: 'result'; jobId: string; result: JobResult }
  | { type: 'error'; jobId: string; error: JobError };
