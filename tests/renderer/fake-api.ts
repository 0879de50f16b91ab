/**
 * An in-memory EngineApi for component tests ONLY (never shipped in the app):
 * records calls, answers with canned data, and lets a test push engine events.
 */
import type {
  AppInfo,
  EngineApi,
  EngineEvent,
  EngineEventListener,
  GpuPlanRequest,
  GpuSolvePlan,
  ImageInfo,
  JobInfo,
  LabConvexRequest,
  LabConvexResult,
  LabGnc1dRequest,
  LabGnc1dResult,
  LabSeries,
  ModelSummary,
  RestoreResultSummary,
  SubmitRequest,
} from '../../renderer/src/lib/api/types.js';
import { EngineError } from '../../renderer/src/lib/api/types.js';

export const MODEL: ModelSummary = {
  id: 'a'.repeat(64),
  name: 'starter',
  description: null,
  shipped: true,
  isDefault: true,
  layers: 1,
  features: [24],
  inChannels: 1,
  sigmaRange: [1, 100],
  defaults: {
    denoise: { method: 'gnc', steps: 15, sigma0: 102, sigmaMin: 5.1, schedule: 'log', stepScale: 1, tStep: 3, dataWeight: 1 },
    inpaint: { method: 'gnc', steps: 60, sigma0: 102, sigmaMin: 2.55, schedule: 'log', stepScale: 1, tStep: 3, dataWeight: 1 },
  },
  methods: ['gnc', 'joint'],
  tags: [],
  notes: '',
  iterations: null,
  trainingData: null,
  validation: null,
  fileBytes: 12345,
  createdAt: '2024-01-01T00:00:00Z',
};

export const INFO: AppInfo = {
  name: 'GNC Studio',
  version: '0.1.0',
  transport: 'http',
  platform: 'linux',
  arch: 'x64',
  nodeVersion: 'v20',
  libraryPath: '/tmp/library.sqlite',
  userDataDir: '/tmp',
  defaultExportDir: '/tmp/out',
  backend: null,
  gpu: false,
  tensorflowPackages: { gpu: false, cpu: false },
  defaultModel: 'starter',
  limits: { maxUploadBytes: 300e6, maxPixels: 1e8, previewSide: 1024, maxCropPixels: 65536 },
};

export function imageInfo(width = 64, height = 48, extra: Partial<ImageInfo> = {}): ImageInfo {
  return {
    imageId: 'img1',
    name: 'photo.png',
    width,
    height,
    channels: 3,
    bitDepth: 16,
    hasAlpha: false,
    iccDescription: 'Display P3',
    hasExif: true,
    format: 'png',
    bytes: 2048,
    previewUrl: '/api/images/img1/preview',
    displayUrl: '/api/images/img1/display',
    ...extra,
  };
}

export function restoreResult(jobId: string, extra: Partial<RestoreResultSummary> = {}): RestoreResultSummary {
  return {
    kind: 'denoise',
    imageId: 'img1',
    crop: null,
    width: 64,
    height: 48,
    channels: 3,
    bitDepth: 16,
    backend: { name: 'wasm', device: 'cpu', threads: 1 },
    model: { name: 'starter', id: MODEL.id },
    method: 'gnc',
    steps: 3,
    settings: { method: 'gnc', steps: 3, sigma0: 102, sigmaMin: 5, schedule: 'log', stepScale: 1, tStep: 3, dataWeight: 1 },
    seconds: 1.5,
    psnr: 30.5,
    trace: [
      { step: 0, sigma: 102, energy: 1000, psnr: 20, elapsed: 0 },
      { step: 1, sigma: 30, energy: 300, psnr: 25, elapsed: 0.5 },
      { step: 2, sigma: 5, energy: 100, psnr: 30.5, elapsed: 1 },
    ],
    previewUrl: `/api/jobs/${jobId}/result/preview`,
    displayUrl: `/api/jobs/${jobId}/result/display`,
    noisyUrl: null,
    suggestedName: 'photo-denoised',
    ...extra,
  };
}

/** A straight line whose slope follows a parameter, so a test can see a chart change when a slider moves. */
const line = (name: string, slope: number, n = 5): LabSeries => ({ name, points: Array.from({ length: n }, (_, i) => ({ x: i, y: slope * i })) });

export function fakeGnc1d(r: LabGnc1dRequest): LabGnc1dResult {
  return {
    ...r,
    energy: [line('σ 0.1', 1), line(`σ₀ ${r.sigma0}`, r.sigma0)],
    // One fixed line, so the chart's scale (and the drawn path) changes with σ₀.
    trajectories: [line('start 1', r.sigma0, r.steps + 1), line('start 2', -1, r.steps + 1)],
    attainment: line(`σ₀ ${r.sigma0}`, r.sigma0 / 10),
    rate: Math.min(1, r.sigma0),
    convexityThreshold: 0.29,
    globalMinimum: 0.4,
  };
}

export function fakeConvex(r: LabConvexRequest): LabConvexResult {
  return {
    beta: r.beta,
    activation: r.activation,
    epsilon: r.epsilon ?? 0.02,
    loss: [line('convex optimum', 0), line('Adam 1', -r.beta)],
    convexLoss: -1,
    convexBelowEveryAdam: true,
    scores: [line('convex', -r.beta)],
    langevin: [line('Langevin (convex score)', r.epsilon ?? 0.02)],
    langevinMean: 0,
    langevinVariance: 1,
  };
}

type Handler = (...args: unknown[]) => unknown;
/** An engine event without its sequence number (the fake numbers them). */
export type EventInput = EngineEvent extends infer E ? (E extends unknown ? Omit<E, 'seq'> & { seq?: number } : never) : never;

export class FakeApi implements EngineApi {
  readonly transport = 'http' as const;
  readonly calls: Array<{ name: string; args: unknown[] }> = [];
  readonly listeners = new Set<EngineEventListener>();
  /** Per-call overrides: return a value or throw. */
  readonly handlers: Record<string, Handler> = {};
  #seq = 0;
  #jobs = 0;

  emit(event: EventInput): void {
    const e = { ...event, seq: event.seq ?? ++this.#seq } as EngineEvent;
    for (const l of this.listeners) l(e);
  }

  #call<T>(name: string, args: unknown[], fallback: () => T): Promise<T> {
    this.calls.push({ name, args });
    const h = this.handlers[name];
    try {
      return Promise.resolve((h ? h(...args) : fallback()) as T);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  callsOf(name: string) {
    return this.calls.filter((c) => c.name === name).map((c) => c.args);
  }

  subscribe(listener: EngineEventListener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  resourceUrl(path: string) {
    return `http://engine.test${path}?token=t`;
  }

  info = () => this.#call('info', [], () => INFO);
  listModels = () => this.#call('listModels', [], () => [MODEL]);
  getModel = (id: string) => this.#call('getModel', [id], () => MODEL);
  removeModel = (id: string) => this.#call('removeModel', [id], () => MODEL);
  tagModel = (id: string, change: unknown) => this.#call('tagModel', [id, change], () => MODEL);
  exportModelBundle = (id: string, req: unknown) => this.#call('exportModelBundle', [id, req], () => ({ path: '/tmp/x.gncpack', bytes: 1 }));
  importModelBundle = (file: unknown) => this.#call('importModelBundle', [file], () => ({ model: MODEL, added: true, schedules: 0, message: 'imported' }));
  importModelBundlePath = (req: unknown) => this.#call('importModelBundlePath', [req], () => ({ model: MODEL, added: true, schedules: 0, message: 'imported' }));
  listImages = () => this.#call('listImages', [], () => []);
  uploadImage = (file: unknown) => this.#call('uploadImage', [file], () => imageInfo());
  openImagePath = (req: unknown) => this.#call('openImagePath', [req], () => imageInfo());
  getImage = (id: string) => this.#call('getImage', [id], () => imageInfo());
  removeImage = (id: string) => this.#call('removeImage', [id], () => ({ removed: true as const }));
  estimateNoise = (id: string) => this.#call('estimateNoise', [id], () => ({ sigma: 17.5 }));
  uploadMask = (imageId: string, file: unknown) =>
    this.#call('uploadMask', [imageId, file], () => ({ maskId: 'm1', imageId, width: 64, height: 48, fillFraction: 0.1, displayUrl: '/api/masks/m1/display' }));
  listJobs = () => this.#call('listJobs', [], () => []);
  submitJob = (request: SubmitRequest) => this.#call('submitJob', [request], () => ({ jobId: `job${++this.#jobs}`, kind: request.kind, recordId: null }));
  getJob = (id: string) =>
    this.#call('getJob', [id], (): JobInfo => {
      throw new EngineError('not-found', `no job ${id}`);
    });
  cancelJob = (id: string) => this.#call('cancelJob', [id], () => ({ cancelled: true }));
  exportResult = (req: unknown) => this.#call('exportResult', [req], () => ({ path: (req as { path: string }).path, bytes: 100 }));
  listRuns = (q?: unknown) => this.#call('listRuns', [q], () => []);
  getRun = (id: string) => this.#call('getRun', [id], () => {
    throw new EngineError('not-found', id);
  });
  removeRun = (id: string) => this.#call('removeRun', [id], () => ({}) as never);
  rerun = (req: unknown) => this.#call('rerun', [req], () => ({ jobId: `job${++this.#jobs}`, kind: 'denoise' as const, recordId: 'r' }));
  listSchedules = () => this.#call('listSchedules', [], () => []);
  removeSchedule = (id: string) => this.#call('removeSchedule', [id], () => ({}) as never);
  listTraining = () => this.#call('listTraining', [], () => []);
  getTraining = (id: string) => this.#call('getTraining', [id], () => ({}) as never);
  removeTraining = (id: string) => this.#call('removeTraining', [id], () => ({}) as never);
  checkLibrary = (o?: unknown) => this.#call('checkLibrary', [o], () => ({ problems: [] }));
  labGnc1d = (r: LabGnc1dRequest) => this.#call('labGnc1d', [r], () => fakeGnc1d(r));
  labConvex = (r: LabConvexRequest) => this.#call('labConvex', [r], () => fakeConvex(r));
  // First run: no welcome unless a test asks for one (handlers.welcome), so other tests see the app as it is.
  welcome = () => this.#call('welcome', [], () => ({ show: false, shippedModels: 3, sampleAvailable: true }));
  setWelcome = (change: { dismissed: boolean }) => this.#call('setWelcome', [change], () => ({ show: !change.dismissed, shippedModels: 3, sampleAvailable: true }));
  openSample = () => this.#call('openSample', [], () => imageInfo(384, 256, { imageId: 'sample1', name: 'sample.png', previewUrl: '/api/images/sample1/preview', displayUrl: '/api/images/sample1/display' }));
  prepareGpuSolve = (r: GpuPlanRequest) =>
    this.#call('prepareGpuSolve', [r], (): GpuSolvePlan => {
      throw new EngineError('not-allowed', 'the fake engine plans no WebGPU previews unless a test sets handlers.prepareGpuSolve');
    });
}
