import { FoEPrior } from '../../src/prior/foe.js';
import { foeArchitecture, initialParameters } from '../../src/prior/factory.js';
import { mulberry } from './random.js';

/** A prior with non-trivial kernels and splines that really depend on t. */
export function randomPrior(layers: number, seed = 1, features = 6): FoEPrior {
  const arch = foeArchitecture({ layers, features, nz: 15, nt: 7, sigmaMin: 0.02, sigmaMax: 0.5 });
  const params = initialParameters(arch, seed);
  const rnd = mulberry(seed + 100);
  params.splines = params.splines.map((w) => w.map((v) => v + 0.3 * (rnd() * 2 - 1)));
  params.kernels = params.kernels.map((k) => k.map((v) => v + 0.05 * (rnd() * 2 - 1)));
  return new FoEPrior(arch, params);
}

