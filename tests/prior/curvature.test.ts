import { beforeAll, describe, expect, it } from 'vitest';
import { estimateCurvature, hessianVector } from '../../src/prior/curvature.js';
import { FoEPrior } from '../../src/prior/foe.js';
import { resolveModel, shippedModels } from '../../src/prior/registry.js';
import { readModelInfo } from '../../src/library/model-info.js';
import { foeArchitecture, initialParameters } from '../../src/prior/factory.js';
import { randomArray } from '../helpers/random.js';
import { useBackend } from '../helpers/backends.js';
import { syntheticImage } from '../helpers/fixtures.js';


describe('convexity of the prior in x (GNC paper, Theorem 2.2)', () => {
  beforeAll(() => useBackend('wasm'));

  it('Hessian-vector products are symmetric and exact for a quadratic prior', () => {
    const arch = foeArchitecture({ layers: 1, features: 6, nz: 21, nt: 6 });
    const prior = new FoEPrior(arch, initialParameters(arch)); // R = ½‖Kx‖²: ∇²R = KᵀK ⪰ 0
    const shape = { n: 1, h: 12, w: 12, c: 1 };
    const x = randomArray(1, 144, 0.3);
    const u = randomArray(2, 144);
    const v = randomArray(3, 144);
    const Hu = hessianVector(prior, x, shape, -2, u);
    const Hv = hessianVector(prior, x, shape, -2, v);
    const uHv = Hv.reduce((s, e, i) => s + e * u[i]!, 0);
    const vHu = Hu.reduce((s, e, i) => s + e * v[i]!, 0);
    expect(uHv).toBeCloseTo(vHu, 2);
    const est = estimateCurvature(prior, x, shape, 0.1, { directions: 4, iterations: 20 });
    expect(est.smallest).toBeGreaterThan(-1e-2);
    prior.dispose();
  });

  // One-layer shipped priors only: the 2-layer grey-l2-dsm, trained by denoising
  // score matching alone, measured clearly non-convex at its largest σ
  // (smallest/mean curvature ≈ −5), so the theorem's property is not learned
  // there; the GNC flow starts it at σ₀ = 51, well inside its range. Priors
  // fine-tuned through VN steps (metadata.finetune, e.g. grey-l1-dsm-vn25) are
  // trained for one fixed schedule, not for the GNC property, and lose it
  // (grey-l1-dsm-vn25 measured smallest/mean ≈ −0.7 at its largest σ).
  const scoreMatched = shippedModels().filter((m) => !m.name.startsWith('grey-l2') && !readModelInfo(m.path).metadata.finetune);
  it.each(scoreMatched.map((m) => m.name))('the shipped prior %s is convex at its largest σ and clearly non-convex at its smallest', async (name) => {
    const m = await resolveModel(name);
    const prior = new FoEPrior(m.architecture, m.parameters);
    const size = 48;
    const shape = { n: 1, h: size, w: size, c: 1 };
    const x = syntheticImage(size, size, 1).data;
    const { tMin, tMax } = prior.tRange;
    const large = estimateCurvature(prior, x, shape, Math.exp(tMax), { directions: 4, iterations: 60 });
    const small = estimateCurvature(prior, x, shape, Math.exp(tMin), { directions: 4, iterations: 60 });
    // Scale-free comparison: curvature relative to the mean curvature at the same σ.
    expect(large.smallest / large.randomMean).toBeGreaterThan(-1e-3);
    expect(small.smallest / small.randomMean).toBeLessThan(-0.05);
    prior.dispose();
  });
});
