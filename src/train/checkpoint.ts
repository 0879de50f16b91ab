/**
 * Training checkpoints (`.gnck`): everything needed to continue a run bit for
 * bit — the current model (as .gncm bytes), the optimiser's moments, the patch
 * sampler's and the noise generator's states, the iteration and the history.
 * One JSON document, Float64 moments in base64 so they round-trip exactly;
 * written atomically.
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import { GncError } from '../util/errors.js';
import type { AdaBeliefState } from './adabelief.js';
import type { PatchSamplerState } from './patches.js';

export const CHECKPOINT_FORMAT = 'gnc-studio/checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface TrainingRecord {
  iteration: number;
  loss: number;
  dsm: number;
  tTerm: number;
  lr: number;
}

export interface CheckpointData<S> {
  iteration: number;
  settings: S;
  /** The model at this iteration, encoded as a .gncm file. */
  model: Buffer;
  optimizer: AdaBeliefState;
  sampler: PatchSamplerState;
  rng: number[];
  history: TrainingRecord[];
  validation: Array<{ iteration: number; psnr: Record<string, number> }>;
  seconds: number;
}

const b64 = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function f64(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  const out = new Float64Array(bytes.length / 8);
  Buffer.from(out.buffer).set(bytes);
  return out;
}

export async function saveCheckpoint<S>(file: string, data: CheckpointData<S>): Promise<void> {
  const json = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    ...data,
    model: data.model.toString('base64'),
    optimizer: { ...data.optimizer, m: data.optimizer.m.map(b64), s: data.optimizer.s.map(b64) },
  };
  await writeFileAtomic(file, JSON.stringify(json));
}

export async function loadCheckpoint<S>(file: string): Promise<CheckpointData<S>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new GncError('io', `Cannot read checkpoint ${file}: ${(err as Error).message}`);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new GncError('invalid-model', `${file}: not a checkpoint (invalid JSON: ${(err as Error).message})`);
  }
  if (json.format !== CHECKPOINT_FORMAT) throw new GncError('invalid-model', `${file}: not a GNC Studio checkpoint (format ${JSON.stringify(json.format)})`);
  if (json.version !== CHECKPOINT_VERSION) throw new GncError('invalid-model', `${file}: unsupported checkpoint version ${String(json.version)}`);
  const opt = json.optimizer as Omit<AdaBeliefState, 'm' | 's'> & { m: string[]; s: string[] };
  return {
    ...(json as unknown as CheckpointData<S>),
    model: Buffer.from(json.model as string, 'base64'),
    optimizer: { ...opt, m: opt.m.map(f64), s: opt.s.map(f64) },
  };
}
