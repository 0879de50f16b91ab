// Live previews on the page's GPU, with a fake engine and a fake WebGPU
// worker: offered only where WebGPU gives an adapter (and preferred unless it
// is a software one), the engine plans and the worker solves, the model file
// crosses once, and a GPU failure sends previews back to the engine.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import App from '../../renderer/src/App.svelte';
import { GpuClient, type WebGpuProbe, type WorkerLike } from '../../renderer/src/lib/gpu/client.js';
import type { GpuRequest, GpuResponse } from '../../renderer/src/lib/gpu/protocol.js';
import type { GpuPlanRequest, GpuSolvePlan } from '../../renderer/src/lib/api/types.js';
import { FakeApi, MODEL } from './fake-api.js';

/** Answers like the real worker: an adapter, the model's identity, and x = z/2 (so the picture is known). */
class FakeGpuWorker implements WorkerLike {
  onmessage: ((event: MessageEvent<GpuResponse>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  received: GpuRequest[] = [];
  failSolve = false;
  postMessage(message: GpuRequest): void {
    this.received.push(message);
    const reply = (m: GpuResponse) => queueMicrotask(() => this.onmessage?.({ data: m } as MessageEvent<GpuResponse>));
    if (message.type === 'start') reply({ type: 'result', id: message.id, value: { backend: 'webgpu', vendor: 'test', architecture: 'fake', device: '', description: '', isFallbackAdapter: false } });
    if (message.type === 'load-model') reply({ type: 'result', id: message.id, value: { id: MODEL.id, name: MODEL.name, layers: 1, inChannels: 1 } });
    if (message.type === 'solve') {
      if (this.failSolve) return reply({ type: 'error', id: message.id, error: { kind: 'backend', message: 'GPU device lost' } });
      reply({ type: 'progress', id: message.id, step: 1, steps: message.sigmas.length, sigma: message.sigmas[0]! });
      reply({ type: 'result', id: message.id, value: { x: message.z.map((v) => v / 2), seconds: 0.25, steps: message.sigmas.length } });
    }
  }
  terminate(): void {}
}

const b64 = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64');

/** A plan for the fake photo's 64×48 crop, grey layout for simplicity: z = 0.8 everywhere, reference 0.5. */
function plan(request: GpuPlanRequest): GpuSolvePlan {
  const n = 64 * 48;
  return {
    model: { id: MODEL.id, name: MODEL.name },
    ...(request.loadedModelId === MODEL.id ? {} : { modelFile: Buffer.from('model bytes').toString('base64') }),
    method: 'gnc',
    crop: request.request.crop!,
    image: { width: 64, height: 48, channels: 1 },
    shape: { n: 1, h: 48, w: 64, c: 1 },
    z: b64(new Array(n).fill(0.8)),
    s: 0.1,
    sigmas: [0.3, 0.1],
    stepScales: [1, 1],
    sigma: 25,
    settings: { method: 'gnc', steps: 2, sigma0: 76.5, sigmaMin: 25.5, schedule: 'log', stepScale: 1, tStep: 3, dataWeight: 1 },
    reference: b64(new Array(n).fill(0.5)),
  };
}

async function openPhoto(api: FakeApi, container: HTMLElement) {
  const input = container.querySelector('input[data-testid="open-file"]') as HTMLInputElement;
  Object.defineProperty(input, 'files', { value: [new File([new Uint8Array([1])], 'photo.png', { type: 'image/png' })], configurable: true });
  await fireEvent.change(input);
  await waitFor(() => expect(api.callsOf('uploadImage')).toHaveLength(1));
}

async function moveSigma(value: string) {
  const sigma = await screen.findByLabelText('Noise level σ');
  await fireEvent.focus(sigma);
  await fireEvent.input(sigma, { target: { value } });
  await fireEvent.blur(sigma);
}

function setup(probe: WebGpuProbe) {
  const api = new FakeApi();
  api.handlers.prepareGpuSolve = (r) => plan(r as GpuPlanRequest);
  const worker = new FakeGpuWorker();
  const gpu = { probe: async () => probe, spawn: () => new GpuClient(worker) };
  const view = render(App, { props: { api, gpu } });
  return { api, worker, ...view };
}

const HARDWARE: WebGpuProbe = { available: true, vendor: 'test', architecture: 'fake', isFallbackAdapter: false };

describe('previews on the page’s GPU', () => {
  let urls = 0;
  const revoked: string[] = [];
  beforeEach(() => {
    urls = 0;
    revoked.length = 0;
    URL.createObjectURL = vi.fn(() => `blob:gpu-${++urls}`);
    URL.revokeObjectURL = vi.fn((u: string) => void revoked.push(u));
  });
  afterEach(() => vi.restoreAllMocks());

  it('runs on the GPU when WebGPU has a hardware adapter: the engine plans, the worker solves, the model crosses once', async () => {
    const { api, worker, container } = setup(HARDWARE);
    await screen.findByText('Engine connected');
    await openPhoto(api, container);
    const choice = (await screen.findByTestId('preview-backend')) as HTMLSelectElement;
    await waitFor(() => expect(choice.value).toBe('webgpu'));
    await moveSigma('30');
    await waitFor(() => expect(screen.getByTestId('preview-image').getAttribute('data-backend')).toBe('webgpu'), { timeout: 3000 });
    expect(screen.getByTestId('preview-image').getAttribute('src')).toBe('blob:gpu-1');
    expect(api.callsOf('submitJob')).toEqual([]);
    const [[first]] = api.callsOf('prepareGpuSolve') as [[GpuPlanRequest]];
    expect(first).toEqual({ request: expect.objectContaining({ kind: 'denoise', sigma: 30, record: false, crop: { x: 0, y: 0, width: 64, height: 48 } }) });
    // x = 0.4 everywhere against a reference of 0.5: PSNR = 10·log10(1 / 0.1²) = 20 dB.
    expect(screen.getByTestId('gpu-preview-figures').textContent).toMatch(/GPU preview: 2 steps in .* · 20\.00 dB/);
    expect(worker.received.map((m) => m.type)).toEqual(['start', 'load-model', 'solve']);

    await moveSigma('35');
    await waitFor(() => expect(screen.getByTestId('preview-image').getAttribute('src')).toBe('blob:gpu-2'), { timeout: 3000 });
    expect((api.callsOf('prepareGpuSolve')[1]![0] as GpuPlanRequest).loadedModelId).toBe(MODEL.id);
    expect(worker.received.map((m) => m.type)).toEqual(['start', 'load-model', 'solve', 'solve']);
    expect(revoked).toEqual(['blob:gpu-1']);
  });

  it('goes back to the engine when the GPU fails, and says so', async () => {
    const { api, worker, container } = setup(HARDWARE);
    worker.failSolve = true;
    await screen.findByText('Engine connected');
    await openPhoto(api, container);
    const choice = (await screen.findByTestId('preview-backend')) as HTMLSelectElement;
    await waitFor(() => expect(choice.value).toBe('webgpu'));
    await moveSigma('30');
    await waitFor(() => expect(api.callsOf('submitJob')).toHaveLength(1), { timeout: 3000 });
    expect(api.callsOf('submitJob')[0]![0]).toMatchObject({ kind: 'denoise', sigma: 30, crop: { width: 64, height: 48 } });
    expect((await screen.findByRole('alert')).textContent).toMatch(/The GPU preview failed \(GPU device lost\); previews run on the engine again/);
    expect(choice.value).toBe('engine');
  });

  it('offers a software adapter without choosing it, and offers nothing without WebGPU', async () => {
    const software = setup({ ...HARDWARE, isFallbackAdapter: true });
    await screen.findByText('Engine connected');
    await openPhoto(software.api, software.container);
    const choice = (await screen.findByTestId('preview-backend')) as HTMLSelectElement;
    expect(choice.value).toBe('engine');
    expect(Array.from(choice.options).map((o) => o.textContent)).toEqual(['the engine', "this window's GPU (WebGPU, software adapter)"]);
    software.unmount();

    const none = setup({ available: false, reason: 'no adapter' });
    await screen.findByText('Engine connected');
    await openPhoto(none.api, none.container);
    await screen.findByLabelText('Noise level σ');
    expect(screen.queryByTestId('preview-backend')).toBeNull();
    await moveSigma('30');
    await waitFor(() => expect(none.api.callsOf('submitJob')).toHaveLength(1), { timeout: 3000 });
    expect(none.api.callsOf('prepareGpuSolve')).toEqual([]);
  });
});
