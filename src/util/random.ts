/**
 * Seeded randomness for everything that must be repeatable (noise for
 * benchmarks, masks, initialisation, training): the same seed gives the same
 * stream on every machine, which Math.random cannot promise.
 */
import { checkInteger, invalidArgument } from './errors.js';

/** splitmix32: spreads a seed over the generator's state so nearby seeds give unrelated streams. */
function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** (Blackman & Vigna): small, fast, and statistically sound for simulation. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  /** `seed` is any safe integer; its high and low 32 bits both matter. */
  constructor(seed: number) {
    checkInteger('seed', seed, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const low = seed >>> 0;
    const high = Math.floor(seed / 2 ** 32) >>> 0;
    const mix = splitmix32(low ^ Math.imul(high, 0x27d4eb2f));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal N(0, 1) by the Marsaglia polar method; the second variate of each pair is kept for the next call. */
  gaussian(): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return z;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /**
   * The generator's whole state, JSON-serialisable: the four xoshiro words as
   * unsigned 32-bit integers, then the cached spare Gaussian as a fifth number
   * when one is held. `Prng.fromState` of it continues the stream bit for bit.
   */
  getState(): number[] {
    const state = [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
    if (this.spare !== undefined) state.push(this.spare);
    return state;
  }

  /** A generator that continues exactly where the one whose `getState()` gave `state` stood. */
  static fromState(state: readonly number[]): Prng {
    const expected = 'a generator state from Prng.getState(): 4 unsigned 32-bit integers, not all 0, and optionally a finite spare Gaussian';
    if (!Array.isArray(state) || (state.length !== 4 && state.length !== 5)) throw invalidArgument('the generator state', expected, state);
    for (let i = 0; i < 4; i++) {
      const w = state[i];
      if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 0xffffffff) throw invalidArgument('the generator state', expected, state);
    }
    if ((state[0]! | state[1]! | state[2]! | state[3]!) === 0) throw invalidArgument('the generator state', expected, state);
    if (state.length === 5 && (typeof state[4] !== 'number' || !Number.isFinite(state[4]))) {
      throw invalidArgument('the generator state', expected, state);
    }
    const rng = new Prng(0);
    // The arithmetic above works on the words through ToInt32, so unsigned and signed forms behave alike.
    rng.a = state[0]! | 0;
    rng.b = state[1]! | 0;
    rng.c = state[2]! | 0;
    rng.d = state[3]! | 0;
    rng.spare = state.length === 5 ? state[4] : undefined;
    return rng;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
