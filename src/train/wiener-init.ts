/**
 * A data-driven start for training: the last potential becomes the exact
 * smoothed energy of a Gaussian model of each feature,
 *
 *   φ_c(z, t) = γ z² / (2 (v_c + e^{2t})),
 *
 * with v_c the feature's variance on training patches (earlier layers at
 * their identity initialisation) and γ = 1/k₁². For one layer of orthonormal
 * DCT filters that makes the initial prior a sliding-window Wiener filter at
 * every σ. Why: the score of a good prior grows like 1/σ² at small σ; from a
 * σ-independent z²/2 the spline weights would have to climb two orders of
 * magnitude before the prior denoises at all, which measured as hundreds of
 * wasted iterations.
 */
import { ConvOperator, type Shape4 } from '../prior/conv.js';
import { layerInputChannels, type FoEArchitecture, type FoEParameters } from '../prior/foe.js';
import { splineWeightsFor } from '../prior/init.js';

export function wienerInitialise(arch: FoEArchitecture, params: FoEParameters, patches: Float32Array, shape: Shape4): FoEParameters {
  let h = patches;
  let s = shape;
  for (let l = 0; l < arch.layers.length; l++) {
    const layer = arch.layers[l]!;
    const op = new ConvOperator(params.kernels[l]!, layer.kernelSize, layerInputChannels(arch, l), layer.features);
    try {
      h = op.apply(h, s);
    } finally {
      op.dispose();
    }
    s = { ...s, c: layer.features };
  }
  const C = s.c;
  const variance = new Float64Array(C);
  for (let i = 0; i < h.length; i++) variance[i % C]! += h[i]! * h[i]!;
  const count = h.length / C;
  const k1 = arch.layers[0]!.kernelSize;
  const gamma = 1 / (k1 * k1);
  const last = arch.layers.length - 1;
  const grid = arch.layers[last]!.spline;
  const weights = new Float32Array(C * grid.nz * grid.nt);
  for (let c = 0; c < C; c++) {
    const v = Math.max(1e-6, variance[c]! / count);
    const one = splineWeightsFor(grid, 1, (z, t) => (gamma * z * z) / (2 * (v + Math.exp(2 * t))), (t) => Math.exp(2 * t));
    weights.set(one, c * one.length);
  }
  return { kernels: params.kernels, splines: params.splines.map((w, l) => (l === last ? weights : w)) };
}
