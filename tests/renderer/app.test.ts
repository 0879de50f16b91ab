// The app shell with a fake engine: opening photos (and the engine's error
// for a bad one), the denoise preview and full run, export that never
// overwrites without asking, shortcuts help and themes.
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import App from '../../renderer/src/App.svelte';
import { EngineError } from '../../renderer/src/lib/api/types.js';
import { FakeApi, imageInfo, MODEL, restoreResult } from './fake-api.js';

async function openPhoto(api: FakeApi, container: HTMLElement, name = 'photo.png') {
  const input = container.querySelector('input[data-testid="open-file"]') as HTMLInputElement;
  const file = new File([new Uint8Array([1, 2, 3, 4])], name, { type: 'image/png' });
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  await fireEvent.change(input);
  await waitFor(() => expect(api.callsOf('uploadImage')).toHaveLength(1));
}

describe('App', () => {
  it('opens a photo from the file picker and shows size, depth and profile', async () => {
    const api = new FakeApi();
    const { container } = render(App, { props: { api } });
    await screen.findByText('Engine connected');
    await openPhoto(api, container);
    const [[upload]] = api.callsOf('uploadImage') as [[{ name: string; bytes: Uint8Array }]];
    expect(upload.name).toBe('photo.png');
    expect(Array.from(upload.bytes)).toEqual([1, 2, 3, 4]);
    expect((await screen.findByText(/64 × 48 px/)).textContent).toMatch(/0\.0 MP/);
    expect(screen.getByText('16-bit RGB')).toBeTruthy();
    expect(screen.getByText('Display P3')).toBeTruthy();
  });

  it('shows the engine’s message when a file is refused', async () => {
    const api = new FakeApi();
    api.handlers.uploadImage = () => {
      throw new EngineError('invalid-image', 'Expected a PNG, JPEG, TIFF or WebP image for notes.txt but received text', 400);
    };
    const { container } = render(App, { props: { api } });
    await openPhoto(api, container, 'notes.txt');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Could not open “notes.txt”: Expected a PNG, JPEG, TIFF or WebP image/);
  });

  it('opens a dropped file', async () => {
    const api = new FakeApi();
    render(App, { props: { api } });
    const file = new File([new Uint8Array([9])], 'dropped.png', { type: 'image/png' });
    const dataTransfer = { types: ['Files'], files: [file], dropEffect: 'none' };
    await fireEvent.dragEnter(window, { dataTransfer });
    await fireEvent.drop(window, { dataTransfer });
    await waitFor(() => expect(api.callsOf('uploadImage')).toHaveLength(1));
  });

  it('opens a pasted image', async () => {
    const api = new FakeApi();
    render(App, { props: { api } });
    const file = new File([new Uint8Array([7, 7])], 'clip.png', { type: 'image/png' });
    await fireEvent.paste(window, { clipboardData: { files: [file] } });
    await waitFor(() => expect(api.callsOf('uploadImage')).toHaveLength(1));
    expect((api.callsOf('uploadImage')[0]![0] as { name: string }).name).toBe('clip.png');
  });

  it('moving a setting runs a preview on a crop; Denoise runs the whole photo with progress and cancel', async () => {
    const api = new FakeApi();
    const { container } = render(App, { props: { api } });
    await screen.findByText('Engine connected');
    await openPhoto(api, container);
    const sigma = await screen.findByLabelText('Noise level σ');
    await fireEvent.focus(sigma);
    await fireEvent.input(sigma, { target: { value: '30' } });
    await fireEvent.blur(sigma);
    await fireEvent.focus(sigma);
    await fireEvent.input(sigma, { target: { value: '35' } });
    await fireEvent.blur(sigma);
    // Debounced: one preview for the two quick changes, on a crop, unrecorded.
    await waitFor(() => expect(api.callsOf('submitJob')).toHaveLength(1), { timeout: 2000 });
    const [[preview]] = api.callsOf('submitJob') as [[Record<string, unknown>]];
    expect(preview).toMatchObject({ kind: 'denoise', sigma: 35, record: false, crop: { x: 0, y: 0, width: 64, height: 48 } });

    await fireEvent.click(screen.getByRole('button', { name: 'Denoise' }));
    await waitFor(() => expect(api.callsOf('submitJob')).toHaveLength(2));
    // The preview still running was cancelled when the full run started.
    expect(api.callsOf('cancelJob')).toEqual([['job1']]);
    const full = api.callsOf('submitJob')[1]![0] as Record<string, unknown>;
    expect(full).toMatchObject({ kind: 'denoise', sigma: 35, traceEnergy: true });
    expect(full.crop).toBeUndefined();
    api.emit({ type: 'running', jobId: 'job2' });
    api.emit({ type: 'progress', jobId: 'job2', progress: { fraction: 0.4, message: 'step 6/15', elapsed: 4, eta: 6 } });
    const bar = (await screen.findByLabelText('Denoising progress')) as HTMLProgressElement;
    await waitFor(() => expect(bar.value).toBe(40));
    expect(screen.getByText(/step 6\/15/).textContent).toMatch(/about 6 s left/);
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(api.callsOf('cancelJob').at(-1)).toEqual(['job2']);
    api.emit({ type: 'done', jobId: 'job2', result: restoreResult('job2') });
    await screen.findByTestId('result-summary');
    expect(screen.getByTestId('result-image')).toBeTruthy();
    expect(screen.getByText('30.50 dB')).toBeTruthy();
    expect(screen.queryByTestId('schedule-warning')).toBeNull();

    // A VN result whose schedule was learned for less noise than this photo has says so.
    await fireEvent.click(screen.getByRole('button', { name: 'Denoise' }));
    await waitFor(() => expect(api.callsOf('submitJob')).toHaveLength(3));
    const warning = 'The VN schedule was learned for noise σ 25 but the noise here is σ 35';
    api.emit({ type: 'done', jobId: 'job3', result: restoreResult('job3', { method: 'vn', steps: 8, schedule: { level: 25, steps: 8, warning } }) });
    expect((await screen.findByTestId('schedule-warning')).textContent).toContain(warning);
  });

  it('Estimate asks the engine for the noise level and sets σ; the data weight goes with the run', async () => {
    const api = new FakeApi();
    const { container } = render(App, { props: { api } });
    await screen.findByText('Engine connected');
    await openPhoto(api, container);
    const estimate = (await screen.findByRole('button', { name: 'Estimate the noise level' })) as HTMLButtonElement;
    await waitFor(() => expect(estimate.disabled).toBe(false));
    await fireEvent.click(estimate);
    await waitFor(() => expect(api.callsOf('estimateNoise')).toEqual([['img1']]));
    await waitFor(() => expect((screen.getByLabelText('Noise level σ') as HTMLInputElement).value).toBe('17.5'));

    const weight = screen.getByLabelText('Data weight') as HTMLInputElement;
    expect(weight.disabled).toBe(false);
    await fireEvent.focus(weight);
    await fireEvent.input(weight, { target: { value: '2.5' } });
    await fireEvent.blur(weight);
    await fireEvent.click(screen.getByRole('button', { name: 'Denoise' }));
    await waitFor(() => expect(api.callsOf('submitJob').at(-1)?.[0]).toMatchObject({ kind: 'denoise', sigma: 17.5, settings: { dataWeight: 2.5 } }));
    expect((api.callsOf('submitJob').at(-1)![0] as { crop?: unknown }).crop).toBeUndefined();
  });

  it('the denoise panel offers only the methods the model can run, and sends a clean reference with the run', async () => {
    const api = new FakeApi();
    api.handlers.listModels = () => [{ ...MODEL, methods: ['gnc', 'vn'] }];
    api.handlers.listSchedules = () => [{ id: 's25', modelId: MODEL.id, modelName: 'starter', task: 'denoise', level: 25, steps: 8, figures: null, shipped: true, createdAt: '' }];
    const { container } = render(App, { props: { api } });
    await screen.findByText('Engine connected');
    await openPhoto(api, container);
    expect(((await screen.findByLabelText('Joint')) as HTMLInputElement).disabled).toBe(true);
    await waitFor(() => expect((screen.getByLabelText('VN') as HTMLInputElement).disabled).toBe(false));

    api.handlers.uploadImage = () => imageInfo(64, 48, { imageId: 'img2', name: 'clean.png' });
    const reference = screen.getByLabelText('Choose a clean reference') as HTMLInputElement;
    Object.defineProperty(reference, 'files', { value: [new File([new Uint8Array([5])], 'clean.png', { type: 'image/png' })], configurable: true });
    await fireEvent.change(reference);
    expect((await screen.findByTestId('clean-reference')).textContent).toBe('clean.png');
    await fireEvent.click(screen.getByRole('button', { name: 'Denoise' }));
    await waitFor(() => expect(api.callsOf('submitJob').at(-1)?.[0]).toMatchObject({ kind: 'denoise', imageId: 'img1', cleanImageId: 'img2' }));
    expect((api.callsOf('submitJob').at(-1)![0] as { crop?: unknown }).crop).toBeUndefined();
  });

  it('export asks before replacing a file, then overwrites', async () => {
    const api = new FakeApi();
    let attempts = 0;
    api.handlers.exportResult = (req) => {
      attempts++;
      if (!(req as { overwrite?: boolean }).overwrite) throw new EngineError('exists', '/tmp/out/photo-denoised.png exists', 409);
      return { path: (req as { path: string }).path, bytes: 321 };
    };
    const { container } = render(App, { props: { api } });
    await screen.findByText('Engine connected');
    await openPhoto(api, container);
    await fireEvent.click(await screen.findByRole('button', { name: 'Denoise' }));
    await waitFor(() => expect(api.callsOf('submitJob').length).toBeGreaterThan(0));
    const jobId = `job${api.callsOf('submitJob').length}`;
    api.emit({ type: 'done', jobId, result: restoreResult(jobId) });
    await fireEvent.click(await screen.findByRole('button', { name: 'Export…' }));
    const path = (await screen.findByLabelText('Save to')) as HTMLInputElement;
    expect(path.value).toBe('/tmp/out/photo-denoised.png');
    await fireEvent.change(screen.getByLabelText('Format'), { target: { value: 'jpeg' } });
    expect(path.value).toBe('/tmp/out/photo-denoised.jpg');
    await fireEvent.change(screen.getByLabelText('Format'), { target: { value: 'png' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const confirm = await screen.findByRole('alertdialog');
    expect(confirm.textContent).toMatch(/already exists/);
    expect(attempts).toBe(1);
    await fireEvent.click(screen.getByRole('button', { name: 'Replace' }));
    await waitFor(() => expect(attempts).toBe(2));
    expect(api.callsOf('exportResult')[1]![0]).toMatchObject({ path: '/tmp/out/photo-denoised.png', format: 'png', bitDepth: 16, keepMetadata: true, overwrite: true });
    expect((await screen.findByText(/Saved \/tmp\/out\/photo-denoised.png/)).textContent).toMatch(/321 B/);
  });

  it('declining the replacement leaves the file alone', async () => {
    const api = new FakeApi();
    api.handlers.exportResult = () => {
      throw new EngineError('exists', 'exists', 409);
    };
    const { container } = render(App, { props: { api } });
    await screen.findByText('Engine connected');
    await openPhoto(api, container);
    await fireEvent.click(await screen.findByRole('button', { name: 'Denoise' }));
    await waitFor(() => expect(api.callsOf('submitJob').length).toBeGreaterThan(0));
    const jobId = `job${api.callsOf('submitJob').length}`;
    api.emit({ type: 'done', jobId, result: restoreResult(jobId) });
    await fireEvent.click(await screen.findByRole('button', { name: 'Export…' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Save' }));
    await screen.findByRole('alertdialog');
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(await screen.findByText(/Not saved: the file exists/)).toBeTruthy();
    expect(api.callsOf('exportResult')).toHaveLength(1);
  });

  it('? shows the keyboard shortcuts; T switches the theme', async () => {
    const api = new FakeApi();
    render(App, { props: { api } });
    await screen.findByText('Engine connected');
    await fireEvent.keyDown(window, { key: '?' });
    expect(await screen.findByRole('dialog', { name: 'Keyboard shortcuts' })).toBeTruthy();
    expect(screen.getByText('Undo a mask edit')).toBeTruthy();
    await fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Keyboard shortcuts' })).toBeNull());
    await fireEvent.keyDown(window, { key: 't' });
    expect(document.documentElement.dataset.theme).toBe('dark');
    await fireEvent.click(screen.getByRole('button', { name: /Theme:/ }));
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });

  it('explains what to do when the page has no token', () => {
    render(App, { props: { startupError: 'This page needs the access token' } });
    expect(screen.getByText(/needs the access token/)).toBeTruthy();
  });
});
