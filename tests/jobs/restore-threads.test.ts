import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { runRestoreJob } from '../../src/jobs/restore-job.js';
import { createJobContext } from '../../src/jobs/job-context.js';
import { readImage } from '../../src/image/io.js';
import { tempDir, writeSynthetic } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-threads-');
let input: string;

/** Threads of this process (Linux), to see that a job's pool is gone after it. */
function processThreads(): number | undefined {
  if (!existsSync('/proc/self/status')) return undefined;
  const m = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : undefined;
}

beforeAll(async () => {
  input = tmp.file('colour.png');
  await writeSynthetic(input, 150, 110, 3);
});
afterAll(() => tmp.cleanup());

describe('a restore job on several threads', () => {
  it('reports the threads used, equals the one-thread result and leaves no worker threads behind', async () => {
    const ctx = () => createJobContext({ signal: new AbortController().signal, emit: () => {} });
    // The tile pool is the tfjs path's: onnxruntime (backend auto/onnx) threads inside each tile instead.
    const common = { kind: 'denoise' as const, input, addNoise: 20, settings: { steps: 3 }, tile: 64, traceEnergy: true, backend: 'wasm' as const };
    const one = await runRestoreJob({ ...common, outputs: [tmp.file('one.tif')], threads: 1, bitDepth: 16 }, ctx());
    const before = processThreads();
    const two = await runRestoreJob({ ...common, outputs: [tmp.file('two.tif')], threads: 2, bitDepth: 16 }, ctx());
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.peakRssMB).toBeGreaterThan(0);
    expect(two.tiles).toBe(6);
    expect(Math.abs(two.psnr! - one.psnr!)).toBeLessThan(1e-4);
    two.trace.forEach((t, i) => expect(Math.abs(t.energy! - one.trace[i]!.energy!)).toBeLessThan(1e-5 * Math.abs(t.energy!) + 1e-3));
    const a = await readImage(tmp.file('one.tif'));
    const b = await readImage(tmp.file('two.tif'));
    let worst = 0;
    for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
    expect(worst).toBeLessThanOrEqual(1 / 65535);
    if (before !== undefined) expect(processThreads()!).toBeLessThanOrEqual(before);
  }, 120_000);

  it('uses no more threads than there are work items', async () => {
    const ctx = createJobContext({ signal: new AbortController().signal, emit: () => {} });
    const result = await runRestoreJob({ kind: 'denoise', input, addNoise: 20, settings: { steps: 1 }, threads: 8, traceEnergy: false, backend: 'wasm' }, ctx);
    // One tile per plane (the default tile covers the image): three work items,
    // then evaluated on the pool's smaller tiles.
    expect(result.threads).toBe(3);
    expect(result.tile).toBe(192);
  }, 120_000);
});
