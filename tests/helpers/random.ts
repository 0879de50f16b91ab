/** A tiny seeded uniform generator for test data (tests must be repeatable). */
export function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(seed: number, n: number, scale = 1): Float32Array {
  const r = mulberry(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}
