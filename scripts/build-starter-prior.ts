/**
 * Builds resources/models/starter-dct-gsm.gncm, the hand-built starter prior
 * (src/prior/starter.ts), from the 7×7 DCT responses of Train400.
 *
 *   npx tsx scripts/build-starter-prior.ts [--data DIR] [--out FILE]
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readImage } from '../src/image/io.js';
import { dctKernels } from '../src/prior/init.js';
import { buildStarterPrior, STARTER_DEFAULTS, STARTER_SOLVER_DEFAULTS } from '../src/prior/starter.js';
import { saveModel } from '../src/prior/model-file.js';
import { defaultDataDir } from '../src/util/paths.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(defaultDataDir(), 'Train400') },
    out: { type: 'string', default: 'resources/models/starter-dct-gsm.gncm' },
    stride: { type: 'string', default: '3' },
  },
});
const dir = values.data!;
const stride = Number(values.stride);
const files = readdirSync(dir).filter((f) => /\.(png|jpe?g|tiff?|webp)$/i.test(f)).sort();
const k = STARTER_DEFAULTS.kernelSize;
const F = STARTER_DEFAULTS.features;
const kernels = dctKernels(k, F);
const responses: number[][] = Array.from({ length: F }, () => []);
const started = Date.now();
for (const file of files) {
  const img = await readImage(path.join(dir, file));
  const { width: W, height: H, channels: C, data } = img;
  for (let y = 0; y + k <= H; y += stride) {
    for (let x = 0; x + k <= W; x += stride) {
      for (let f = 0; f < F; f++) {
        let s = 0;
        for (let dy = 0; dy < k; dy++) {
          for (let dx = 0; dx < k; dx++) s += kernels[(dy * k + dx) * F + f]! * data[((y + dy) * W + x + dx) * C]!;
        }
        responses[f]!.push(s);
      }
    }
  }
}
const patches = responses[0]!.length;
console.error(`collected ${patches} patches from ${files.length} images in ${((Date.now() - started) / 1000).toFixed(1)} s`);
const prior = buildStarterPrior(responses);
const id = await saveModel(values.out!, prior.architecture, prior.parameters, {
  name: 'starter-dct-gsm',
  description:
    'Hand-built starter prior (not trained by score matching): 48 7×7 DCT filters without DC; each potential is the exact ' +
    'noise-smoothed energy of a Gaussian scale mixture fitted by EM to that filter\'s responses, fitted as a 2-D quartic spline in (z, log σ). ' +
    'One Tweedie step equals sliding-window DCT denoising with GSM-MMSE shrinkage.',
  training: {
    kind: 'gsm-marginals',
    data: `${path.basename(dir)} (${files.length} images, every ${stride}th 7×7 patch: ${patches} patches)`,
    mixture: { components: STARTER_DEFAULTS.mixtureComponents, stdMin: 1e-3, stdMax: 2, weights: prior.mixtures.map((m) => Array.from(m.weights, (w) => Number(w.toPrecision(4)))) },
    sigmaRange: [STARTER_DEFAULTS.sigmaMin, STARTER_DEFAULTS.sigmaMax],
    spline: { zSpacing: STARTER_DEFAULTS.zSpacing, zMax: STARTER_DEFAULTS.zMax, nt: STARTER_DEFAULTS.nt },
  },
  defaults: STARTER_SOLVER_DEFAULTS,
});
console.error(`wrote ${values.out} (id ${id.slice(0, 12)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
