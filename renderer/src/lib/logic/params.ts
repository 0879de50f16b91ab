/**
 * The numbers a user can set (noise level, schedule, training settings):
 * their ranges, and how typed or dragged values become valid ones. Values out
 * of range are clamped (and say so); values that cannot be numbers, or break
 * a relation between two settings, are refused with a message. σ values are on
 * the 0–255 scale (design.md); the ranges stay inside what the engine accepts
 * (src/jobs/validate-request.ts).
 */

export interface ParamSpec {
  key: string;
  label: string;
  min: number;
  max: number;
  step: number;
  integer?: boolean;
  /** The slider moves on a log scale (for values spanning decades). */
  log?: boolean;
  unit?: string;
  help: string;
}

export type ParamResult =
  | { ok: true; value: number; note?: string }
  | { ok: false; message: string };

export function formatNumber(v: number, spec?: Pick<ParamSpec, 'step' | 'integer'>): string {
  if (!Number.isFinite(v)) return '';
  if (spec?.integer) return String(Math.round(v));
  const decimals = spec ? Math.max(0, Math.min(4, -Math.floor(Math.log10(spec.step) + 1e-9))) : 3;
  return String(Number(v.toFixed(decimals)));
}

/** Parses what the user typed or dragged into a value in range; clamps, rounds integers, refuses junk. */
export function parseParam(spec: ParamSpec, raw: string | number): ParamResult {
  const text = typeof raw === 'number' ? String(raw) : raw.trim().replace(',', '.');
  if (text === '') return { ok: false, message: `${spec.label}: enter a number between ${formatNumber(spec.min, spec)} and ${formatNumber(spec.max, spec)}.` };
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, message: `${spec.label}: “${String(raw)}” is not a number (expected ${formatNumber(spec.min, spec)}–${formatNumber(spec.max, spec)}).` };
  let v = spec.integer ? Math.round(value) : value;
  let note: string | undefined;
  if (v < spec.min) {
    v = spec.min;
    note = `${spec.label} can be at least ${formatNumber(spec.min, spec)}; set to ${formatNumber(spec.min, spec)}.`;
  } else if (v > spec.max) {
    v = spec.max;
    note = `${spec.label} can be at most ${formatNumber(spec.max, spec)}; set to ${formatNumber(spec.max, spec)}.`;
  } else if (spec.integer && v !== value) {
    note = `${spec.label} is a whole number; rounded to ${v}.`;
  }
  return note ? { ok: true, value: v, note } : { ok: true, value: v };
}

/** Slider position (0..1000) ↔ value, linear or logarithmic. */
export const SLIDER_RESOLUTION = 1000;
export function toSlider(spec: ParamSpec, value: number): number {
  const v = Math.min(spec.max, Math.max(spec.min, value));
  const t = spec.log && spec.min > 0 ? Math.log(v / spec.min) / Math.log(spec.max / spec.min) : (v - spec.min) / (spec.max - spec.min);
  return Math.round(t * SLIDER_RESOLUTION);
}
export function fromSlider(spec: ParamSpec, position: number): number {
  const t = Math.min(1, Math.max(0, position / SLIDER_RESOLUTION));
  let v = spec.log && spec.min > 0 ? spec.min * (spec.max / spec.min) ** t : spec.min + t * (spec.max - spec.min);
  v = Math.round(v / spec.step) * spec.step;
  if (spec.integer) v = Math.round(v);
  return Number(Math.min(spec.max, Math.max(spec.min, v)).toPrecision(10));
}

// ---- the solver's settings ------------------------------------------------------

export const NOISE: ParamSpec = { key: 'sigma', label: 'Noise level σ', min: 0.5, max: 100, step: 0.5, help: 'Standard deviation of the noise in the photo, on the 0–255 scale.' };
export const ADD_NOISE: ParamSpec = { key: 'addNoise', label: 'Synthetic noise σ', min: 0.5, max: 100, step: 0.5, help: 'Adds Gaussian noise of this level first, so PSNR against the clean photo can be shown.' };

export const SCHEDULE_PARAMS = {
  sigma0: { key: 'sigma0', label: 'σ₀ (start)', min: 0.5, max: 255, step: 0.1, log: true, help: 'Smoothing level the flow starts from (0–255). Larger is more convex, slower to converge.' },
  sigmaMin: { key: 'sigmaMin', label: 'σ_min (end)', min: 0.1, max: 100, step: 0.01, log: true, help: 'Smoothing level the flow ends at (0–255). Must not exceed σ₀.' },
  steps: { key: 'steps', label: 'Steps T', min: 1, max: 300, step: 1, integer: true, log: true, help: 'Number of solver steps. More steps: slower, usually better.' },
  stepScale: { key: 'stepScale', label: 'Step size λ', min: 0.01, max: 10, step: 0.01, log: true, help: 'Scales each step (λσ²). 1 is the paper’s choice.' },
  tStep: { key: 'tStep', label: 'σ step τₜ (joint)', min: 0, max: 50, step: 0.1, help: 'How fast the joint method moves its smoothing level.' },
  dataWeight: { key: 'dataWeight', label: 'Data weight', min: 0.05, max: 20, step: 0.01, log: true, help: 'How strongly the result keeps to the photo against the prior (1 = as the noise level says). Weight w at noise level σ acts as σ/√w: above 1 keeps more detail and noise, below 1 smooths more.' },
} satisfies Record<string, ParamSpec>;

export type ScheduleKey = keyof typeof SCHEDULE_PARAMS;

export interface ScheduleValues {
  /** vn: a learned schedule from the library gives steps and σ. */
  method: 'gnc' | 'joint' | 'vn';
  schedule: 'linear' | 'log';
  sigma0: number;
  sigmaMin: number;
  steps: number;
  stepScale: number;
  tStep: number;
  /** Denoising: weight of the data term (1 = as the noise level says). */
  dataWeight: number;
}

export const FALLBACK_SCHEDULE: ScheduleValues = { method: 'gnc', schedule: 'log', sigma0: 102, sigmaMin: 5.1, steps: 15, stepScale: 1, tStep: 3, dataWeight: 1 };

/** Problems that involve more than one setting (null when the set is consistent). */
export function scheduleProblem(v: ScheduleValues): string | null {
  if (v.sigmaMin > v.sigma0) return `σ_min (${formatNumber(v.sigmaMin)}) must not exceed σ₀ (${formatNumber(v.sigma0)}).`;
  return null;
}

/**
 * Sets one schedule value from user input, keeping the set consistent:
 * refuses (with a message) a σ_min above σ₀ or a σ₀ below σ_min.
 */
export function updateSchedule(current: ScheduleValues, key: ScheduleKey, raw: string | number): { ok: true; values: ScheduleValues; note?: string } | { ok: false; message: string } {
  const parsed = parseParam(SCHEDULE_PARAMS[key], raw);
  if (!parsed.ok) return parsed;
  const next = { ...current, [key]: parsed.value };
  const problem = scheduleProblem(next);
  if (problem) return { ok: false, message: problem };
  return parsed.note ? { ok: true, values: next, note: parsed.note } : { ok: true, values: next };
}

// ---- training -----------------------------------------------------------------

export const TRAIN_PARAMS = {
  iterations: { key: 'iterations', label: 'Iterations', min: 1, max: 1_000_000, step: 1, integer: true, log: true, help: 'Optimiser iterations.' },
  layers: { key: 'layers', label: 'Layers', min: 1, max: 3, step: 1, integer: true, help: 'Depth of the prior (1–3).' },
  features: { key: 'features', label: 'Filters per layer', min: 1, max: 256, step: 1, integer: true, log: true, help: 'More filters: slower, more expressive.' },
  patch: { key: 'patch', label: 'Patch size', min: 16, max: 512, step: 1, integer: true, help: 'Side of the training patches in pixels.' },
  batch: { key: 'batch', label: 'Batch', min: 1, max: 1024, step: 1, integer: true, log: true, help: 'Patches per iteration.' },
  lr: { key: 'lr', label: 'Learning rate', min: 1e-6, max: 1, step: 1e-6, log: true, help: 'AdaBelief step size.' },
  sigmaMin: { key: 'sigmaMin', label: 'σ min', min: 0.03, max: 255, step: 0.01, log: true, help: 'Smallest noise level trained (0–255).' },
  sigmaMax: { key: 'sigmaMax', label: 'σ max', min: 0.03, max: 1000, step: 0.01, log: true, help: 'Largest noise level trained (0–255).' },
  validateEvery: { key: 'validateEvery', label: 'Validate every', min: 1, max: 1_000_000, step: 1, integer: true, log: true, help: 'Iterations between validation runs.' },
  checkpointEvery: { key: 'checkpointEvery', label: 'Checkpoint every', min: 1, max: 1_000_000, step: 1, integer: true, log: true, help: 'Iterations between checkpoints.' },
} satisfies Record<string, ParamSpec>;
