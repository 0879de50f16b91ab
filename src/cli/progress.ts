/**
 * A one-line progress bar on stderr for terminals: step, σ, PSNR, rate and
 * ETA, redrawn at most every 100 ms. Silent when stderr is not a terminal
 * unless forced, so pipes and --json stay clean.
 */
export interface ProgressLine {
  update(done: number, total: number, fields?: Record<string, string | undefined>): void;
  finish(message?: string): void;
}

export function progressBar(label: string, enabled = process.stderr.isTTY === true): ProgressLine {
  const started = performance.now();
  let last = 0;
  let drawn = false;
  const stream = process.stderr;
  return {
    update(done, total, fields = {}) {
      if (!enabled) return;
      const now = performance.now();
      if (done < total && now - last < 100) return;
      last = now;
      const width = 24;
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(width * fraction);
      const elapsed = (now - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : undefined;
      const extra = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k} ${v}`)
        .join('  ');
      const line =
        `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}` +
        `${extra ? `  ${extra}` : ''}  ${formatSeconds(elapsed)}${eta !== undefined && done < total ? `  ETA ${formatSeconds(eta)}` : ''}`;
      stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
      drawn = true;
    },
    finish(message) {
      if (!enabled) return;
      if (drawn) stream.write('\r\x1b[K');
      if (message) stream.write(`${message}\n`);
    },
  };
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s - 60 * m).toString().padStart(2, '0')}s`;
}
