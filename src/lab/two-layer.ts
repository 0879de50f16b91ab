/**
 * The two-layer score network of method.md §6 (convex paper §3.1, eq. 3),
 * s(x) = Σ_j w_j act(a_j x + b_j) + c (+ k·x with a skip connection),
 * act = ReLU or |·|, its score-matching and denoising-score-matching training
 * losses with weight decay (β/2)(‖a‖² + ‖w‖²) on the two weight layers
 * (biases and skip unpenalised), their gradients, and full-batch Adam
 * (implemented here in Float64) for the non-convex baseline.
 */
import type { Prng } from '../util/random.js';
import { checkInteger, checkNumber } from '../util/errors.js';

export type Activation = 'relu' | 'abs';

export interface TwoLayerScoreNet {
  activation: Activation;
  /** First-layer weights a_j, biases b_j and second-layer weights w_j, one per hidden unit. */
  a: Float64Array;
  b: Float64Array;
  w: Float64Array;
  /** Output bias c. */
  bias: number;
  /** Skip-connection coefficient k (0 and untrained without a skip connection). */
  skip: number;
  hasSkip: boolean;
}

/**
 * Training data. Score matching (SM) sees the samples x_i and minimises
 * (1/n) Σ ½ s(x_i)² + s'(x_i) (Hyvärinen); denoising score matching (DSM)
 * sees noisy inputs x̃_i = x_i + σ ε_i with labels y_i = −ε_i/σ and minimises
 * (1/n) Σ ½ (s(x̃_i) − y_i)² (Vincent; method.md §6).
 */
export type ScoreTrainingSet = { kind: 'sm'; x: Float64Array } | { kind: 'dsm'; x: Float64Array; y: Float64Array };

export function act(kind: Activation, u: number): number {
  return kind === 'relu' ? (u > 0 ? u : 0) : Math.abs(u);
}

/** act'(u); at the kink u = 0 it is 0, as automatic differentiation takes it. */
export function actDerivative(kind: Activation, u: number): number {
  return kind === 'relu' ? (u > 0 ? 1 : 0) : Math.sign(u);
}

export function score(net: TwoLayerScoreNet, x: number): number {
  let s = net.bias + net.skip * x;
  for (let j = 0; j < net.a.length; j++) s += net.w[j]! * act(net.activation, net.a[j]! * x + net.b[j]!);
  return s;
}

/** ds/dx. */
export function scoreDerivative(net: TwoLayerScoreNet, x: number): number {
  let s = net.skip;
  for (let j = 0; j < net.a.length; j++) s += net.w[j]! * net.a[j]! * actDerivative(net.activation, net.a[j]! * x + net.b[j]!);
  return s;
}

/** Number of trainable parameters: a, b, w, the output bias, and the skip coefficient if present. */
export function parameterCount(net: TwoLayerScoreNet): number {
  return 3 * net.a.length + 1 + (net.hasSkip ? 1 : 0);
}

/** The parameters as one vector [a, b, w, bias, skip?], the order the gradient uses. */
export function packParameters(net: TwoLayerScoreNet): Float64Array {
  const m = net.a.length;
  const out = new Float64Array(parameterCount(net));
  out.set(net.a, 0);
  out.set(net.b, m);
  out.set(net.w, 2 * m);
  out[3 * m] = net.bias;
  if (net.hasSkip) out[3 * m + 1] = net.skip;
  return out;
}

export function unpackParameters(net: TwoLayerScoreNet, theta: Float64Array): TwoLayerScoreNet {
  const m = net.a.length;
  return {
    activation: net.activation,
    a: theta.slice(0, m),
    b: theta.slice(m, 2 * m),
    w: theta.slice(2 * m, 3 * m),
    bias: theta[3 * m]!,
    skip: net.hasSkip ? theta[3 * m + 1]! : 0,
    hasSkip: net.hasSkip,
  };
}

/** The training loss with weight decay, and its gradient in the packed parameter order. */
export function lossAndGradient(net: TwoLayerScoreNet, data: ScoreTrainingSet, beta: number): { loss: number; gradient: Float64Array } {
  const m = net.a.length;
  const n = data.x.length;
  const g = new Float64Array(parameterCount(net));
  const h = new Float64Array(m);
  const hp = new Float64Array(m);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const x = data.x[i]!;
    let s = net.bias + net.skip * x;
    for (let j = 0; j < m; j++) {
      const u = net.a[j]! * x + net.b[j]!;
      h[j] = act(net.activation, u);
      hp[j] = actDerivative(net.activation, u);
      s += net.w[j]! * h[j]!;
    }
    // r = ∂loss_i/∂s; for SM the s' term adds its own parameter derivatives below.
    let r: number;
    if (data.kind === 'sm') {
      let ds = net.skip;
      for (let j = 0; j < m; j++) ds += net.w[j]! * net.a[j]! * hp[j]!;
      loss += 0.5 * s * s + ds;
      r = s;
      // ∂s'/∂w_j = a_j act'(u), ∂s'/∂a_j = w_j act'(u) (act'' = 0 almost everywhere), ∂s'/∂k = 1.
      for (let j = 0; j < m; j++) {
        g[2 * m + j]! += net.a[j]! * hp[j]!;
        g[j]! += net.w[j]! * hp[j]!;
      }
      if (net.hasSkip) g[3 * m + 1]! += 1;
    } else {
      r = s - data.y[i]!;
      loss += 0.5 * r * r;
    }
    for (let j = 0; j < m; j++) {
      const back = r * net.w[j]! * hp[j]!;
      g[j]! += back * x;
      g[m + j]! += back;
      g[2 * m + j]! += r * h[j]!;
    }
    g[3 * m]! += r;
    if (net.hasSkip) g[3 * m + 1]! += r * x;
  }
  loss /= n;
  for (let k = 0; k < g.length; k++) g[k]! /= n;
  let decay = 0;
  for (let j = 0; j < m; j++) {
    decay += net.a[j]! * net.a[j]! + net.w[j]! * net.w[j]!;
    g[j]! += beta * net.a[j]!;
    g[2 * m + j]! += beta * net.w[j]!;
  }
  return { loss: loss + 0.5 * beta * decay, gradient: g };
}

export function trainingLoss(net: TwoLayerScoreNet, data: ScoreTrainingSet, beta: number): number {
  return lossAndGradient(net, data, beta).loss;
}

/**
 * A random network: first-layer weights N(0, 1) with kinks −b_j/a_j uniform
 * over the data's range (so every unit starts out active on part of the data),
 * second-layer weights N(0, 1/m), output bias and skip 0.
 */
export function randomNet(activation: Activation, hidden: number, hasSkip: boolean, range: [number, number], rng: Prng): TwoLayerScoreNet {
  checkInteger('hidden', hidden, 1, 100_000);
  const a = new Float64Array(hidden);
  const b = new Float64Array(hidden);
  const w = new Float64Array(hidden);
  for (let j = 0; j < hidden; j++) {
    a[j] = rng.gaussian();
    const kink = range[0] + (range[1] - range[0]) * rng.uniform();
    b[j] = -a[j]! * kink;
    w[j] = rng.gaussian() / Math.sqrt(hidden);
  }
  return { activation, a, b, w, bias: 0, skip: 0, hasSkip };
}

export interface AdamOptions {
  steps: number;
  /** Peak learning rate; it decays to 0 on a cosine so the last iterates settle. */
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Full-batch Adam (Kingma & Ba) with bias correction and cosine learning-rate
 * decay. Returns the final network and the loss before every step plus the
 * final loss (steps + 1 values).
 */
export function trainAdam(start: TwoLayerScoreNet, data: ScoreTrainingSet, beta: number, options: AdamOptions): { net: TwoLayerScoreNet; losses: Float64Array } {
  checkInteger('steps', options.steps, 1, 10_000_000);
  checkNumber('learningRate', options.learningRate, Number.MIN_VALUE, 10);
  const b1 = options.beta1 ?? 0.9;
  const b2 = options.beta2 ?? 0.999;
  const eps = options.epsilon ?? 1e-8;
  let net = start;
  const theta = packParameters(net);
  const m1 = new Float64Array(theta.length);
  const m2 = new Float64Array(theta.length);
  const losses = new Float64Array(options.steps + 1);
  for (let t = 1; t <= options.steps; t++) {
    const { loss, gradient } = lossAndGradient(net, data, beta);
    losses[t - 1] = loss;
    const lr = 0.5 * options.learningRate * (1 + Math.cos((Math.PI * (t - 1)) / options.steps));
    const c1 = 1 - Math.pow(b1, t);
    const c2 = 1 - Math.pow(b2, t);
    for (let k = 0; k < theta.length; k++) {
      const g = gradient[k]!;
      m1[k] = b1 * m1[k]! + (1 - b1) * g;
      m2[k] = b2 * m2[k]! + (1 - b2) * g * g;
      theta[k]! -= (lr * (m1[k]! / c1)) / (Math.sqrt(m2[k]! / c2) + eps);
    }
    net = unpackParameters(net, theta);
  }
  losses[options.steps] = trainingLoss(net, data, beta);
  return { net, losses };
}
