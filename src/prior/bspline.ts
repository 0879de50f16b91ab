/**
 * The centred quartic cardinal B-spline B(u) (support [-2.5, 2.5], C³) and its
 * first three derivatives. Breaks at |u| = 0.5, 1.5, 2.5.
 *
 *   |u| ≤ 0.5:        115/192 − 5/8 u² + 1/4 u⁴
 *   0.5 ≤ |u| ≤ 1.5:  (55 + 20|u| − 120u² + 80|u|³ − 16u⁴) / 96
 *   1.5 ≤ |u| ≤ 2.5:  (5 − 2|u|)⁴ / 384
 *
 * These scalar functions are the reference; the hot loops in `spline2d.ts`
 * inline the same pieces on whole arrays.
 */

export const SUPPORT_RADIUS = 2.5;

export function bspline(u: number): number {
  const a = Math.abs(u);
  if (a <= 0.5) {
    const u2 = u * u;
    return 115 / 192 - (5 / 8) * u2 + 0.25 * u2 * u2;
  }
  if (a <= 1.5) {
    const a2 = a * a;
    return (55 + 20 * a - 120 * a2 + 80 * a2 * a - 16 * a2 * a2) / 96;
  }
  if (a < 2.5) {
    const d = 5 - 2 * a;
    const d2 = d * d;
    return (d2 * d2) / 384;
  }
  return 0;
}

/** B'(u). */
export function bsplineD1(u: number): number {
  const a = Math.abs(u);
  const s = u < 0 ? -1 : 1;
  if (a <= 0.5) return -(5 / 4) * u + u * u * u;
  if (a <= 1.5) return (s * (20 - 240 * a + 240 * a * a - 64 * a * a * a)) / 96;
  if (a < 2.5) {
    const d = 5 - 2 * a;
    return (-s * 8 * d * d * d) / 384;
  }
  return 0;
}

/** B''(u). */
export function bsplineD2(u: number): number {
  const a = Math.abs(u);
  if (a <= 0.5) return -5 / 4 + 3 * u * u;
  if (a <= 1.5) return (-240 + 480 * a - 192 * a * a) / 96;
  if (a < 2.5) {
    const d = 5 - 2 * a;
    return (48 * d * d) / 384;
  }
  return 0;
}

/** B'''(u), used only to test C³ smoothness at the breaks. */
export function bsplineD3(u: number): number {
  const a = Math.abs(u);
  const s = u < 0 ? -1 : 1;
  if (a <= 0.5) return 6 * u;
  if (a <= 1.5) return (s * (480 - 384 * a)) / 96;
  if (a < 2.5) return (-s * 192 * (5 - 2 * a)) / 384;
  return 0;
}
