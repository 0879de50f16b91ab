/**
 * The FoE prior of src/prior/foe.ts as an ONNX graph (method.md §2):
 *
 *   z_1 = K_1 x,  h_l = ψ_l(z_l, t),  z_{l+1} = K_{l+1} h_l,  R = ⟨1, φ_L(z_L, t)⟩
 *   ∇ₓR = K_1ᵀ(ψ'_1 ⊙ K_2ᵀ(… ⊙ K_Lᵀ φ'_L(z_L)))
 *
 * mirroring prior/conv.ts exactly: K = conv_valid ∘ pad_symmetric (half-width
 * p = ⌊k/2⌋, edge-repeating mirror as tf.mirrorPad 'symmetric'), and
 * Kᵀ = pad_symmetricᵀ ∘ conv_validᵀ, where pad_symmetricᵀ folds the mirrored
 * border back onto the image. conv_validᵀ is either a ConvTranspose or a
 * 'full' convolution with the flipped, channel-swapped kernel (both exact).
 * Measured with scripts/bench-solver-step.ts (512², 2 loaded cores): for the
 * first layer (1→48 7×7) ConvTranspose is 2–3× faster; for a 32→32 3×3 layer
 * the flipped Conv (onnxruntime's blocked NCHWc kernels) is ≈ 10–30 % faster,
 * hence the default 'mixed'.
 *
 * t enters only through the per-layer spline tables (spline-tables.ts), which
 * are graph inputs: one session serves every σ. Each forward convolution has
 * 1/Δz folded into its kernel and the knot offset in its bias, so it yields the
 * knot coordinate v directly; the spline is then Clip → Floor → one
 * GatherElements per polynomial coefficient → Horner.
 *
 * Inputs:  x [n, C, h, w] (NCHW), spline{l} [n, F_l, 9, nz_l]
 * Outputs: gradX [n, C, h, w], energy [n, h·w] (φ_L summed over channels) and/or
 *          gradT [n, h·w] (the summands of ∂ₜR, summed over channels).
 */
import { DataType } from './proto.js';
import { GraphBuilder } from './graph-builder.js';
import { TABLE_ROWS, T_ROWS, knotFrame } from './spline-tables.js';
import { layerInputChannels, type FoEArchitecture, type FoEParameters } from '../prior/foe.js';
import { knotSpacingZ } from '../prior/spline2d.js';

/** 'mixed': ConvTranspose for the first layer (few input channels), flipped Conv for the channel-mixing later ones. */
export type AdjointForm = 'conv-transpose' | 'flipped-conv' | 'mixed';

export interface FoEGraphOptions {
  gradX: boolean;
  energy: boolean;
  /** ∂ₜR by forward propagation of z' = ∂z/∂t (joint optimisation). */
  gradT?: boolean;
  adjoint?: AdjointForm;
}

export const INPUT_X = 'x';
export const OUTPUT_GRAD = 'gradX';
export const OUTPUT_ENERGY = 'energy';
export const OUTPUT_GRAD_T = 'gradT';
export const splineInput = (l: number): string => `spline${l}`;

/** HWIO [k, k, cin, cout] → OIHW [cout, cin, k, k], optionally scaled. */
function toOihw(hwio: Float32Array, k: number, cin: number, cout: number, scale = 1): Float32Array {
  const out = new Float32Array(hwio.length);
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < cin; i++)
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) out[((o * cin + i) * k + a) * k + b] = hwio[((a * k + b) * cin + i) * cout + o]! * scale;
  return out;
}

/** The adjoint's kernel as a forward conv: flipped in space, in/out swapped: [cin, cout, k, k]. */
function flippedSwapped(hwio: Float32Array, k: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(hwio.length);
  for (let i = 0; i < cin; i++)
    for (let o = 0; o < cout; o++)
      for (let a = 0; a < k; a++)
        for (let b = 0; b < k; b++) out[((i * cout + o) * k + a) * k + b] = hwio[(((k - 1 - a) * k + (k - 1 - b)) * cin + i) * cout + o]!;
  return out;
}

/** Symmetric padding by p on both spatial axes (NCHW). */
function padSymmetric(g: GraphBuilder, x: string, p: number): string {
  if (p === 0) return x;
  // For p = 1 the symmetric mirror repeats the edge pixel: that is Pad's 'edge' mode.
  if (p === 1) return g.op('Pad', [x, g.ints([0, 0, 1, 1, 0, 0, 1, 1])], { mode: 'edge' });
  let y = x;
  for (const axis of [2, 3]) y = g.op('Concat', [g.reversedHead(y, axis, p), y, g.reversedTail(y, axis, p)], { axis });
  return y;
}

/**
 * The adjoint of padSymmetric: folds the p mirrored rows/columns on each side
 * back onto the p image rows/columns they copied (needs an image side > 2p).
 */
function foldSymmetric(g: GraphBuilder, y: string, p: number): string {
  if (p === 0) return y;
  let out = y;
  for (const axis of [2, 3]) {
    const top = g.op('Add', [g.slice(out, axis, p, 2 * p), g.reversedHead(out, axis, p)]);
    const middle = g.slice(out, axis, 2 * p, -2 * p);
    const bottom = g.op('Add', [g.slice(out, axis, -2 * p, -p), g.reversedTail(out, axis, p)]);
    out = g.op('Concat', [top, middle, bottom], { axis });
  }
  return out;
}

interface SplineValues {
  /** [n, F, h·w] */
  f?: string;
  fz?: string;
  ft?: string;
}

/**
 * Evaluates f, ∂zf and/or ∂ₜf of one layer's splines at knot coordinates
 * v [n, F, h·w]: one interval lookup, then one gather per coefficient.
 */
function splineAt(
  g: GraphBuilder,
  v: string,
  table: string,
  frame: { lo: number; hi: number; dz: number },
  want: { f: boolean; fz: boolean; ft: boolean },
): SplineValues {
  const vc = g.op('Clip', [v, g.scalar(frame.lo), g.scalar(frame.hi)]);
  const k = g.op('Floor', [vc]);
  const s = g.op('Sub', [vc, k], undefined, 's');
  const idx = g.op('Cast', [k], { to: DataType.INT32 }, 'idx');
  const coeff = (row: number): string =>
    g.op('GatherElements', [g.op('Gather', [table, g.ints([row], [])], { axis: 2 }), idx], { axis: 2 }, `c${row}`);
  const horner = (first: number, count: number): string => {
    let acc = coeff(first + count - 1);
    for (let j = count - 2; j >= 0; j--) acc = g.op('Add', [g.op('Mul', [acc, s]), coeff(first + j)]);
    return acc;
  };
  // Linear continuation beyond ±zMax: f(z) = f(zc) + ∂zf(zc)·(z − zc), z − zc = (v − vc)·Δz.
  let over: string | undefined;
  const continued = (first: number, slope: string): string => {
    over ??= g.op('Mul', [g.op('Sub', [v, vc]), g.scalar(frame.dz)]);
    return g.op('Add', [horner(first, 5), g.op('Mul', [slope, over])]);
  };
  const out: SplineValues = {};
  if (want.fz || want.f) out.fz = horner(5, 4);
  if (want.f) out.f = continued(0, out.fz!);
  if (want.ft) out.ft = continued(T_ROWS, horner(T_ROWS + 5, 4));
  if (!want.fz) delete out.fz;
  return out;
}

/** Builds the serialised ONNX model of ∇ₓR and/or R for one FoE prior. */
export function buildFoEGraph(arch: FoEArchitecture, params: FoEParameters, options: FoEGraphOptions): Uint8Array {
  const g = new GraphBuilder();
  const L = arch.layers.length;
  const adjointForm = options.adjoint ?? 'mixed';
  const x = g.input(INPUT_X, DataType.FLOAT, ['n', arch.inChannels, 'h', 'w']);
  const tables = arch.layers.map((layer, l) => g.input(splineInput(l), DataType.FLOAT, ['n', layer.features, TABLE_ROWS, layer.spline.nz]));
  const flat = g.ints([0, 0, -1]);

  const shapes: string[] = [];
  const slopes: string[] = [];
  let h = x;
  let lastF: string | undefined;
  // Forward mode along t (method.md §2, as FoEPrior): h'_1 = ∂tψ_1, z'_{l+1} = K_{l+1} h'_l,
  // h'_l = ∂zψ_l·z'_l + ∂tψ_l; ∂tR = Σ h'_L with ψ_L = φ_L.
  let hPrime: string | undefined;
  for (let l = 0; l < L; l++) {
    const layer = arch.layers[l]!;
    const k = layer.kernelSize;
    const cin = layerInputChannels(arch, l);
    const frame = knotFrame(layer.spline);
    const kernel = g.floats(toOihw(params.kernels[l]!, k, cin, layer.features, frame.inv), [layer.features, cin, k, k], `k${l}`);
    const bias = g.floats(new Float32Array(layer.features).fill(frame.offset), [layer.features], `b${l}`);
    const v4 = g.op('Conv', [padSymmetric(g, h, (k - 1) / 2), kernel, bias], { kernel_shape: [k, k] }, `v${l}`);
    shapes.push(g.op('Shape', [v4]));
    const v = g.op('Reshape', [v4, flat]);
    const last = l === L - 1;
    const gradT = !!options.gradT;
    const values = splineAt(g, v, tables[l]!, { lo: frame.lo, hi: frame.hi, dz: knotSpacingZ(layer.spline) }, {
      f: !last || options.energy,
      fz: !last || options.gradX || (gradT && l > 0),
      ft: gradT,
    });
    if (values.fz) slopes.push(values.fz);
    if (gradT) {
      if (l === 0) hPrime = values.ft!;
      else {
        const hp4 = g.op('Reshape', [hPrime!, shapes[l - 1]!]);
        const plain = g.floats(toOihw(params.kernels[l]!, k, cin, layer.features), [layer.features, cin, k, k], `kp${l}`);
        const zPrime = g.op('Reshape', [g.op('Conv', [padSymmetric(g, hp4, (k - 1) / 2), plain], { kernel_shape: [k, k] }), flat]);
        hPrime = g.op('Add', [g.op('Mul', [values.fz!, zPrime]), values.ft!]);
      }
    }
    if (last) lastF = values.f;
    else h = g.op('Reshape', [values.f!, shapes[l]!], undefined, `h${l}`);
  }

  if (options.gradT) g.output(OUTPUT_GRAD_T, g.op('ReduceSum', [hPrime!, g.ints([1])], { keepdims: 0 }), DataType.FLOAT, ['n', 'hw']);

  if (options.energy) {
    const e = g.op('ReduceSum', [lastF!, g.ints([1])], { keepdims: 0 });
    g.output(OUTPUT_ENERGY, e, DataType.FLOAT, ['n', 'hw']);
  }
  if (options.gradX) {
    const adjoint = (l: number, y: string): string => {
      const layer = arch.layers[l]!;
      const k = layer.kernelSize;
      const cin = layerInputChannels(arch, l);
      const p = (k - 1) / 2;
      const transpose = adjointForm === 'conv-transpose' || (adjointForm === 'mixed' && l === 0);
      const full =
        transpose
          ? g.op('ConvTranspose', [y, g.floats(toOihw(params.kernels[l]!, k, cin, layer.features), [layer.features, cin, k, k], `kt${l}`)], {
              kernel_shape: [k, k],
            })
          : g.op('Conv', [y, g.floats(flippedSwapped(params.kernels[l]!, k, cin, layer.features), [cin, layer.features, k, k], `kf${l}`)], {
              kernel_shape: [k, k],
              pads: [2 * p, 2 * p, 2 * p, 2 * p],
            });
      return foldSymmetric(g, full, p);
    };
    let grad = g.op('Reshape', [slopes[L - 1]!, shapes[L - 1]!]);
    for (let l = L - 1; l >= 1; l--) grad = g.op('Mul', [adjoint(l, grad), g.op('Reshape', [slopes[l - 1]!, shapes[l - 1]!])]);
    g.output(OUTPUT_GRAD, adjoint(0, grad), DataType.FLOAT, ['n', arch.inChannels, 'h', 'w']);
  }
  return g.encode('foe');
}
