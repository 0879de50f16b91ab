/**
 * The tfjs FoE prior as a tile kernel (tile-kernel.ts): each tile-pool worker
 * selects the same backend as the caller and loads the model once.
 */
import { selectBackend, type BackendChoice } from '../engine/backend.js';
import { FoEPrior, type FoEArchitecture, type FoEParameters } from '../prior/foe.js';
import { receptiveHalo } from './tiled-prior.js';
import type { TileKernel, TileKernelSpec } from './tile-kernel.js';

export interface FoEKernelOptions {
  architecture: FoEArchitecture;
  parameters: FoEParameters;
  backend: BackendChoice;
}

export function foeKernelSpec(architecture: FoEArchitecture, parameters: FoEParameters, backend: BackendChoice): TileKernelSpec {
  const options: FoEKernelOptions = { architecture, parameters, backend };
  return { module: new URL('./foe-tile-kernel.ts', import.meta.url).href, options, label: `foe/${backend}` };
}

export async function createTileKernel(options: unknown): Promise<TileKernel> {
  const o = options as FoEKernelOptions;
  await selectBackend(o.backend);
  const prior = new FoEPrior(o.architecture, o.parameters);
  return {
    halo: receptiveHalo(prior),
    evaluate: (x, shape, t, want) => prior.evaluate(x, shape, t, want),
    dispose: () => prior.dispose(),
  };
}
