/**
 * The page side of the WebGPU path without a GPU: the probe's answers, the
 * client's RPC (sequence ids, progress, errors with their kind, cancel on
 * abort, a dead worker failing every call) against a fake worker, and the
 * request checks the worker applies.
 */
import { describe, expect, it } from 'vitest';
import { GpuClient, probeWebGpu, type WorkerLike } from '../../renderer/src/lib/gpu/client.js';
import { checkSolveRequest } from '../../renderer/src/lib/gpu/checks.js';
import type { GpuRequest, GpuResponse, GpuSolveRequest } from '../../renderer/src/lib/gpu/protocol.js';

class FakeWorker implements WorkerLike {
  onmessage: ((event: MessageEvent<GpuResponse>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  sent: Array<{ message: GpuRequest; transfer: Transferable[] }> = [];
  terminated = false;
  postMessage(message: GpuRequest, transfer: Transferable[] = []): void {
    this.sent.push({ message, transfer });
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(message: GpuResponse): void {
    this.onmessage?.({ data: message } as MessageEvent<GpuResponse>);
  }
}

const ID = 'a'.repeat(64);
const solveRequest = (over: Partial<GpuSolveRequest> = {}): GpuSolveRequest => ({
  modelId: ID,
  task: 'denoise',
  shape: { n: 1, h: 2, w: 2, c: 1 },
  z: new Float32Array([0.1, 0.2, 0.3, 0.4]),
  s: 0.1,
  sigmas: [0.3, 0.1],
  stepScales: [1, 1],
  ...over,
});

describe('WebGPU probe', () => {
  it('says why when there is no WebGPU or no adapter, and describes an adapter', async () => {
    expect(await probeWebGpu(undefined)).toEqual({ available: false, reason: expect.stringMatching(/navigator\.gpu is missing/) });
    expect(await probeWebGpu({ requestAdapter: async () => null })).toEqual({ available: false, reason: expect.stringMatching(/no adapter/) });
    expect(await probeWebGpu({ requestAdapter: async () => Promise.reject(new Error('denied')) })).toEqual({ available: false, reason: expect.stringMatching(/denied/) });
    expect(await probeWebGpu({ requestAdapter: async () => ({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } }) })).toEqual({
      available: true,
      vendor: 'google',
      architecture: 'swiftshader',
      isFallbackAdapter: true,
    });
  });
});

describe('WebGPU client', () => {
  it('matches replies to calls by id, reports progress and transfers the image', async () => {
    const worker = new FakeWorker();
    const client = new GpuClient(worker);
    const steps: number[] = [];
    const request = solveRequest();
    const z = request.z;
    const solving = client.solve(request, { onProgress: (p) => steps.push(p.step) });
    const started = client.start();
    const [solve, start] = worker.sent;
    expect(solve!.message).toMatchObject({ type: 'solve', id: 1, task: 'denoise' });
    expect(solve!.transfer).toEqual([z.buffer]);
    expect(start!.message).toEqual({ type: 'start', id: 2 });
    worker.reply({ type: 'result', id: 2, value: { backend: 'webgpu' } });
    expect(await started).toEqual({ backend: 'webgpu' });
    worker.reply({ type: 'progress', id: 1, step: 1, steps: 2, sigma: 0.3 });
    worker.reply({ type: 'progress', id: 1, step: 2, steps: 2, sigma: 0.1 });
    const x = new Float32Array(4);
    worker.reply({ type: 'result', id: 1, value: { x, seconds: 0.5, steps: 2 } });
    expect(await solving).toEqual({ x, seconds: 0.5, steps: 2 });
    expect(steps).toEqual([1, 2]);
  });

  it('rethrows worker errors with their kind and posts a cancel when the signal aborts', async () => {
    const worker = new FakeWorker();
    const client = new GpuClient(worker);
    const controller = new AbortController();
    const solving = client.solve(solveRequest(), { signal: controller.signal });
    controller.abort();
    expect(worker.sent[1]!.message).toEqual({ type: 'cancel', id: 1 });
    worker.reply({ type: 'error', id: 1, error: { kind: 'cancelled', message: 'The GNC flow was cancelled' } });
    await expect(solving).rejects.toMatchObject({ name: 'EngineError', kind: 'cancelled', message: 'The GNC flow was cancelled' });
    await expect(client.solve(solveRequest(), { signal: controller.signal })).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('fails every pending and later call once the worker dies', async () => {
    const worker = new FakeWorker();
    const client = new GpuClient(worker);
    const pending = client.start();
    worker.onerror?.({ message: 'SyntaxError in worker' } as ErrorEvent);
    await expect(pending).rejects.toMatchObject({ kind: 'backend', message: expect.stringMatching(/SyntaxError in worker/) });
    await expect(client.loadModel(new Uint8Array(4))).rejects.toMatchObject({ kind: 'backend' });
    client.terminate();
    expect(worker.terminated).toBe(true);
  });
});

describe('WebGPU request checks', () => {
  it('accepts a well-formed denoise and inpaint request', () => {
    expect(() => checkSolveRequest(solveRequest())).not.toThrow();
    expect(() => checkSolveRequest(solveRequest({ task: 'inpaint', s: undefined, mask: new Float32Array([1, 0, 1, 1]) }))).not.toThrow();
  });

  it('names the parameter, what was expected and what arrived', () => {
    expect(() => checkSolveRequest(solveRequest({ z: new Float32Array(3) }))).toThrow('Expected 4 values for 1×2×2×1 for z but received "3 values"');
    expect(() => checkSolveRequest(solveRequest({ z: new Float32Array([0, Number.NaN, 0, 0]) }))).toThrow(/finite values for z but received "NaN at index 1"/);
    expect(() => checkSolveRequest(solveRequest({ stepScales: [1] }))).toThrow(/one step scale per σ \(2\) for stepScales/);
    expect(() => checkSolveRequest(solveRequest({ sigmas: [0.3, 0] }))).toThrow(/sigmas\[1\]/);
    expect(() => checkSolveRequest(solveRequest({ s: undefined }))).toThrow(/for s but received undefined/);
    expect(() => checkSolveRequest(solveRequest({ modelId: 'grey' }))).toThrow(/model identity/);
    expect(() => checkSolveRequest(solveRequest({ shape: { n: 1, h: 2, w: 2, c: 9 } }))).toThrow(/shape\.c/);
    expect(() => checkSolveRequest(solveRequest({ task: 'inpaint', s: undefined, mask: new Float32Array([0, 0, 0, 0]) }))).toThrow(/hides every pixel/);
    expect(() => checkSolveRequest(solveRequest({ task: 'inpaint', s: undefined, mask: new Float32Array([1, 0.5, 1, 1]) }))).toThrow(/0 or 1 but value 1 is 0.5/);
  });
});
