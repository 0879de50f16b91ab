/**
 * The extended Fields-of-Experts prior (method.md §2) as a tfjs tensor
 * program that never leaves the device: the same R and ∇ₓR as
 * prior/foe.ts's FoEPrior, but with the spline non-linearities evaluated as
 * tensor ops too (FoEPrior evaluates them on the CPU between two convolutions,
 * which costs a download and an upload per layer, fine on wasm but the whole
 * cost on a GPU).
 *
 *   v_l = K_l h_{l−1} / Δz_l + offset_l      (knot coordinates, 1/Δz folded into the kernel)
 *   ψ_l, ∂zψ_l: clip v, k = ⌊v⌋, s = v − k, one gather per polynomial
 *   coefficient from the per-interval tables of onnx/spline-tables.ts, Horner
 *   ∇ₓR = K_1ᵀ(ψ'_1 ⊙ K_2ᵀ(… ⊙ K_Lᵀ φ'_L))
 *
 * with K = conv_valid ∘ pad_symmetric and Kᵀ = pad_symmetricᵀ ∘ conv_validᵀ
 * exactly as prior/conv.ts (the adjoint as a forward convolution of the
 * zero-padded input with the flipped, channel-swapped kernel). t = log σ
 * enters only through the tables, built on the CPU per evaluation (a few
 * thousand numbers).
 *
 * Pure tfjs-core, no Node and no engine imports: it runs on whichever tfjs
 * backend is active, the WebGPU backend in the renderer's worker
 * (renderer/src/lib/gpu) and tensorflow / wasm / cpu in Node, where the tests
 * compare it with FoEPrior.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkArchitecture, layerInputChannels, type FoEArchitecture, type FoEParameters } from '../prior/foe-architecture.js';
import { knotSpacingZ } from '../prior/spline2d.js';
import { TABLE_ROWS, fillSplineTable, knotFrame } from '../onnx/spline-tables.js';
import { GncError } from '../util/errors.js';
import { padSymmetric, padSymmetricAdjoint } from './pad.js';

export interface TensorEvaluateRequest {
  gradX?: boolean;
  energy?: boolean;
}

export interface TensorEvaluateResult {
  /** ∇ₓR, shaped like x. */
  gradX?: tf.Tensor4D;
  /** R(x, t_b) per sample. */
  energy?: tf.Tensor1D;
}

interface Layer {
  k: number;
  pad: number;
  cin: number;
  features: number;
  nz: number;
  lo: number;
  hi: number;
  dz: number;
  /** K / Δz, HWIO. */
  kernel: tf.Tensor4D;
  /** The knot offset, added after the convolution. */
  offset: number;
  /** Kᵀ as a forward kernel: flipped in space, in/out swapped, HWIO [k, k, cout, cin]. */
  flipped: tf.Tensor4D;
}

export class TensorFoE {
  readonly arch: FoEArchitecture;
  readonly params: FoEParameters;
  readonly #layers: Layer[];
  #disposed = false;

  constructor(arch: FoEArchitecture, params: FoEParameters) {
    checkArchitecture(arch);
    if (params.kernels.length !== arch.layers.length || params.splines.length !== arch.layers.length) {
      throw new GncError('invalid-model', `TensorFoE: ${arch.layers.length} layers need as many kernel and spline tensors`);
    }
    this.arch = arch;
    this.params = params;
    this.#layers = arch.layers.map((spec, l) => {
      const k = spec.kernelSize;
      const cin = layerInputChannels(arch, l);
      const weights = params.kernels[l]!;
      if (weights.length !== k * k * cin * spec.features) {
        throw new GncError('invalid-model', `TensorFoE layer ${l + 1}: expected ${k}×${k}×${cin}×${spec.features} kernel weights but found ${weights.length}`);
      }
      if (params.splines[l]!.length !== spec.features * spec.spline.nz * spec.spline.nt) {
        throw new GncError('invalid-model', `TensorFoE layer ${l + 1}: expected ${spec.features}×${spec.spline.nz}×${spec.spline.nt} spline weights but found ${params.splines[l]!.length}`);
      }
      const frame = knotFrame(spec.spline);
      const plain = tf.tensor4d(weights, [k, k, cin, spec.features]);
      const layer: Layer = {
        k,
        pad: (k - 1) / 2,
        cin,
        features: spec.features,
        nz: spec.spline.nz,
        lo: frame.lo,
        hi: frame.hi,
        dz: knotSpacingZ(spec.spline),
        kernel: tf.tidy(() => tf.mul(plain, frame.inv) as tf.Tensor4D),
        offset: frame.offset,
        flipped: tf.tidy(() => tf.transpose(tf.reverse(plain, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D),
      };
      plain.dispose();
      return layer;
    });
  }

  get layers(): number {
    return this.#layers.length;
  }

  /** The trained smoothing range of the last layer's potential, as t = log σ. */
  get tRange(): { tMin: number; tMax: number } {
    const g = this.arch.layers[this.arch.layers.length - 1]!.spline;
    return { tMin: g.tMin, tMax: g.tMax };
  }

  /**
   * R and/or ∇ₓR at x [n, h, w, C] with one t = log σ per sample. The caller
   * owns (and disposes) the returned tensors; nothing else is left behind.
   */
  evaluate(x: tf.Tensor4D, t: ArrayLike<number>, want: TensorEvaluateRequest): TensorEvaluateResult {
    if (this.#disposed) throw new GncError('invalid-argument', 'TensorFoE: evaluate after dispose');
    const [n, h, w, c] = x.shape;
    if (c !== this.arch.inChannels) {
      throw new GncError('invalid-argument', `TensorFoE: image has ${c} channels but the prior expects ${this.arch.inChannels}`);
    }
    if (t.length !== n) throw new GncError('invalid-argument', `TensorFoE: expected one t per sample (${n}) but received ${t.length}`);
    const minSide = Math.max(...this.#layers.map((l) => 2 * l.pad + 1));
    if (h < minSide || w < minSide) {
      throw new GncError('invalid-argument', `TensorFoE: image of ${w}×${h} is smaller than the prior's largest kernel (${minSide}×${minSide}), which symmetric padding needs`);
    }
    if (!want.gradX && !want.energy) return {};
    return tf.tidy(() => {
      const L = this.#layers.length;
      const slopes: tf.Tensor4D[] = [];
      let hidden: tf.Tensor4D = x;
      let energyMap: tf.Tensor4D | undefined;
      for (let l = 0; l < L; l++) {
        const layer = this.#layers[l]!;
        const last = l === L - 1;
        const v = tf.add(tf.conv2d(padSymmetric(hidden, layer.pad), layer.kernel, 1, 'valid'), layer.offset) as tf.Tensor4D;
        const needF = !last || !!want.energy;
        const needFz = !last || !!want.gradX;
        const values = this.#spline(l, v, t, needF, needFz);
        if (values.fz) slopes.push(values.fz);
        if (last) energyMap = values.f;
        else hidden = values.f!;
      }
      const out: { gradX?: tf.Tensor4D; energy?: tf.Tensor1D } = {};
      if (want.energy) out.energy = tf.sum(energyMap!, [1, 2, 3]) as tf.Tensor1D;
      if (want.gradX) {
        let g = slopes[L - 1]!;
        for (let l = L - 1; l >= 1; l--) g = tf.mul(this.#adjoint(l, g), slopes[l - 1]!) as tf.Tensor4D;
        out.gradX = this.#adjoint(0, g);
      }
      return out;
    });
  }

  /** Kᵀ y for layer l: [n, h, w, F_l] → [n, h, w, cin_l]. */
  #adjoint(l: number, y: tf.Tensor4D): tf.Tensor4D {
    const layer = this.#layers[l]!;
    const full = 2 * layer.pad;
    const padded = tf.pad(y, [[0, 0], [full, full], [full, full], [0, 0]]);
    return padSymmetricAdjoint(tf.conv2d(padded, layer.flipped, 1, 'valid'), layer.pad);
  }

  /**
   * ψ_l and/or ∂zψ_l at knot coordinates v [n, h, w, F]: the interval tables
   * of every sample's t, one gather per polynomial coefficient, Horner in s.
   * Beyond ±zMax ψ continues linearly with the boundary slope (spline2d).
   */
  #spline(l: number, v: tf.Tensor4D, t: ArrayLike<number>, needF: boolean, needFz: boolean): { f?: tf.Tensor4D; fz?: tf.Tensor4D } {
    const layer = this.#layers[l]!;
    const spec = this.arch.layers[l]!;
    const n = t.length;
    const { features: F, nz } = layer;
    const per = F * TABLE_ROWS * nz;
    const table = new Float32Array(n * per);
    for (let b = 0; b < n; b++) fillSplineTable(spec.spline, this.params.splines[l]!, F, t[b]!, table, b * per);
    // Row r of every (sample, channel) as one flat vector indexed by (b·F + c)·nz + k.
    const row = (r: number): tf.Tensor1D => {
      const flat = new Float32Array(n * F * nz);
      for (let bc = 0; bc < n * F; bc++) flat.set(table.subarray((bc * TABLE_ROWS + r) * nz, (bc * TABLE_ROWS + r + 1) * nz), bc * nz);
      return tf.tensor1d(flat);
    };
    const base = new Float32Array(n * F);
    for (let bc = 0; bc < n * F; bc++) base[bc] = bc * nz;
    const vc = tf.clipByValue(v, layer.lo, layer.hi);
    const k = tf.floor(vc);
    const s = tf.sub(vc, k);
    const idx = tf.cast(tf.add(k, tf.tensor4d(base, [n, 1, 1, F])), 'int32');
    const coeff = (r: number) => tf.gather(row(r), idx) as unknown as tf.Tensor4D;
    const horner = (first: number, count: number): tf.Tensor4D => {
      let acc = coeff(first + count - 1);
      for (let j = count - 2; j >= 0; j--) acc = tf.add(tf.mul(acc, s), coeff(first + j)) as tf.Tensor4D;
      return acc;
    };
    const fz = horner(5, 4);
    const out: { f?: tf.Tensor4D; fz?: tf.Tensor4D } = {};
    if (needFz) out.fz = fz;
    if (needF) {
      const over = tf.mul(tf.sub(v, vc), layer.dz);
      out.f = tf.add(horner(0, 5), tf.mul(fz, over)) as tf.Tensor4D;
    }
    return out;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const layer of this.#layers) {
      layer.kernel.dispose();
      layer.flipped.dispose();
    }
  }
}
