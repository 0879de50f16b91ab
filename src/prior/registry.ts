/**
 * Finds models by name or path. Shipped models live in resources/models as
 * NAME.gncm; anything else is a file path. Loaded priors are cached per
 * process because building the convolution operators costs a little.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { GncError } from '../util/errors.js';
import { modelsDir } from '../util/paths.js';
import { loadModelFile, MODEL_EXTENSION, type LoadedModel } from './model-file.js';

/** The model `gnc denoise` and `gnc inpaint` use unless told otherwise. */
export const DEFAULT_MODEL = 'grey-l1-dsm';

export interface ResolvedModel extends LoadedModel {
  /** Shipped name, or the file's base name. */
  name: string;
  path: string;
}

export function shippedModels(): Array<{ name: string; path: string }> {
  const dir = modelsDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(MODEL_EXTENSION))
    .sort()
    .map((f) => ({ name: f.slice(0, -MODEL_EXTENSION.length), path: path.join(dir, f) }));
}

const cache = new Map<string, Promise<ResolvedModel>>();

export function resolveModel(spec: string = DEFAULT_MODEL): Promise<ResolvedModel> {
  const shipped = shippedModels().find((m) => m.name === spec);
  const looksLikePath = spec.includes('/') || spec.includes('\\') || spec.endsWith(MODEL_EXTENSION);
  let file: string;
  if (shipped) file = shipped.path;
  else if (looksLikePath || existsSync(spec)) file = path.resolve(spec);
  else {
    const names = shippedModels().map((m) => m.name);
    return Promise.reject(
      new GncError('unknown-model', `Unknown model ${JSON.stringify(spec)}: expected a model file path or one of: ${names.join(', ') || '(none shipped)'}`),
    );
  }
  let entry = cache.get(file);
  if (!entry) {
    entry = loadModelFile(file).then((m) => ({ ...m, name: shipped?.name ?? path.basename(file, MODEL_EXTENSION), path: file }));
    entry.catch(() => cache.delete(file));
    cache.set(file, entry);
  }
  return entry;
}
