/**
 * Test page for tests/e2e/webgpu.test.ts: the app's own WebGPU client and
 * worker (renderer/src/lib/gpu), driven from the test through window.gncGpu.
 * Arrays cross page.evaluate as plain number arrays.
 */
import { GpuClient, probeWebGpu, type GpuLike } from '../../../renderer/src/lib/gpu/client.js';
import type { GpuShape } from '../../../renderer/src/lib/gpu/protocol.js';

export interface HarnessRun {
  shape: GpuShape;
  x: number[];
  /** σ values at which to evaluate ∇ₓR. */
  gradientSigmas: number[];
  /** A denoising solve of x as the noisy image. */
  solve: { s: number; sigmas: number[]; stepScales: number[] };
}

export interface HarnessResult {
  adapter: unknown;
  model: { id: string; name: string };
  gradients: number[][];
  solved: number[];
  progress: number[];
}

async function run(args: HarnessRun): Promise<HarnessResult> {
  const client = GpuClient.spawn();
  try {
    const adapter = await client.start();
    const bytes = new Uint8Array(await (await fetch('./model.gncm')).arrayBuffer());
    const model = await client.loadModel(bytes);
    const gradients: number[][] = [];
    for (const sigma of args.gradientSigmas) {
      gradients.push(Array.from(await client.gradient(model.id, args.shape, Float32Array.from(args.x), sigma)));
    }
    const progress: number[] = [];
    const solved = await client.solve(
      { modelId: model.id, task: 'denoise', shape: args.shape, z: Float32Array.from(args.x), s: args.solve.s, sigmas: args.solve.sigmas, stepScales: args.solve.stepScales },
      { onProgress: (p) => progress.push(p.step) },
    );
    return { adapter, model: { id: model.id, name: model.name }, gradients, solved: Array.from(solved.x), progress };
  } finally {
    client.terminate();
  }
}

(window as unknown as { gncGpu: unknown }).gncGpu = {
  probe: () => probeWebGpu((navigator as unknown as { gpu?: GpuLike }).gpu),
  run,
  /** A model file that fails its checksum: the worker must refuse it with the engine's message. */
  async corrupt(): Promise<{ kind: string; message: string }> {
    const client = GpuClient.spawn();
    try {
      await client.start();
      const bytes = new Uint8Array(await (await fetch('./model.gncm')).arrayBuffer());
      bytes[bytes.length - 5]! ^= 0xff;
      await client.loadModel(bytes);
      return { kind: 'none', message: 'loaded' };
    } catch (err) {
      return { kind: (err as { kind?: string }).kind ?? 'unknown', message: (err as Error).message };
    } finally {
      client.terminate();
    }
  },
};
document.body.dataset.ready = 'true';
