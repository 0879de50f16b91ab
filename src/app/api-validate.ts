/**
 * Checks every argument of every engine call (engine-api.ts `EngineCalls`)
 * that arrives from outside the engine: the web bridge after parsing a
 * request, the Electron main process before forwarding an IPC call, and the
 * engine host before running one. Unknown fields are refused rather than
 * ignored, so a typo in a front end is an error, not a silent default.
 *
 * Pure: it imports only util/check-fields (the shared field checks) and the
 * error type, so electron/ can use it.
 */
import type { EngineCallName, EngineCalls } from './engine-api.js';

export type { Check } from '../util/check-fields.js';
export { fail, number, integer, oneOf, flag, list, object, optional } from '../util/check-fields.js';
import { fail, integer, list, number, object, oneOf, flag, optional, type Check } from '../util/check-fields.js';

// Limits shared with AppInfo.limits.
export const MAX_UPLOAD_BYTES = 300 * 1024 * 1024;
export const MAX_CROP_PIXELS = 1024 * 1024;

export const text = (max = 4096): Check => (v, where) => {
  if (typeof v !== 'string' || v.length === 0 || v.length > max || v.includes('\0')) fail(where, `a non-empty text of at most ${max} characters`, v);
};
/** Ids: library hex ids (full or prefix), session ids, model names. */
export const id: Check = (v, where) => {
  if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(v)) fail(where, 'an id (letters, digits, ".", "_" or "-", at most 100)', v);
};
export const path: Check = (v, where) => {
  // Absolute on POSIX ("/...") or Windows ("C:\..." or "\\server\..."): relative paths would depend on the engine's cwd.
  if (typeof v !== 'string' || v.length > 4096 || v.includes('\0') || !/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(v)) fail(where, 'an absolute file path', v);
};
export const fileName: Check = (v, where) => {
  if (typeof v !== 'string' || v.length === 0 || v.length > 255 || /[\0/\\]/.test(v)) fail(where, 'a file name without folders (1 to 255 characters)', v);
};
const bytes: Check = (v, where) => {
  if (!(v instanceof Uint8Array)) fail(where, 'the file content as bytes (Uint8Array)', v);
  if (v.length === 0) fail(where, 'a non-empty file', v);
  if (v.length > MAX_UPLOAD_BYTES) fail(where, `at most ${MAX_UPLOAD_BYTES} bytes`, v);
};
const uploadFile = object({ name: fileName, bytes }, ['name', 'bytes']);

const BACKENDS = ['auto', 'onnx', 'tensorflow', 'wasm', 'cpu'];
/** A model name or id; never a file path (a model file is added to the library first). */
const modelRef: Check = (v, where) => {
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > 100 || /[\0/\\]/.test(v)) fail(where, 'a model name or id (no file paths)', v);
};
const sigma = number(0.1, 255);
export const solverSettings = object({
  method: oneOf('gnc', 'joint', 'vn'),
  steps: integer(1, 10_000),
  sigma0: number(0.1, 1000),
  sigmaMin: number(0.03, 1000),
  schedule: oneOf('linear', 'log'),
  stepScale: number(1e-4, 100),
  tStep: number(0, 1e6),
  dataWeight: number(0.05, 20),
});
const crop: Check = (v, where) => {
  object({ x: integer(0, 1e6), y: integer(0, 1e6), width: integer(8, 1e6), height: integer(8, 1e6) }, ['x', 'y', 'width', 'height'])(v, where);
  const c = v as { width: number; height: number };
  if (c.width * c.height > MAX_CROP_PIXELS) fail(where, `a crop of at most ${MAX_CROP_PIXELS} pixels`, v);
};
const restoreCommon: Record<string, Check> = {
  imageId: id,
  model: modelRef,
  settings: solverSettings,
  crop,
  bitDepth: oneOf(8, 16),
  traceEnergy: flag,
  backend: oneOf(...BACKENDS),
  record: flag,
  scheduleId: id,
  cleanImageId: id,
};
const trainFields = object({
  kind: oneOf('train'),
  data: path,
  resumeTrainingId: id,
  name: text(100),
  backend: oneOf(...BACKENDS),
  settings: object({
    layers: integer(1, 3),
    features: integer(1, 256),
    patch: integer(16, 512),
    batch: integer(1, 1024),
    iterations: integer(1, 10_000_000),
    seed: integer(0, 2 ** 31),
    alpha: number(0, 1e3),
    lr: number(1e-8, 10),
    lrMin: number(0, 10),
    sigmaMin: number(0.03, 255),
    sigmaMax: number(0.03, 1000),
    holdout: integer(0, 100_000),
    init: oneOf('quadratic', 'wiener'),
    validateEvery: integer(1, 10_000_000),
    checkpointEvery: integer(1, 10_000_000),
  }),
});
const submitChecks: Record<string, Check> = {
  denoise: object({ ...restoreCommon, kind: oneOf('denoise'), sigma, addNoise: sigma, seed: integer(0, 2 ** 31) }, ['imageId']),
  inpaint: object({ ...restoreCommon, kind: oneOf('inpaint'), maskId: id }, ['imageId', 'maskId']),
  train: (v, where) => {
    trainFields(v, where);
    // A new run names its photos; a resumed one reuses the paused run's (so no path needs a dialog again).
    const r = v as { data?: unknown; resumeTrainingId?: unknown };
    if (r.data === undefined && r.resumeTrainingId === undefined) fail(`${where}.data`, 'the folder of training photos (or resumeTrainingId to continue a paused run)', undefined);
    if (r.data !== undefined && r.resumeTrainingId !== undefined) fail(`${where}.data`, 'no folder with resumeTrainingId (a resumed run trains on the paused run\'s photos)', r.data);
  },
};
const sampleFields = object(
  {
    kind: oneOf('sample'),
    task: oneOf('denoise', 'inpaint'),
    imageId: id,
    maskId: id,
    sigma,
    samples: integer(1, 64),
    levels: integer(2, 200),
    stepsPerLevel: integer(1, 200),
    model: modelRef,
    cleanImageId: id,
    seed: integer(0, 2 ** 31),
    backend: oneOf(...BACKENDS),
  },
  ['task', 'imageId', 'samples'],
);
submitChecks.sample = (v, where) => {
  sampleFields(v, where);
  // Each task has its own observation: the noise level, or the mask of what to fill in.
  const r = v as { task: string; maskId?: unknown; sigma?: unknown };
  if (r.task === 'inpaint' && r.maskId === undefined) fail(`${where}.maskId`, 'the mask (from uploadMask) for inpaint sampling', undefined);
  if (r.task === 'denoise' && r.sigma === undefined) fail(`${where}.sigma`, 'the noise level (0.1–255) for denoise sampling', undefined);
  if (r.task === 'denoise' && r.maskId !== undefined) fail(`${where}.maskId`, 'no mask for denoise sampling', r.maskId);
  if (r.task === 'inpaint' && r.sigma !== undefined) fail(`${where}.sigma`, 'no noise level for inpaint sampling', r.sigma);
};
const submit: Check = (v, where) => {
  const kind = typeof v === 'object' && v !== null ? (v as { kind?: unknown }).kind : undefined;
  if (typeof kind !== 'string' || !Object.hasOwn(submitChecks, kind)) fail(`${where}.kind`, `one of ${Object.keys(submitChecks).join(', ')}`, kind);
  submitChecks[kind]!(v, where);
};

const modelIdentity: Check = (v, where) => {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) fail(where, 'a model identity (64 hex characters)', v);
};
const gpuPlanRequest: Check = (v, where) => {
  object({ request: submitChecks.denoise!, loadedModelId: modelIdentity }, ['request'])(v, where);
  const r = (v as { request: { crop?: unknown } }).request;
  if (r.crop === undefined) fail(`${where}.request.crop`, 'the preview crop (the WebGPU path runs previews)', undefined);
};

const FORMATS = ['png', 'jpeg', 'tiff', 'webp'];
const exportRequest = object(
  { jobId: id, path, format: oneOf(...FORMATS), bitDepth: oneOf(8, 16), keepMetadata: flag, overwrite: flag },
  ['jobId', 'path'],
);
const tag = text(64);
const tagChange = object({ add: list(tag, 32), remove: list(tag, 32) });
const RUN_KINDS = ['denoise', 'inpaint', 'compare', 'train', 'learn-schedule', 'sample', 'bench'];
const RUN_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'];
const runQuery = object({ kind: oneOf(...RUN_KINDS), status: oneOf(...RUN_STATUSES), limit: integer(1, 1000) });
const rerunRequest = object(
  { runId: id, overrides: object({ model: modelRef, settings: solverSettings, sigma }) },
  ['runId'],
);
const savePath = object({ path, overwrite: flag }, ['path']);
// The Lab's ranges: where the 1-D experiments are meaningful and answer quickly (lab-plots.ts).
const labGnc1d = object({ sigma0: number(0.02, 2), steps: integer(1, 500) }, ['sigma0', 'steps']);
const labConvex = object({ beta: number(1e-3, 10), activation: oneOf('relu', 'abs'), epsilon: number(1e-4, 1), seed: integer(0, 2 ** 31) }, ['beta', 'activation']);
const pathRequest = object({ path }, ['path']);

/** Argument checks of every call, positionally; `optional` marks trailing arguments that may be left out. */
export const CALL_ARGUMENTS: { readonly [K in EngineCallName]: readonly Check[] } = {
  info: [],
  listModels: [],
  getModel: [id],
  removeModel: [id],
  tagModel: [id, tagChange],
  exportModelBundle: [id, savePath],
  importModelBundle: [uploadFile],
  importModelBundlePath: [pathRequest],
  listImages: [],
  uploadImage: [uploadFile],
  openImagePath: [pathRequest],
  getImage: [id],
  removeImage: [id],
  uploadMask: [id, uploadFile],
  estimateNoise: [id],
  listJobs: [],
  submitJob: [submit],
  getJob: [id],
  cancelJob: [id],
  exportResult: [exportRequest],
  listRuns: [optional(runQuery)],
  getRun: [id],
  removeRun: [id],
  rerun: [rerunRequest],
  listSchedules: [],
  removeSchedule: [id],
  listTraining: [],
  getTraining: [id],
  removeTraining: [id],
  checkLibrary: [optional(object({ fix: flag }))],
  labGnc1d: [labGnc1d],
  labConvex: [labConvex],
  welcome: [],
  setWelcome: [object({ dismissed: flag }, ['dismissed'])],
  openSample: [],
  prepareGpuSolve: [gpuPlanRequest],
};

export const CALL_NAMES = Object.keys(CALL_ARGUMENTS) as EngineCallName[];

export function isCallName(name: unknown): name is EngineCallName {
  return typeof name === 'string' && Object.hasOwn(CALL_ARGUMENTS, name);
}

/** Validates a call's name and arguments; throws invalid-argument naming the call and the field. */
export function validateCall<K extends EngineCallName>(name: K, args: unknown[]): Parameters<EngineCalls[K]>;
export function validateCall(name: unknown, args: unknown[]): unknown[];
export function validateCall(name: unknown, args: unknown[]): unknown[] {
  if (!isCallName(name)) fail('the engine call', `one of ${CALL_NAMES.join(', ')}`, name);
  if (!Array.isArray(args)) fail(`${name} arguments`, 'a list', args);
  const checks = CALL_ARGUMENTS[name];
  if (args.length > checks.length) fail(`${name} arguments`, `at most ${checks.length} argument(s)`, args.length);
  checks.forEach((check, i) => check(args[i], `${name} argument ${i + 1}`));
  return args;
}

/** The parts of a request that name files (Electron accepts only dialog-chosen ones). */
export function pathsIn(name: EngineCallName, args: unknown[]): string[] {
  const a = args[0] as Record<string, unknown> | undefined;
  switch (name) {
    case 'openImagePath':
    case 'importModelBundlePath':
    case 'exportResult':
      return [String(a?.path)];
    case 'exportModelBundle':
      return [String((args[1] as { path: string }).path)];
    case 'submitJob':
      return a?.kind === 'train' && a.data !== undefined ? [String(a.data)] : [];
    default:
      return [];
  }
}
