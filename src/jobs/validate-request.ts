/**
 * Checks a job request that arrived from outside the process (IPC, the web
 * bridge, a worker message) field by field. Unknown fields are refused rather
 * than ignored, so a typo in a front end is an error, not a silent default.
 */
import { BACKEND_CHOICES } from '../engine/backend.js';
import { fail, flag, integer, list, number, object, oneOf, type Check } from '../util/check-fields.js';
import type { JobRequest } from './contract.js';

const text: Check = (v, where) => {
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096 || v.includes('\0')) fail(where, 'a non-empty path or name', v);
};
const texts = list(text, 8);
const solverSettings = object({
  method: oneOf('gnc', 'joint', 'vn'),
  steps: integer(1, 10_000),
  sigma0: number(0.1, 1000),
  sigmaMin: number(0.03, 1000),
  schedule: oneOf('linear', 'log'),
  stepScale: number(1e-4, 100),
  tStep: number(0, 1e6),
  dataWeight: number(0.05, 20),
});

const restoreCommon: Record<string, Check> = {
  input: text,
  outputs: texts,
  model: text,
  settings: solverSettings,
  clean: text,
  backend: oneOf(...BACKEND_CHOICES),
  bitDepth: oneOf(8, 16),
  traceEnergy: flag,
  tile: integer(16, 16384),
  threads: integer(1, 256),
  schedule: text,
  experiment: text,
};
const sigmaOrAuto: Check = (v, where) => {
  if (v !== 'auto' && !(typeof v === 'number' && v >= 0.1 && v <= 255)) fail(where, 'a noise level from 0.1 to 255 or "auto"', v);
};

const numbers = (min: number, max: number): Check => (v, where) => {
  if (!Array.isArray(v) || v.length === 0 || v.length > 16) fail(where, 'a list of 1 to 16 numbers', v);
  v.forEach((item, i) => number(min, max)(item, `${where}[${i}]`));
};
const methods: Check = (v, where) => {
  if (!Array.isArray(v) || v.length === 0 || v.length > 3) fail(where, 'a list of methods ("gnc", "joint", "vn")', v);
  v.forEach((item, i) => oneOf('gnc', 'joint', 'vn')(item, `${where}[${i}]`));
};

const checks: Record<JobRequest['kind'], Check> = {
  denoise: object(
    { ...restoreCommon, kind: oneOf('denoise'), sigma: sigmaOrAuto, noiseModel: oneOf('gaussian', 'poisson-gaussian'), addNoise: number(0.1, 255), seed: integer(0, 2 ** 31) },
    ['input'],
  ),
  inpaint: object({ ...restoreCommon, kind: oneOf('inpaint'), mask: text }, ['input', 'mask']),
  bench: object(
    {
      kind: oneOf('bench'),
      task: oneOf('denoise', 'inpaint'),
      data: text,
      methods,
      model: text,
      limit: integer(1, 100_000),
      seed: integer(0, 2 ** 31),
      levels: numbers(0, 255),
      settings: object({ steps: integer(1, 10_000), sigma0: number(0.1, 1000), sigmaMin: number(0.03, 1000), stepScale: number(1e-4, 100), dataWeight: number(0.05, 20) }),
      references: flag,
      backend: oneOf(...BACKEND_CHOICES),
      posteriorSamples: integer(1, 256),
      crop: integer(16, 65_536),
      vnSchedules: list(text, 32),
    },
    ['task'],
  ),
  compare: object(
    {
      kind: oneOf('compare'),
      input: text,
      clean: text,
      sigma: number(0.1, 255),
      addNoise: flag,
      seed: integer(0, 2 ** 31),
      mask: text,
      model: text,
      outDir: text,
      vnSchedule: text,
      referenceSteps: integer(10, 10_000),
      backend: oneOf(...BACKEND_CHOICES),
    },
    ['input', 'clean', 'outDir'],
  ),
  'learn-schedule': object(
    {
      kind: oneOf('learn-schedule'),
      model: text,
      task: oneOf('denoise', 'inpaint'),
      level: number(0, 255),
      steps: integer(1, 100),
      data: text,
      iterations: integer(1, 1_000_000),
      out: text,
      patch: integer(16, 512),
      batch: integer(1, 256),
      seed: integer(0, 2 ** 31),
      lr: number(1e-6, 1),
      holdout: integer(0, 10_000),
      resume: flag,
      backend: oneOf(...BACKEND_CHOICES),
      finetune: flag,
      priorLr: number(1e-8, 1),
      modelOut: text,
      init: text,
    },
    ['task', 'level', 'steps', 'data', 'iterations', 'out'],
  ),
  sample: object(
    {
      kind: oneOf('sample'),
      task: oneOf('prior', 'denoise', 'inpaint'),
      input: text,
      width: integer(8, 4096),
      height: integer(8, 4096),
      mask: text,
      sigma: number(0.1, 255),
      addNoise: flag,
      clean: text,
      model: text,
      samples: integer(1, 256),
      outDir: text,
      sigmaMax: number(0.1, 1000),
      sigmaMin: number(0.01, 1000),
      levels: integer(1, 10_000),
      stepsPerLevel: integer(1, 10_000),
      epsilon: number(1e-9, 1),
      seed: integer(0, 2 ** 31),
      backend: oneOf(...BACKEND_CHOICES),
      threads: integer(1, 256),
    },
    ['task', 'samples', 'outDir'],
  ),
  train: object(
    {
      kind: oneOf('train'),
      data: text,
      out: text,
      checkpoint: text,
      resume: text,
      backend: oneOf(...BACKEND_CHOICES),
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
    },
    ['data', 'out'],
  ),
};

export function validateJobRequest(value: unknown): JobRequest {
  if (typeof value !== 'object' || value === null) fail('job request', 'an object with a "kind"', value);
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !(kind in checks)) fail('job request kind', `one of ${Object.keys(checks).join(', ')}`, kind);
  checks[kind as JobRequest['kind']](value, kind);
  return value as JobRequest;
}
