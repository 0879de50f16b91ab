/**
 * What a running job gets from whoever runs it: a cancellation signal, a
 * progress sink and a clock. The sink is throttled so that per-tile progress
 * on a big photo does not flood the message channel, while every finished
 * step (a new trace point) always gets through.
 */
import type { JobProgress } from './contract.js';

export interface JobContext {
  readonly signal: AbortSignal;
  progress(p: JobProgress): void;
  /**
   * Gives a runner that cannot receive messages while the job computes
   * synchronously (a worker thread) the chance to notice a cancel request;
   * called between tiles and steps.
   */
  poll(): void;
  /** Seconds since the job started. */
  elapsed(): number;
}

export interface JobContextOptions {
  signal: AbortSignal;
  emit: (p: JobProgress) => void;
  poll?: () => void;
  /** Least time between two progress events, unless a step finished (ms). */
  minIntervalMs?: number;
}

export function createJobContext(options: JobContextOptions): JobContext {
  const started = performance.now();
  const minInterval = options.minIntervalMs ?? 200;
  let lastSent = -Infinity;
  let lastStep: number | undefined;
  return {
    signal: options.signal,
    poll: options.poll ?? (() => {}),
    elapsed: () => (performance.now() - started) / 1000,
    progress(p) {
      const now = performance.now();
      const newStep = p.trace !== undefined && p.trace.step !== lastStep;
      if (!newStep && p.fraction < 1 && p.fraction > 0 && now - lastSent < minInterval) return;
      lastSent = now;
      if (p.trace) lastStep = p.trace.step;
      options.emit(p);
    },
  };
}
