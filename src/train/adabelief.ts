/**
 * AdaBelief (Zhuang et al., NeurIPS 2020, "AdaBelief Optimizer: Adapting
 * Stepsizes by the Belief in Observed Gradients") on plain Float32Array
 * parameter groups — the optimiser of method.md §3.
 *
 * Per element, with gradient g at step t = 1, 2, …:
 *
 *   m ← β1 m + (1 − β1) g
 *   s ← β2 s + (1 − β2)(g − m)² + ε        (m already updated, as in the paper)
 *   m̂ = m / (1 − β1ᵗ),  ŝ = s / (1 − β2ᵗ)
 *   θ ← θ (1 − lr·λ) − lr · m̂ / (√ŝ + ε)   (λ: optional decoupled weight decay)
 *
 * ε convention: that of the authors' reference implementation
 * (adabelief-pytorch ≥ 0.1, `eps=1e-16`). ε enters twice: it is added to s
 * *inside* the stored second moment at every step (so s ≥ ε > 0 and never
 * underflows to 0 for a constant gradient, where g − m → 0), and once more
 * outside the square root. Because ε sits under the square root, 1e-16 plays
 * the role of Adam's 1e-8; using Adam's 1e-8 here would mean an effective
 * floor of 1e-4 on √ŝ and visibly damp small-gradient parameters. Decoupled
 * weight decay is applied as in the reference's `weight_decouple=True`
 * (AdamW style: θ ← θ(1 − lr·λ), independent of the adaptive step).
 * The reference's optional rectification (RAdam) and AMSGrad variants are not
 * implemented.
 *
 * Determinism: moments are Float64Array; every update is computed in float64
 * and rounded to float32 once, when stored in the parameter. β^t is recomputed
 * from the step count, so `state()` + `AdaBelief.restore()` continues a run
 * bit for bit.
 */
import { GncError, checkInteger, checkNumber, invalidArgument } from '../util/errors.js';

/** Parameter groups: an array (groups named "0", "1", …) or a record of named groups. */
export type ParamGroups = Float32Array[] | Record<string, Float32Array>;

/** Gradients: same layout as the parameters (an array in group order is accepted for both). */
export type GradGroups = (Float32Array | Float64Array)[] | Record<string, Float32Array | Float64Array>;

/** Called after each step with the updated parameters of one group; may modify them in place. */
export type ProjectionHook = (weights: Float32Array, group: string) => void;

export interface AdaBeliefOptions {
  /** First-moment decay, in [0, 1). Default 0.9. (β1 = 0 makes g − m ≡ 0, so ŝ ≈ ε: avoid it.) */
  beta1?: number;
  /** Second-moment ("belief") decay, in [0, 1). Default 0.999. */
  beta2?: number;
  /** ε of the reference implementation (see the module comment). Default 1e-16. */
  eps?: number;
  /**
   * Decoupled weight decay λ ≥ 0: one number for every group, or per group
   * (groups not named get 0). Default 0.
   */
  weightDecay?: number | Record<string, number>;
  /** Projection applied after every step: one hook for every group, or per group. */
  project?: ProjectionHook | Record<string, ProjectionHook>;
}

/** Options for `restore`: hyper-parameters come from the state; passing them is allowed only if they agree. */
export type AdaBeliefRestoreOptions = AdaBeliefOptions;

/** Snapshot of the optimiser (not of the parameters, which the caller checkpoints itself). */
export interface AdaBeliefState {
  format: 'adabelief';
  version: 1;
  /** Number of steps taken. */
  step: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Group names in order. */
  groups: string[];
  /** Decoupled weight decay per group, in `groups` order. */
  weightDecay: number[];
  /** First moments per group (copies). */
  m: Float64Array[];
  /** Second moments per group (copies). */
  s: Float64Array[];
}

/** `AdaBeliefState` with plain number arrays instead of typed arrays: safe for JSON.stringify. */
export interface AdaBeliefStateJSON extends Omit<AdaBeliefState, 'm' | 's'> {
  m: number[][];
  s: number[][];
}

const DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-16 } as const;

function groupEntries(params: ParamGroups): [string, Float32Array][] {
  if (params == null || typeof params !== 'object') {
    throw invalidArgument('params', 'an array or record of Float32Array parameter groups', params);
  }
  const entries: [string, Float32Array][] = Array.isArray(params)
    ? params.map((p, i) => [String(i), p])
    : Object.entries(params);
  if (entries.length === 0) throw invalidArgument('params', 'at least one parameter group', params);
  for (const [name, p] of entries) {
    if (!(p instanceof Float32Array)) {
      throw invalidArgument(`parameter group "${name}"`, 'a Float32Array', Object.prototype.toString.call(p));
    }
  }
  return entries;
}

function perGroup<T>(
  what: string,
  value: T | Record<string, T> | undefined,
  names: string[],
  isScalar: (v: unknown) => v is T,
): (T | undefined)[] {
  if (value === undefined) return names.map(() => undefined);
  if (isScalar(value)) return names.map(() => value);
  if (value === null || typeof value !== 'object') throw invalidArgument(what, 'a value or a record keyed by group name', value);
  const rec = value as Record<string, T>;
  for (const key of Object.keys(rec)) {
    if (!names.includes(key)) {
      throw invalidArgument(`${what} key`, `one of the parameter groups [${names.join(', ')}]`, key);
    }
  }
  return names.map((n) => rec[n]);
}

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isFunction = (v: unknown): v is ProjectionHook => typeof v === 'function';

export class AdaBelief {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly names: string[];
  private readonly params: Float32Array[];
  private readonly decay: number[];
  private readonly hooks: (ProjectionHook | undefined)[];
  private readonly m: Float64Array[];
  private readonly s: Float64Array[];
  private t = 0;

  constructor(params: ParamGroups, options: AdaBeliefOptions = {}) {
    const entries = groupEntries(params);
    this.names = entries.map(([n]) => n);
    this.params = entries.map(([, p]) => p);
    this.beta1 = checkNumber('beta1', options.beta1 ?? DEFAULTS.beta1, 0, 1);
    if (this.beta1 >= 1) throw invalidArgument('beta1', 'a number in [0, 1)', this.beta1);
    this.beta2 = checkNumber('beta2', options.beta2 ?? DEFAULTS.beta2, 0, 1);
    if (this.beta2 >= 1) throw invalidArgument('beta2', 'a number in [0, 1)', this.beta2);
    this.eps = checkNumber('eps', options.eps ?? DEFAULTS.eps, Number.MIN_VALUE, 1);
    this.decay = perGroup('weightDecay', options.weightDecay, this.names, isNumber).map((d, i) =>
      d === undefined ? 0 : checkNumber(`weightDecay for group "${this.names[i]}"`, d, 0, Number.MAX_VALUE),
    );
    this.hooks = perGroup('project', options.project, this.names, isFunction).map((h, i) => {
      if (h !== undefined && typeof h !== 'function') {
        throw invalidArgument(`project hook for group "${this.names[i]}"`, 'a function', h);
      }
      return h;
    });
    this.m = this.params.map((p) => new Float64Array(p.length));
    this.s = this.params.map((p) => new Float64Array(p.length));
  }

  /** Number of steps taken so far (t of the bias correction for the last step). */
  get stepCount(): number {
    return this.t;
  }

  /** Group names in order ("0", "1", … for array parameters). */
  get groupNames(): readonly string[] {
    return this.names;
  }

  /**
   * One AdaBelief update of every group with learning rate `lr`.
   * All gradients are validated (presence, length, finiteness) before anything
   * changes, so a throwing step leaves parameters and moments untouched.
   * Projection hooks run afterwards, in group order.
   */
  step(grads: GradGroups, lr: number): void {
    checkNumber('lr', lr, 0, Number.MAX_VALUE);
    const g = this.resolveGrads(grads);

    const t = this.t + 1;
    const { beta1, beta2, eps } = this;
    const bc1 = 1 - Math.pow(beta1, t);
    const bc2 = 1 - Math.pow(beta2, t);
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k]!;
      const gk = g[k]!;
      const m = this.m[k]!;
      const s = this.s[k]!;
      const shrink = 1 - lr * this.decay[k]!;
      for (let i = 0; i < p.length; i++) {
        const gi = gk[i]!;
        const mi = beta1 * m[i]! + c1 * gi;
        const r = gi - mi;
        const si = beta2 * s[i]! + c2 * r * r + eps;
        m[i] = mi;
        s[i] = si;
        const mHat = mi / bc1;
        const sHat = si / bc2;
        p[i] = p[i]! * shrink - (lr * mHat) / (Math.sqrt(sHat) + eps);
      }
    }
    this.t = t;
    for (let k = 0; k < this.params.length; k++) this.hooks[k]?.(this.params[k]!, this.names[k]!);
  }

  /** A copy of the optimiser state (moments are copied, so later steps do not change it). */
  state(): AdaBeliefState {
    return {
      format: 'adabelief',
      version: 1,
      step: this.t,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      groups: [...this.names],
      weightDecay: [...this.decay],
      m: this.m.map((a) => a.slice()),
      s: this.s.map((a) => a.slice()),
    };
  }

  /**
   * An optimiser over `params` that continues from `state` exactly. Group names
   * and sizes must match the state. β1, β2, ε and the weight decay are taken
   * from the state; if `options` gives them too they must agree (a silent
   * change would break bit-exact resumption). Projection hooks are not
   * serialisable and come from `options`.
   */
  static restore(
    params: ParamGroups,
    state: AdaBeliefState | AdaBeliefStateJSON,
    options: AdaBeliefRestoreOptions = {},
  ): AdaBelief {
    if (state == null || typeof state !== 'object' || state.format !== 'adabelief') {
      throw invalidArgument('state', 'an AdaBelief state (format "adabelief")', state);
    }
    if (state.version !== 1) throw invalidArgument('state.version', 'version 1', state.version);
    checkInteger('state.step', state.step, 0, Number.MAX_SAFE_INTEGER);
    const names = groupEntries(params).map(([n]) => n);
    if (!Array.isArray(state.groups) || state.groups.length !== names.length || state.groups.some((n) => !names.includes(n))) {
      throw new GncError(
        'invalid-argument',
        `AdaBelief state has parameter groups [${String(state.groups)}] but the parameters have [${names.join(', ')}]`,
      );
    }
    for (const key of ['beta1', 'beta2', 'eps'] as const) {
      if (options[key] !== undefined && options[key] !== state[key]) {
        throw invalidArgument(`${key} option`, `the checkpoint's value ${state[key]} (or no value)`, options[key]);
      }
    }
    if (!Array.isArray(state.weightDecay) || state.weightDecay.length !== state.groups.length) {
      throw invalidArgument('state.weightDecay', `an array of ${state.groups.length} numbers`, state.weightDecay);
    }
    if (!Array.isArray(state.m) || !Array.isArray(state.s)) {
      throw invalidArgument('state.m / state.s', 'arrays of moment buffers, one per group', typeof state.m);
    }
    const decayOf = new Map(state.groups.map((n, i) => [n, state.weightDecay[i]]));
    const opt = new AdaBelief(params, {
      beta1: state.beta1,
      beta2: state.beta2,
      eps: state.eps,
      weightDecay: Object.fromEntries(names.map((n) => [n, decayOf.get(n) ?? NaN])),
      ...(options.project !== undefined ? { project: options.project } : {}),
    });
    if (options.weightDecay !== undefined) {
      const wanted = perGroup('weightDecay', options.weightDecay, names, isNumber).map((d) => d ?? 0);
      wanted.forEach((d, i) => {
        if (d !== opt.decay[i]) {
          throw invalidArgument(`weightDecay for group "${names[i]}"`, `the checkpoint's value ${opt.decay[i]} (or no value)`, d);
        }
      });
    }
    for (let k = 0; k < names.length; k++) {
      const j = state.groups.indexOf(names[k]!);
      const n = opt.params[k]!.length;
      for (const [which, src, dst] of [
        ['m', state.m[j], opt.m[k]!],
        ['s', state.s[j], opt.s[k]!],
      ] as const) {
        if (src == null || src.length !== n) {
          throw new GncError(
            'invalid-argument',
            `AdaBelief state: ${which} of group "${names[k]}" has ${src?.length ?? 'no'} elements but the parameters have ${n}`,
          );
        }
        for (let i = 0; i < n; i++) {
          const v = src[i]!;
          if (typeof v !== 'number' || !Number.isFinite(v) || (which === 's' && v < 0)) {
            throw new GncError('invalid-argument', `AdaBelief state: ${which} of group "${names[k]}" has invalid value ${v} at index ${i}`);
          }
          dst[i] = v;
        }
      }
    }
    opt.t = state.step;
    return opt;
  }

  private resolveGrads(grads: GradGroups): (Float32Array | Float64Array)[] {
    if (grads == null || typeof grads !== 'object') {
      throw invalidArgument('grads', 'an array or record of gradient arrays', grads);
    }
    if (ArrayBuffer.isView(grads)) {
      throw invalidArgument('grads', 'an array or record of gradient arrays (wrap a single group in [ ])', Object.prototype.toString.call(grads));
    }
    let list: (Float32Array | Float64Array | undefined)[];
    if (Array.isArray(grads)) {
      const arr = grads as ArrayLike<Float32Array | Float64Array>;
      if (arr.length !== this.names.length) {
        throw invalidArgument('grads', `${this.names.length} gradient groups`, `${arr.length} groups`);
      }
      list = Array.from(arr);
    } else {
      const rec = grads as Record<string, Float32Array | Float64Array>;
      for (const key of Object.keys(rec)) {
        if (!this.names.includes(key)) {
          throw new GncError(
            'invalid-argument',
            `Gradient for unknown group "${key}"; the parameter groups are [${this.names.join(', ')}]`,
          );
        }
      }
      list = this.names.map((n) => rec[n]);
    }
    return list.map((g, k) => {
      const name = this.names[k]!;
      const n = this.params[k]!.length;
      if (!(g instanceof Float32Array || g instanceof Float64Array)) {
        throw invalidArgument(`gradient of group "${name}"`, `a Float32Array or Float64Array of length ${n}`, g === undefined ? 'nothing' : Object.prototype.toString.call(g));
      }
      if (g.length !== n) {
        throw new GncError(
          'invalid-argument',
          `Gradient of group "${name}" has ${g.length} elements but the parameters have ${n}`,
        );
      }
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(g[i]!)) {
          throw new GncError(
            'invalid-argument',
            `Non-finite gradient in group "${name}": element ${i} is ${g[i]}; the step was not applied`,
          );
        }
      }
      return g;
    });
  }
}

/** Plain-array copy of a state for JSON checkpoints (float64 → JSON → float64 round-trips exactly). */
export function adaBeliefStateToJSON(state: AdaBeliefState): AdaBeliefStateJSON {
  return { ...state, groups: [...state.groups], weightDecay: [...state.weightDecay], m: state.m.map((a) => Array.from(a)), s: state.s.map((a) => Array.from(a)) };
}

/** Inverse of `adaBeliefStateToJSON` (validation happens in `AdaBelief.restore`). */
export function adaBeliefStateFromJSON(json: AdaBeliefStateJSON): AdaBeliefState {
  if (json == null || typeof json !== 'object' || !Array.isArray(json.m) || !Array.isArray(json.s)) {
    throw invalidArgument('AdaBelief state JSON', 'an object with m and s arrays', json);
  }
  return { ...json, m: json.m.map((a) => Float64Array.from(a)), s: json.s.map((a) => Float64Array.from(a)) };
}

/**
 * Removes the mean of each k×k×cin filter of convolution weights in HWIO
 * layout [k, k, cin, cout] (element (y, x, ci, co) at ((y·k + x)·cin + ci)·cout + co),
 * in place, so every filter has zero response to a constant image. Returns `weights`.
 */
export function projectZeroMean(weights: Float32Array, k: number, cin: number, cout: number): Float32Array {
  checkInteger('k', k, 1, 4096);
  checkInteger('cin', cin, 1, 1 << 20);
  checkInteger('cout', cout, 1, 1 << 20);
  if (!(weights instanceof Float32Array)) throw invalidArgument('weights', 'a Float32Array', Object.prototype.toString.call(weights));
  const perFilter = k * k * cin;
  if (weights.length !== perFilter * cout) {
    throw invalidArgument('weights', `${perFilter * cout} elements (HWIO [${k}, ${k}, ${cin}, ${cout}])`, `${weights.length} elements`);
  }
  for (let co = 0; co < cout; co++) {
    let sum = 0;
    for (let j = 0; j < perFilter; j++) sum += weights[j * cout + co]!;
    const mean = sum / perFilter;
    for (let j = 0; j < perFilter; j++) weights[j * cout + co] = weights[j * cout + co]! - mean;
  }
  return weights;
}

/** A projection hook that applies `projectZeroMean` with a fixed filter shape. */
export function zeroMeanProjection(k: number, cin: number, cout: number): ProjectionHook {
  checkInteger('k', k, 1, 4096);
  checkInteger('cin', cin, 1, 1 << 20);
  checkInteger('cout', cout, 1, 1 << 20);
  return (weights) => {
    projectZeroMean(weights, k, cin, cout);
  };
}
