// First run: the welcome opens once (the engine's library remembers the
// dismissal), reopens from Help, denoises the sample photo in one click, and
// says which backend runs the jobs with a hint when a faster one could be
// installed. Also: what the page does when the desktop engine was restarted.
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import App from '../../renderer/src/App.svelte';
import type { MenuCommand } from '../../renderer/src/lib/api/types.js';
import { backendSummary } from '../../renderer/src/lib/logic/backend.js';
import { FakeApi, INFO, MODEL, restoreResult } from './fake-api.js';

const firstRun = () => ({ show: true, shippedModels: 3, sampleAvailable: true });

class MenuApi extends FakeApi {
  menu: ((c: MenuCommand) => void) | undefined;
  onMenu = (listener: (c: MenuCommand) => void) => {
    this.menu = listener;
    return () => {};
  };
}

describe('welcome', () => {
  it('opens by itself on the first run with the library and backend, and closing it is remembered', async () => {
    const api = new FakeApi();
    api.handlers.welcome = firstRun;
    render(App, { props: { api } });
    const dialog = await screen.findByRole('dialog', { name: 'Welcome to GNC Studio' });
    expect(within(dialog).getByTestId('welcome-library').textContent).toMatch(/3 shipped models are ready in your library \(\/tmp\/library\.sqlite\)/);
    const backend = within(dialog).getByTestId('welcome-backend').textContent!;
    expect(backend).toMatch(/Backend: chosen when the first job runs/);
    expect(backend).toMatch(/@tensorflow\/tfjs-node-gpu \(NVIDIA GPU/);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Welcome to GNC Studio' })).toBeNull());
    expect(api.callsOf('setWelcome')).toEqual([[{ dismissed: true }]]);
  });

  it('stays closed once dismissed, and Help → Welcome or the shortcut panel reopen it', async () => {
    const api = new MenuApi();
    render(App, { props: { api } });
    await screen.findByText('Engine connected');
    await waitFor(() => expect(api.callsOf('welcome')).toHaveLength(1));
    expect(screen.queryByRole('dialog', { name: 'Welcome to GNC Studio' })).toBeNull();
    api.menu!('welcome');
    const dialog = await screen.findByRole('dialog', { name: 'Welcome to GNC Studio' });
    // Closing a welcome that was already dismissed does not write again.
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Welcome to GNC Studio' })).toBeNull());
    expect(api.callsOf('setWelcome')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'Keyboard shortcuts' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Welcome & sample photo' }));
    expect(await screen.findByRole('dialog', { name: 'Welcome to GNC Studio' })).toBeTruthy();
    expect(screen.queryByRole('dialog', { name: 'Keyboard shortcuts' })).toBeNull();
  });

  it('denoises the sample photo in one click and then shows the result and the GPU backend it ran on', async () => {
    const api = new FakeApi();
    api.handlers.welcome = firstRun;
    render(App, { props: { api } });
    const dialog = await screen.findByRole('dialog', { name: 'Welcome to GNC Studio' });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Denoise the sample photo' }));
    await waitFor(() => expect(api.callsOf('submitJob')).toHaveLength(1));
    expect(api.callsOf('openSample')).toHaveLength(1);
    const [[request]] = api.callsOf('submitJob') as [[Record<string, unknown>]];
    expect(request).toMatchObject({ kind: 'denoise', imageId: 'sample1', model: MODEL.id, addNoise: 25, traceEnergy: true });
    expect(request.crop).toBeUndefined();
    expect(await within(dialog).findByRole('progressbar', { name: 'Denoising the sample photo' })).toBeTruthy();

    // The job ran on a GPU: the engine now reports it.
    api.handlers.info = () => ({ ...INFO, backend: { name: 'tensorflow', device: 'gpu', threads: 1, package: '@tensorflow/tfjs-node-gpu' }, gpu: true, tensorflowPackages: { gpu: true, cpu: false } });
    api.emit({ type: 'progress', jobId: 'job1', progress: { fraction: 0.5, message: 'step 4', elapsed: 1 } });
    await waitFor(() => expect((within(dialog).getByRole('progressbar') as HTMLProgressElement).value).toBe(50));
    api.emit({ type: 'done', jobId: 'job1', result: restoreResult('job1', { imageId: 'sample1', inputPsnr: 20.28, psnr: 29.91, seconds: 3.2 }) });
    expect((await within(dialog).findByTestId('sample-result')).textContent).toMatch(/Denoised in 3\.2 s with starter: 20\.3 dB → 29\.9 dB PSNR/);
    expect(within(dialog).getByRole('img', { name: 'The sample, denoised' }).getAttribute('src')).toBe('http://engine.test/api/jobs/job1/result/preview?token=t');
    await waitFor(() => expect(within(dialog).getByTestId('welcome-backend').textContent).toMatch(/Backend: tensorflow on the GPU · @tensorflow\/tfjs-node-gpu/));
    expect(within(dialog).getByTestId('welcome-backend').querySelector('.hint')).toBeNull();
    // The Restore view has the sample open behind the dialog.
    await fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Welcome to GNC Studio' })).toBeNull());
    expect(api.callsOf('setWelcome')).toEqual([[{ dismissed: true }]]);
  });

  it('says so when the sample cannot be opened', async () => {
    const api = new FakeApi();
    api.handlers.welcome = firstRun;
    api.handlers.openSample = () => {
      throw new Error('The sample photo is not installed (expected /x/samples/sample.png)');
    };
    render(App, { props: { api } });
    const dialog = await screen.findByRole('dialog', { name: 'Welcome to GNC Studio' });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Denoise the sample photo' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Could not open the sample photo: The sample photo is not installed/);
    expect(api.callsOf('submitJob')).toEqual([]);
  });
});

describe('backend summary', () => {
  const base = { backend: null, gpu: false, tensorflowPackages: { gpu: false, cpu: false }, platform: 'linux' };

  it('suggests the GPU package on Linux and Windows, only tfjs-node on macOS', () => {
    expect(backendSummary(base).hint).toMatch(/tfjs-node-gpu .*tfjs-node \(all CPU cores\)/);
    const mac = backendSummary({ ...base, platform: 'darwin' }).hint!;
    expect(mac).not.toMatch(/gpu/i);
    expect(mac).toMatch(/@tensorflow\/tfjs-node \(all CPU cores\)/);
  });

  it('names the backend and threads on the CPU, and warns about the plain cpu backend', () => {
    const s = backendSummary({ ...base, backend: { name: 'cpu', device: 'cpu', threads: 1 } });
    expect(s.label).toBe('cpu on the CPU (1 thread)');
    expect(s.hint).toMatch(/plain cpu backend, the slowest/);
  });

  it('on onnxruntime suggests only a GPU, and nothing on macOS', () => {
    const onnx = { ...base, backend: { name: 'onnx', device: 'cpu', threads: 8, package: 'onnxruntime-node' } };
    expect(backendSummary(onnx).label).toBe('onnx on the CPU (8 threads) · onnxruntime-node');
    expect(backendSummary(onnx).hint).toMatch(/onnxruntime, all cores\). With an NVIDIA GPU/);
    expect(backendSummary({ ...onnx, platform: 'darwin' }).hint).toBeNull();
  });

  it('says an installed tensorflow package did not load', () => {
    const s = backendSummary({ ...base, backend: { name: 'wasm', device: 'cpu', threads: 1 }, tensorflowPackages: { gpu: true, cpu: false } });
    expect(s.hint).toMatch(/@tensorflow\/tfjs-node-gpu is installed but did not load, so jobs run on wasm/);
  });

  it('has no hint on the GPU, and suggests the GPU package when tensorflow runs on the CPU', () => {
    expect(backendSummary({ ...base, backend: { name: 'tensorflow', device: 'gpu', threads: 1 }, gpu: true }).hint).toBeNull();
    expect(backendSummary({ ...base, backend: { name: 'tensorflow', device: 'cpu', threads: 8 }, tensorflowPackages: { gpu: false, cpu: true } }).hint).toMatch(/installing @tensorflow\/tfjs-node-gpu/);
  });
});

describe('engine restarted (desktop)', () => {
  it('tells the user, closes the photo of the lost session and reloads the lists', async () => {
    const api = new FakeApi();
    const { container } = render(App, { props: { api } });
    await screen.findByText('Engine connected');
    const input = container.querySelector('input[data-testid="open-file"]') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [new File([new Uint8Array([1])], 'photo.png', { type: 'image/png' })], configurable: true });
    await fireEvent.change(input);
    await screen.findByText(/64 × 48 px/);
    await fireEvent.click(screen.getByRole('button', { name: 'Denoise' }));
    await waitFor(() => expect(api.callsOf('submitJob').length).toBeGreaterThan(0));
    const listsBefore = api.callsOf('listModels').length;
    api.emit({ type: 'engine-restarted', seq: 0, reason: 'signal SIGKILL', restarts: 1 });
    expect((await screen.findByRole('alert')).textContent).toMatch(/The engine stopped unexpectedly \(signal SIGKILL\) and was restarted\. The library is intact/);
    await waitFor(() => expect(screen.queryByText(/64 × 48 px/)).toBeNull());
    await waitFor(() => expect(api.callsOf('listModels').length).toBeGreaterThan(listsBefore));
  });
});

describe('photos opened through the operating system (desktop)', () => {
  class OpenFileApi extends FakeApi {
    open: ((path: string) => void) | undefined;
    onOpenFile = (listener: (path: string) => void) => {
      this.open = listener;
      return () => {};
    };
  }

  it('opens the photo by its path and closes the welcome', async () => {
    const api = new OpenFileApi();
    api.handlers.welcome = firstRun;
    render(App, { props: { api } });
    await screen.findByRole('dialog', { name: 'Welcome to GNC Studio' });
    api.open!('/home/u/Pictures/holiday.png');
    await waitFor(() => expect(api.callsOf('openImagePath')).toEqual([[{ path: '/home/u/Pictures/holiday.png' }]]));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Welcome to GNC Studio' })).toBeNull());
    expect(await screen.findByText(/64 × 48 px/)).toBeTruthy();
  });
});
