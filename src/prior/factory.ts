/** Builds FoE architectures and their initial parameters (method.md §2). */
import { dctKernels, identityActivation, kaimingKernels, quadraticPotential, splineWeightsFor } from './init.js';
import type { FoEArchitecture, FoEParameters } from './foe.js';
import { layerInputChannels } from './foe.js';
import type { SplineGrid } from './spline2d.js';
import { Prng } from '../util/random.js';

export interface FoEShapeOptions {
  layers: number;
  /** Feature channels per layer (one number for all layers, or one per layer). */
  features: number | number[];
  inChannels?: number;
  firstKernel?: number;
  /** σ range of the prior on the [0, 1] scale. */
  sigmaMin?: number;
  sigmaMax?: number;
  nz?: number;
  nt?: number;
  /** Feature half-range per layer; defaults grow with the layer. */
  zMax?: number[];
}

export function foeArchitecture(o: FoEShapeOptions): FoEArchitecture {
  const tMin = Math.log(o.sigmaMin ?? 0.01);
  const tMax = Math.log(o.sigmaMax ?? 0.6);
  const layers = Array.from({ length: o.layers }, (_, l) => {
    const features = Array.isArray(o.features) ? o.features[l]! : o.features;
    const spline: SplineGrid = { zMax: o.zMax?.[l] ?? (l === 0 ? 1 : 2), nz: o.nz ?? 31, tMin, tMax, nt: o.nt ?? 9 };
    return { features, kernelSize: l === 0 ? (o.firstKernel ?? 7) : 3, spline };
  });
  return { kind: 'foe', inChannels: o.inChannels ?? 1, layers };
}

/** DCT first layer, Kaiming later layers, identity activations, quadratic potential. */
export function initialParameters(arch: FoEArchitecture, seed = 1): FoEParameters {
  const rng = new Prng(seed);
  const random = () => rng.uniform();
  const kernels = arch.layers.map((layer, l) =>
    l === 0
      ? dctKernels(layer.kernelSize, layer.features, arch.inChannels)
      : kaimingKernels(layer.kernelSize, layerInputChannels(arch, l), layer.features, random),
  );
  const splines = arch.layers.map((layer, l) =>
    splineWeightsFor(layer.spline, layer.features, l === arch.layers.length - 1 ? quadraticPotential : identityActivation),
  );
  return { kernels, splines };
}
