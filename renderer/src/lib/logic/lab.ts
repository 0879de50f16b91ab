/**
 * The Lab view's settings and its request pacing (pure, tested without the
 * DOM). The ranges match what the engine accepts (src/app/api-validate.ts).
 */
import type { ParamSpec } from './params.js';

export const LAB_PARAMS = {
  sigma0: { key: 'sigma0', label: 'σ₀ (schedule start)', min: 0.02, max: 2, step: 0.01, log: true, help: 'Smoothing the GNC flow starts from; above σ* ≈ 0.29 the first energy is convex.' },
  steps: { key: 'steps', label: 'T (steps)', min: 1, max: 500, step: 1, integer: true, log: true, help: 'Steps of the schedule from σ₀ down to σ_min = 0.01.' },
  beta: { key: 'beta', label: 'β (weight decay)', min: 0.001, max: 10, step: 0.001, log: true, help: 'Weight decay of the two-layer score network; large β leaves no hidden unit.' },
  epsilon: { key: 'epsilon', label: 'ε (Langevin step)', min: 0.0001, max: 1, step: 0.0001, log: true, help: 'Langevin step size; too large a step widens or breaks the sampled distribution.' },
} satisfies Record<string, ParamSpec>;

/** Slider moves closer together than this are one request. */
export const LAB_DEBOUNCE_MS = 250;

/**
 * Paces requests for live plots: a call waits `delayMs` and is replaced by a
 * newer call meanwhile (debounce), and an answer that arrives after a newer
 * request was sent is dropped, so a slow old answer never overwrites a newer
 * plot.
 */
export function latestOnly<A, R>(run: (args: A) => Promise<R>, done: (result: R) => void, failed: (err: unknown) => void, delayMs = LAB_DEBOUNCE_MS) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sequence = 0;
  const request = (args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const mine = ++sequence;
      run(args).then(
        (result) => mine === sequence && done(result),
        (err: unknown) => mine === sequence && failed(err),
      );
    }, delayMs);
  };
  /** Drops a waiting request and any answer still to come (the view is gone). */
  request.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    sequence++;
  };
  return request;
}
