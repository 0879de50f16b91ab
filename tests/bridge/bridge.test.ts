/**
 * The web bridge end to end over real HTTP on 127.0.0.1: who is refused
 * (token, Origin, Host), static serving with the CSP, uploads and their
 * errors, a tiny denoise job followed through SSE to its result, export with
 * and without overwrite, and the run in the library.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { AppEngine } from '../../src/app/app-engine.js';
import type { ApiErrorBody, ImageInfo, JobInfo, JobSubmitted, MaskInfo, RestoreResultSummary, RunDetail, RunSummary, SavedFile } from '../../src/app/engine-api.js';
import { startBridge, type Bridge } from '../../src/bridge/server.js';
import { tempDir, writeSynthetic } from '../helpers/fixtures.js';
import { collectEvents, request, type RequestOptions } from './http.js';

const tmp = tempDir('gnc-bridge-');
let engine: AppEngine;
let bridge: Bridge;
let photo: Buffer;

const api = (p: string, options: RequestOptions = {}) =>
  request(bridge.port, p, { ...options, headers: { 'x-gnc-token': bridge.secret, ...(options.headers ?? {}) } });
const upload = async (name: string, bytes: Buffer) => api(`/api/images?name=${encodeURIComponent(name)}`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });

beforeAll(async () => {
  const dist = path.join(tmp.dir, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>GNC Studio</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log("app");');
  writeFileSync(path.join(tmp.dir, 'secret.txt'), 'outside the served folder');
  await writeSynthetic(tmp.file('photo.png'), 48, 40, 1);
  photo = readFileSync(tmp.file('photo.png'));
  engine = new AppEngine({ transport: 'http', libraryPath: tmp.file('library.sqlite'), userData: tmp.file('home') });
  bridge = await startBridge({ engine, port: 0, staticDir: dist, version: 'test' });
});

afterAll(async () => {
  await bridge?.close();
  const session = engine?.sessionRoot;
  await engine?.close();
  if (session) expect(existsSync(session)).toBe(false);
  tmp.cleanup();
});

describe('who may talk to the bridge', () => {
  it('prints a 127.0.0.1 URL carrying a 64-hex secret', () => {
    expect(bridge.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${bridge.port}/#token=[0-9a-f]{64}$`));
  });

  it('refuses the API without the token (401) and accepts it as a header or, for GET, in the query', async () => {
    const none = await request(bridge.port, '/api/info');
    expect(none.status).toBe(401);
    expect(none.json<ApiErrorBody>().error.kind).toBe('unauthorized');
    expect((await request(bridge.port, '/api/info', { headers: { 'x-gnc-token': 'nope' } })).status).toBe(401);
    expect((await api('/api/info')).json<{ transport: string }>().transport).toBe('http');
    expect((await request(bridge.port, `/api/info?token=${bridge.secret}`)).status).toBe(200);
    const postWithQuery = await request(bridge.port, `/api/library/check?token=${bridge.secret}`, { method: 'POST' });
    expect(postWithQuery.status).toBe(401);
  });

  it('refuses other origins (403) and accepts its own', async () => {
    const foreign = await api('/api/info', { headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.json<ApiErrorBody>().error.message).toContain('http://evil.example');
    expect((await api('/api/info', { headers: { origin: `http://localhost:${bridge.port}` } })).status).toBe(403);
    expect((await api('/api/info', { headers: { origin: `http://127.0.0.1:${bridge.port}` } })).status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding), even with the token', async () => {
    const rebound = await api('/api/info', { headers: { host: `attacker.example:${bridge.port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.json<ApiErrorBody>().error.message).toContain('attacker.example');
    expect((await request(bridge.port, '/', { headers: { host: 'attacker.example' } })).status).toBe(403);
    expect((await api('/api/info', { headers: { host: `localhost:${bridge.port}` } })).status).toBe(200);
  });
});

describe('the built renderer', () => {
  it('serves index.html with the strict CSP and nosniff, scripts with their MIME type', async () => {
    const page = await request(bridge.port, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const script = await request(bridge.port, '/assets/app.js');
    expect(script.headers['content-type']).toContain('text/javascript');
    expect((await request(bridge.port, '/library')).body.toString()).toContain('GNC Studio');
  });

  it('refuses to leave the served folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/.hidden']) {
      const reply = await request(bridge.port, p);
      expect(reply.status, p).toBeGreaterThanOrEqual(400);
      expect(reply.body.toString(), p).not.toContain('outside the served folder');
    }
  });

  it('moves a page opened on localhost to 127.0.0.1, whose origin the API accepts', async () => {
    const reply = await request(bridge.port, '/', { headers: { host: `localhost:${bridge.port}` } });
    expect(reply.status).toBe(307);
    expect(reply.headers.location).toBe(`http://127.0.0.1:${bridge.port}/`);
  });

  it('says how to build the renderer when it is missing', async () => {
    const bare = await startBridge({ engine, port: 0, staticDir: tmp.file('no-dist'), version: 'test' });
    try {
      const reply = await request(bare.port, '/');
      expect(reply.status).toBe(503);
      expect(reply.body.toString()).toContain('npm run build:renderer');
    } finally {
      await bare.close();
    }
  });
});

describe('the engine API', () => {
  let image: ImageInfo;
  let maskId: string;

  /** Submits and follows a job through the event stream to its end. */
  async function runJob(body: object) {
    let jobId = '';
    const stream = collectEvents(bridge.port, bridge.secret, (events) => events.some((e) => ['done', 'failed', 'cancelled'].includes(e.type) && 'jobId' in e && e.jobId === jobId));
    await stream.ready;
    const submitted = await api('/api/jobs', { method: 'POST', body });
    expect(submitted.status, submitted.body.toString()).toBe(200);
    jobId = submitted.json<JobSubmitted>().jobId;
    const last = (await stream.done).filter((e) => 'jobId' in e && e.jobId === jobId).at(-1)!;
    return { jobId, last };
  }

  it('takes an image upload and describes it, with displayable versions', async () => {
    const reply = await upload('photo.png', photo);
    expect(reply.status).toBe(200);
    image = reply.json<ImageInfo>();
    expect(image).toMatchObject({ name: 'photo.png', width: 48, height: 40, channels: 1, bitDepth: 8, hasAlpha: false, format: 'png', bytes: photo.length });
    const preview = await api(image.previewUrl);
    expect(preview.status).toBe(200);
    expect(preview.headers['content-type']).toMatch(/^image\/(png|jpeg)$/);
    const display = await api(image.displayUrl);
    expect(display.headers['content-type']).toBe('image/png');
    expect(await sharp(display.body).metadata()).toMatchObject({ width: 48, height: 40, depth: 'uchar' });
    expect((await api('/api/images')).json<ImageInfo[]>().map((i) => i.imageId)).toContain(image.imageId);
  });

  it('refuses a corrupt upload with 400 naming the file and the problem', async () => {
    const truncated = await upload('broken.png', photo.subarray(0, 120));
    expect(truncated.status).toBe(400);
    const error = truncated.json<ApiErrorBody>().error;
    expect(error.kind).toBe('invalid-image');
    expect(error.message).toContain('broken.png');
    expect(error.message).toMatch(/damaged|incomplete/);
    const text = await upload('notes.png', Buffer.from('hello, not an image'));
    expect(text.status).toBe(400);
    expect(text.json<ApiErrorBody>().error.message).toMatch(/notes\.png.*expected a PNG, JPEG, TIFF or WebP/);
  });

  it('refuses a mask of the wrong size, naming both sizes', async () => {
    const mask = await sharp(Buffer.alloc(30 * 20), { raw: { width: 30, height: 20, channels: 1 } }).png().toBuffer();
    const reply = await api(`/api/images/${image.imageId}/mask?name=holes.png`, { method: 'POST', body: mask, headers: { 'content-type': 'image/png' } });
    expect(reply.status).toBe(400);
    const error = reply.json<ApiErrorBody>().error;
    expect(error.kind).toBe('invalid-mask');
    expect(error.message).toContain('30×20');
    expect(error.message).toContain('48×40');
  });

  it('accepts a mask of the right size and reports how much is to be filled', async () => {
    const pixels = Buffer.alloc(48 * 40);
    pixels.fill(255, 0, 48 * 10);
    const mask = await sharp(pixels, { raw: { width: 48, height: 40, channels: 1 } }).png().toBuffer();
    const reply = await api(`/api/images/${image.imageId}/mask?name=holes.png`, { method: 'POST', body: mask });
    expect(reply.status).toBe(200);
    const info = reply.json<MaskInfo>();
    maskId = info.maskId;
    expect(info.fillFraction).toBeCloseTo(0.25, 5);
    expect((await api(info.displayUrl)).headers['content-type']).toBe('image/png');
  });

  it('validates submissions field by field', async () => {
    const typo = await api('/api/jobs', { method: 'POST', body: { kind: 'denoise', imageId: image.imageId, sigma: 25, stepz: 2 } });
    expect(typo.status).toBe(400);
    expect(typo.json<ApiErrorBody>().error.message).toContain('stepz');
    const unknown = await api('/api/jobs', { method: 'POST', body: { kind: 'denoise', imageId: 'img-000000000000', sigma: 25 } });
    expect(unknown.status).toBe(404);
    const noisy = await api('/api/jobs', { method: 'POST', body: { kind: 'denoise', imageId: image.imageId } });
    expect(noisy.status).toBe(400);
    expect(noisy.json<ApiErrorBody>().error.message).toContain('sigma');
    const notJson = await api('/api/jobs', { method: 'POST', body: 'kind=denoise', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(notJson.status).toBe(400);
    expect((await api('/api/jobs', { method: 'POST', body: Buffer.alloc(1024 * 1024 + 10, 32), headers: { 'content-type': 'application/json' } })).status).toBe(413);
    const wrongMethod = await api('/api/info', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
  });

  let jobId: string;
  let result: RestoreResultSummary;

  it('runs a tiny denoise job and reports it through SSE to done', async () => {
    const stream = collectEvents(bridge.port, bridge.secret, (events) => events.some((e) => (e.type === 'done' || e.type === 'failed') && e.jobId === jobId));
    await stream.ready;
    const submitted = await api('/api/jobs', { method: 'POST', body: { kind: 'denoise', imageId: image.imageId, addNoise: 25, seed: 3, settings: { steps: 2 } } });
    expect(submitted.status).toBe(200);
    ({ jobId } = submitted.json<JobSubmitted>());
    const events = (await stream.done).filter((e) => 'jobId' in e && e.jobId === jobId);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('queued');
    expect(types).toContain('running');
    expect(types).toContain('progress');
    const last = events.at(-1)!;
    if (last.type === 'failed') throw new Error(`job failed: ${last.error.message}`);
    expect(last.type).toBe('done');
    result = (last as Extract<typeof last, { type: 'done' }>).result as RestoreResultSummary;
    expect(result).toMatchObject({ kind: 'denoise', width: 48, height: 40, steps: 2, crop: null, suggestedName: 'photo-denoised' });
    expect(result.trace.map((t) => t.step)).toEqual([0, 1, 2]);
    expect(result.psnr).toBeGreaterThan(result.inputPsnr!);
    const seqs = events.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const job = (await api(`/api/jobs/${jobId}`)).json<JobInfo>();
    expect(job.status).toBe('done');
    expect(job.recordId).toMatch(/^[0-9a-f]+$/);
  });

  it('serves the result, the synthetic noisy input and downloads in other formats', async () => {
    const display = await api(result.displayUrl);
    expect(display.status).toBe(200);
    expect(await sharp(display.body).metadata()).toMatchObject({ width: 48, height: 40 });
    expect((await api(result.noisyUrl!)).headers['content-type']).toBe('image/png');
    const jpeg = await api(`/api/jobs/${jobId}/result/download?format=jpeg`);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    expect(jpeg.headers['content-disposition']).toContain('photo-denoised.jpg');
    const sixteen = await api(`/api/jobs/${jobId}/result/download?format=png&bitDepth=16`);
    expect((await sharp(sixteen.body).metadata()).depth).toBe('ushort');
    expect((await api(`/api/jobs/${jobId}/result/download?format=gif`)).status).toBe(400);
  });

  it('exports to a path, never replacing a file unless told to', async () => {
    const target = tmp.file('exported.tif');
    const first = await api(`/api/jobs/${jobId}/export`, { method: 'POST', body: { path: target, bitDepth: 16 } });
    expect(first.status).toBe(200);
    expect(first.json<SavedFile>()).toMatchObject({ path: target, format: 'tiff', bitDepth: 16 });
    const before = statSync(target).mtimeMs;
    const again = await api(`/api/jobs/${jobId}/export`, { method: 'POST', body: { path: target } });
    expect(again.status).toBe(409);
    expect(again.json<ApiErrorBody>().error).toMatchObject({ kind: 'exists' });
    expect(statSync(target).mtimeMs).toBe(before);
    const replaced = await api(`/api/jobs/${jobId}/export`, { method: 'POST', body: { path: target, bitDepth: 8, overwrite: true } });
    expect(replaced.status).toBe(200);
    expect((await sharp(target).metadata()).depth).toBe('uchar');
    const mismatch = await api(`/api/jobs/${jobId}/export`, { method: 'POST', body: { path: tmp.file('x.jpg'), format: 'png' } });
    expect(mismatch.status).toBe(400);
    const relative = await api(`/api/jobs/${jobId}/export`, { method: 'POST', body: { path: 'x.png' } });
    expect(relative.json<ApiErrorBody>().error.message).toContain('absolute');
    const noFolder = await api(`/api/jobs/${jobId}/export`, { method: 'POST', body: { path: tmp.file('missing/x.png') } });
    expect(noFolder.status).toBe(404);
  });

  it('lists the run in the library, with its traces and pictures', async () => {
    const runs = (await api('/api/runs?kind=denoise')).json<RunSummary[]>();
    const job = (await api(`/api/jobs/${jobId}`)).json<JobInfo>();
    const run = runs.find((r) => r.id === job.recordId);
    expect(run).toMatchObject({ kind: 'denoise', status: 'done', inputName: 'photo.png', canRerun: true });
    const detail = (await api(`/api/runs/${run!.id}`)).json<RunDetail>();
    expect(detail.traces?.step).toEqual([0, 1, 2]);
    expect((await api(run!.outputUrl!)).headers['content-type']).toBe('image/png');
    expect((await api('/api/runs?limit=0')).status).toBe(400);
  });

  it('runs an unrecorded crop preview', async () => {
    const stream = collectEvents(bridge.port, bridge.secret, (events) => events.some((e) => (e.type === 'done' || e.type === 'failed') && e.jobId === previewId));
    await stream.ready;
    let previewId = '';
    const submitted = await api('/api/jobs', { method: 'POST', body: { kind: 'denoise', imageId: image.imageId, sigma: 20, crop: { x: 8, y: 8, width: 24, height: 16 }, settings: { steps: 1 }, traceEnergy: false } });
    expect(submitted.status).toBe(200);
    const job = submitted.json<JobSubmitted>();
    previewId = job.jobId;
    expect(job.recordId).toBeNull();
    const done = (await stream.done).find((e) => e.type === 'done' && e.jobId === previewId);
    expect(done && done.type === 'done' && done.result).toMatchObject({ width: 24, height: 16, crop: { x: 8, y: 8, width: 24, height: 16 } });
  });

  it('inpaints with an uploaded mask', async () => {
    const { last } = await runJob({ kind: 'inpaint', imageId: image.imageId, maskId, settings: { steps: 2 }, traceEnergy: false });
    expect(last.type === 'done' && last.result).toMatchObject({ kind: 'inpaint', width: 48, height: 40 });
  });

  it('re-runs a recorded run with its parameters, as a new run', async () => {
    const job = (await api(`/api/jobs/${jobId}`)).json<JobInfo>();
    let rerunId = '';
    const stream = collectEvents(bridge.port, bridge.secret, (events) => events.some((e) => e.type === 'done' && e.jobId === rerunId));
    await stream.ready;
    const reply = await api(`/api/runs/${job.recordId}/rerun`, { method: 'POST', body: { overrides: { settings: { steps: 1 } } } });
    expect(reply.status, reply.body.toString()).toBe(200);
    const submitted = reply.json<JobSubmitted>();
    rerunId = submitted.jobId;
    expect(submitted.recordId).not.toBe(job.recordId);
    const done = (await stream.done).find((e) => e.type === 'done' && e.jobId === rerunId);
    expect(done && done.type === 'done' && done.result).toMatchObject({ steps: 1, addedNoise: { sigma: 25, seed: 3 } });
  });

  it('cancels a queued job at once', async () => {
    const stream = collectEvents(bridge.port, bridge.secret, (events) => events.some((e) => e.type === 'cancelled'));
    await stream.ready;
    const first = (await api('/api/jobs', { method: 'POST', body: { kind: 'denoise', imageId: image.imageId, sigma: 20, settings: { steps: 3 } } })).json<JobSubmitted>();
    const second = (await api('/api/jobs', { method: 'POST', body: { kind: 'denoise', imageId: image.imageId, sigma: 20, settings: { steps: 3 } } })).json<JobSubmitted>();
    expect((await api(`/api/jobs/${second.jobId}/cancel`, { method: 'POST' })).json()).toEqual({ cancelled: true });
    const events = await stream.done;
    expect(events.find((e) => e.type === 'cancelled')).toMatchObject({ jobId: second.jobId });
    const runs = (await api('/api/runs?status=cancelled')).json<RunSummary[]>();
    expect(runs.map((r) => r.id)).toContain(second.recordId);
    expect(first.jobId).not.toBe(second.jobId);
  });

  it('downloads a model bundle and imports it back', async () => {
    const models = (await api('/api/models')).json<Array<{ id: string; name: string; isDefault: boolean }>>();
    const model = models.find((m) => m.isDefault)!;
    const bundle = await api(`/api/models/${model.id}/bundle`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-disposition']).toContain('.gncpack');
    const imported = await api('/api/bundles?name=model.gncpack', { method: 'POST', body: bundle.body });
    expect(imported.status, imported.body.toString()).toBe(200);
    expect(imported.json()).toMatchObject({ added: false, model: { id: model.id } });
    const junk = await api('/api/bundles?name=junk.gncpack', { method: 'POST', body: Buffer.from('not a bundle') });
    expect(junk.status).toBeGreaterThanOrEqual(400);
    expect(junk.status).toBeLessThan(500);
  });

  it('forgets an image with its jobs', async () => {
    expect((await api(`/api/images/${image.imageId}`, { method: 'DELETE' })).json()).toEqual({ removed: true });
    expect((await api(`/api/images/${image.imageId}`)).status).toBe(404);
    expect((await api(`/api/jobs/${jobId}`)).status).toBe(404);
  });
});
