/**
 * The extended Fields-of-Experts architecture and parameter layout
 * (method.md §2), apart from its evaluation: plain data and checks, no tfjs
 * and no Node, so the browser's WebGPU worker (renderer/src/lib/gpu) and the
 * model decoder can use them without pulling in the engine's tfjs bundle.
 * foe.ts re-exports everything here.
 */
import { checkGrid, type SplineGrid } from './spline2d.js';
import { GncError } from '../util/errors.js';

export interface FoELayerSpec {
  /** Output feature channels of this layer's convolution. */
  features: number;
  kernelSize: number;
  /** Grid of this layer's spline non-linearity (ψ_l, or φ for the last layer). */
  spline: SplineGrid;
}

export interface FoEArchitecture {
  kind: 'foe';
  inChannels: number;
  layers: FoELayerSpec[];
}

export interface FoEParameters {
  /** Per layer: HWIO kernel weights [k, k, cin, cout]. */
  kernels: Float32Array[];
  /** Per layer: spline weights [features, nz, nt]. */
  splines: Float32Array[];
}

export function layerInputChannels(arch: FoEArchitecture, l: number): number {
  return l === 0 ? arch.inChannels : arch.layers[l - 1]!.features;
}

export function checkArchitecture(arch: FoEArchitecture, where = 'FoE architecture'): void {
  if (arch.kind !== 'foe') throw new GncError('invalid-model', `${where}: kind must be "foe" but is ${JSON.stringify(arch.kind)}`);
  if (!Number.isInteger(arch.inChannels) || arch.inChannels < 1 || arch.inChannels > 4) {
    throw new GncError('invalid-model', `${where}: inChannels must be 1..4 but is ${arch.inChannels}`);
  }
  if (!Array.isArray(arch.layers) || arch.layers.length < 1 || arch.layers.length > 3) {
    throw new GncError('invalid-model', `${where}: expected 1 to 3 layers but found ${arch.layers?.length}`);
  }
  arch.layers.forEach((layer, l) => {
    if (!Number.isInteger(layer.features) || layer.features < 1 || layer.features > 1024) {
      throw new GncError('invalid-model', `${where}: layer ${l + 1} needs 1..1024 features but has ${layer.features}`);
    }
    if (!Number.isInteger(layer.kernelSize) || layer.kernelSize % 2 !== 1 || layer.kernelSize > 15) {
      throw new GncError('invalid-model', `${where}: layer ${l + 1} needs an odd kernel size ≤ 15 but has ${layer.kernelSize}`);
    }
    checkGrid(layer.spline, `${where}, layer ${l + 1}`);
  });
}

export function parameterShapes(arch: FoEArchitecture): { kernels: number[][]; splines: number[][] } {
  return {
    kernels: arch.layers.map((layer, l) => [layer.kernelSize, layer.kernelSize, layerInputChannels(arch, l), layer.features]),
    splines: arch.layers.map((layer) => [layer.features, layer.spline.nz, layer.spline.nt]),
  };
}
