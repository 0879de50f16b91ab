/**
 * The extended Fields-of-Experts prior of method.md §2 (gnc-priors eq. 3):
 *
 *   z_1 = K_1 x,  h_l = ψ_l(z_l, t),  z_{l+1} = K_{l+1} h_l,  R(x, t) = ⟨1, φ_L(z_L, t)⟩
 *
 * with K_1 k×k (DCT-initialised), later K_l 3×3 mixing all channels, no
 * biases, and every ψ/φ a 2-D quartic spline in (feature, t = log σ).
 *
 * `evaluate` returns what is asked in one forward pass:
 *  - energy R(x, t) per sample,
 *  - ∇ₓR by the reverse pass g_L = ∂zφ_L, g_l = ∂zψ_l ⊙ K_{l+1}ᵀ g_{l+1}, ∇ₓR = K_1ᵀ g_1,
 *  - ∂ₜR by forward propagation of z' = ∂z/∂t through the layers.
 * Images are NHWC Float32Arrays; the convolutions run on the tfjs backend and
 * the spline non-linearities on the CPU (local 5-tap evaluation).
 */
import { ConvOperator, shapeSize, type Shape4 } from './conv.js';
import { evalSpline } from './spline2d.js';
import { GncError } from '../util/errors.js';
import { checkArchitecture, layerInputChannels, parameterShapes, type FoEArchitecture, type FoEParameters } from './foe-architecture.js';

export { checkArchitecture, layerInputChannels, parameterShapes, type FoEArchitecture, type FoELayerSpec, type FoEParameters } from './foe-architecture.js';

export interface EvaluateRequest {
  energy?: boolean;
  gradX?: boolean;
  gradT?: boolean;
  /**
   * Sum energy and ∂ₜR over this window of positions only (default: all).
   * Tiled evaluation uses it to count every position once, in the tile whose
   * interior holds it.
   */
  region?: Region;
}

/** A window of pixel positions: rows top..top+height, columns left..left+width. */
export interface Region {
  top: number;
  left: number;
  height: number;
  width: number;
}

export interface EvaluateResult {
  /** R(x, t_b) per sample b. */
  energy?: Float64Array;
  /** ∇ₓR, same layout as x. */
  gradX?: Float32Array;
  /** ∂ₜR per sample. */
  gradT?: Float64Array;
}

export class FoEPrior {
  readonly arch: FoEArchitecture;
  readonly params: FoEParameters;
  #ops: ConvOperator[];

  constructor(arch: FoEArchitecture, params: FoEParameters) {
    checkArchitecture(arch);
    const shapes = parameterShapes(arch);
    if (params.kernels.length !== arch.layers.length || params.splines.length !== arch.layers.length) {
      throw new GncError('invalid-model', `FoE: ${arch.layers.length} layers need as many kernel and spline tensors`);
    }
    shapes.splines.forEach((shape, l) => {
      const want = shape.reduce((a, b) => a * b, 1);
      if (params.splines[l]!.length !== want) {
        throw new GncError('invalid-model', `FoE layer ${l + 1}: expected ${shape.join('×')} spline weights but found ${params.splines[l]!.length}`);
      }
    });
    this.arch = arch;
    this.params = params;
    this.#ops = arch.layers.map(
      (layer, l) => new ConvOperator(params.kernels[l]!, layer.kernelSize, layerInputChannels(arch, l), layer.features),
    );
  }

  get layers(): number {
    return this.arch.layers.length;
  }

  /** The trained smoothing range of the last layer's potential, as t = log σ. */
  get tRange(): { tMin: number; tMax: number } {
    const g = this.arch.layers[this.arch.layers.length - 1]!.spline;
    return { tMin: g.tMin, tMax: g.tMax };
  }

  evaluate(x: Float32Array, shape: Shape4, t: ArrayLike<number>, want: EvaluateRequest): EvaluateResult {
    if (shape.c !== this.arch.inChannels) {
      throw new GncError('invalid-argument', `FoE: image has ${shape.c} channels but the prior expects ${this.arch.inChannels}`);
    }
    if (x.length !== shapeSize(shape)) {
      throw new GncError('invalid-argument', `FoE: expected ${shapeSize(shape)} values for ${JSON.stringify(shape)} but received ${x.length}`);
    }
    if (t.length !== shape.n) {
      throw new GncError('invalid-argument', `FoE: expected one t per sample (${shape.n}) but received ${t.length}`);
    }
    const L = this.#ops.length;
    const plane = (c: number): Shape4 => ({ n: shape.n, h: shape.h, w: shape.w, c });
    const dzs: Float32Array[] = []; // ∂zψ_l per layer (needed by both reverse pass and t-propagation)
    const dts: Float32Array[] = [];
    let h = x;
    let lastF: Float32Array | undefined;
    for (let l = 0; l < L; l++) {
      const z = this.#ops[l]!.apply(h, plane(layerInputChannels(this.arch, l)));
      const spec = this.arch.layers[l]!;
      const last = l === L - 1;
      const out = evalSpline(spec.spline, this.params.splines[l]!, spec.features, z, t, {
        f: !last || !!want.energy,
        fz: !last || !!want.gradX || (!!want.gradT && L > 1),
        ft: !!want.gradT,
      });
      if (out.fz) dzs.push(out.fz);
      if (out.ft) dts.push(out.ft);
      if (last) lastF = out.f;
      else h = out.f!;
    }
    const result: EvaluateResult = {};
    const region = want.region ?? { top: 0, left: 0, height: shape.h, width: shape.w };
    if (want.energy) result.energy = sumOverRegion(lastF!, shape, region);
    if (want.gradX) {
      let g = dzs[L - 1]!;
      for (let l = L - 1; l >= 1; l--) {
        const back = this.#ops[l]!.adjoint(g, plane(this.arch.layers[l]!.features));
        const dz = dzs[l - 1]!;
        for (let i = 0; i < back.length; i++) back[i]! *= dz[i]!;
        g = back;
      }
      result.gradX = this.#ops[0]!.adjoint(g, plane(this.arch.layers[0]!.features));
    }
    if (want.gradT) {
      // h'_1 = ∂tψ_1 (x does not depend on t); z'_{l+1} = K_{l+1} h'_l;
      // h'_l = ∂zψ_l · z'_l + ∂tψ_l; ∂tR = Σ (∂zφ_L · z'_L + ∂tφ_L).
      let hPrime = dts[0]!;
      for (let l = 1; l < L; l++) {
        const zPrime = this.#ops[l]!.apply(hPrime, plane(this.arch.layers[l - 1]!.features));
        const dz = dzs[l]!;
        const dt = dts[l]!;
        for (let i = 0; i < zPrime.length; i++) zPrime[i] = dz[i]! * zPrime[i]! + dt[i]!;
        hPrime = zPrime;
      }
      result.gradT = sumOverRegion(hPrime, shape, region);
    }
    return result;
  }

  dispose(): void {
    for (const op of this.#ops) op.dispose();
  }
}

/** Per-sample sums of an NHWC feature map over a window of positions. */
function sumOverRegion(values: Float32Array, shape: Shape4, region: Region): Float64Array {
  const { top, left, height, width } = region;
  if (top < 0 || left < 0 || height < 0 || width < 0 || top + height > shape.h || left + width > shape.w) {
    throw new GncError('invalid-argument', `FoE: region ${JSON.stringify(region)} lies outside the ${shape.h}×${shape.w} image`);
  }
  const c = values.length / (shape.n * shape.h * shape.w);
  const out = new Float64Array(shape.n);
  for (let b = 0; b < shape.n; b++) {
    let s = 0;
    for (let y = top; y < top + height; y++) {
      const start = ((b * shape.h + y) * shape.w + left) * c;
      const end = start + width * c;
      for (let i = start; i < end; i++) s += values[i]!;
    }
    out[b] = s;
  }
  return out;
}
