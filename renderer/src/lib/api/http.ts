/**
 * EngineApi over the web bridge (`gnc app`): fetch with the per-launch token
 * in the `X-GNC-Token` header, events over Server-Sent Events. Every call maps
 * to exactly one route of the table in src/app/engine-api.ts.
 */
import type {
  ApiError,
  EngineApi,
  EngineCalls,
  EngineEvent,
  EngineEventListener,
  RunQuery,
  UploadFile,
} from './types.js';
import { EngineError } from './types.js';

export const TOKEN_HEADER = 'X-GNC-Token';

/** The token from the page URL: `#token=…` (what the bridge prints) or `?token=…`. */
export function tokenFromLocation(loc: { hash: string; search: string }): string | null {
  const hash = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const search = new URLSearchParams(loc.search);
  return hash.get('token') || search.get('token') || null;
}

export interface HttpApiOptions {
  /** Origin (and optional path prefix) of the bridge, e.g. "http://127.0.0.1:4242". */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** EventSource constructor (absent in tests and old environments). */
  EventSource?: typeof EventSource;
}

type Method = 'GET' | 'POST' | 'DELETE';
const enc = encodeURIComponent;

export class HttpEngineApi implements EngineApi {
  readonly transport = 'http' as const;
  readonly #base: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #EventSource: typeof EventSource | undefined;
  readonly #listeners = new Set<EngineEventListener>();
  #source: EventSource | null = null;
  #lastSeq = 0;

  constructor(options: HttpApiOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#EventSource = options.EventSource ?? (typeof EventSource === 'undefined' ? undefined : EventSource);
  }

  resourceUrl(path: string): string {
    if (/^(?:blob|data|https?):/.test(path) && !path.startsWith(this.#base)) return path;
    const url = path.startsWith(this.#base) ? path : this.#base + path;
    return `${url}${url.includes('?') ? '&' : '?'}token=${enc(this.#token)}`;
  }

  async #request<T>(method: Method, path: string, body?: unknown, bytes?: Uint8Array): Promise<T> {
    const headers: Record<string, string> = { [TOKEN_HEADER]: this.#token, Accept: 'application/json' };
    let payload: BodyInit | undefined;
    if (bytes) {
      headers['Content-Type'] = 'application/octet-stream';
      payload = bytes as unknown as BodyInit;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await this.#fetch(this.#base + path, { method, headers, body: payload });
    } catch (err) {
      throw new EngineError('io', `The engine could not be reached (${method} ${path}): ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!res.ok) {
      const error = (json as { error?: ApiError } | undefined)?.error;
      if (error && typeof error.kind === 'string') throw new EngineError(error.kind, error.message ?? error.kind, res.status);
      throw new EngineError(res.status === 401 ? 'unauthorized' : 'internal', `${method} ${path} failed with HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`, res.status);
    }
    if (json === undefined) throw new EngineError('internal', `${method} ${path} answered something that is not JSON`, res.status);
    return json as T;
  }

  #get<T>(path: string) {
    return this.#request<T>('GET', path);
  }
  #post<T>(path: string, body?: unknown) {
    return this.#request<T>('POST', path, body ?? {});
  }
  #delete<T>(path: string) {
    return this.#request<T>('DELETE', path);
  }
  #upload<T>(path: string, file: UploadFile) {
    const sep = path.includes('?') ? '&' : '?';
    return this.#request<T>('POST', `${path}${sep}name=${enc(file.name)}`, undefined, file.bytes);
  }

  // ---- EngineCalls: one route each (see the table in engine-api.ts) -----------

  info: EngineCalls['info'] = () => this.#get('/api/info');

  listModels: EngineCalls['listModels'] = () => this.#get('/api/models');
  getModel: EngineCalls['getModel'] = (id) => this.#get(`/api/models/${enc(id)}`);
  removeModel: EngineCalls['removeModel'] = (id) => this.#delete(`/api/models/${enc(id)}`);
  tagModel: EngineCalls['tagModel'] = (id, change) => this.#post(`/api/models/${enc(id)}/tags`, change);
  exportModelBundle: EngineCalls['exportModelBundle'] = (id, request) => this.#post(`/api/models/${enc(id)}/bundle/export`, request);
  importModelBundle: EngineCalls['importModelBundle'] = (file) => this.#upload('/api/bundles', file);
  importModelBundlePath: EngineCalls['importModelBundlePath'] = (request) => this.#post('/api/bundles/import', request);

  listImages: EngineCalls['listImages'] = () => this.#get('/api/images');
  uploadImage: EngineCalls['uploadImage'] = (file) => this.#upload('/api/images', file);
  openImagePath: EngineCalls['openImagePath'] = (request) => this.#post('/api/images/open', request);
  getImage: EngineCalls['getImage'] = (id) => this.#get(`/api/images/${enc(id)}`);
  removeImage: EngineCalls['removeImage'] = (id) => this.#delete(`/api/images/${enc(id)}`);
  uploadMask: EngineCalls['uploadMask'] = (imageId, file) => this.#upload(`/api/images/${enc(imageId)}/mask`, file);
  estimateNoise: EngineCalls['estimateNoise'] = (imageId) => this.#post(`/api/images/${enc(imageId)}/noise-estimate`);

  listJobs: EngineCalls['listJobs'] = () => this.#get('/api/jobs');
  submitJob: EngineCalls['submitJob'] = (request) => this.#post('/api/jobs', request);
  getJob: EngineCalls['getJob'] = (id) => this.#get(`/api/jobs/${enc(id)}`);
  cancelJob: EngineCalls['cancelJob'] = (id) => this.#post(`/api/jobs/${enc(id)}/cancel`);
  exportResult: EngineCalls['exportResult'] = ({ jobId, ...rest }) => this.#post(`/api/jobs/${enc(jobId)}/export`, rest);

  listRuns: EngineCalls['listRuns'] = (query?: RunQuery) => {
    const q = new URLSearchParams();
    if (query?.kind) q.set('kind', query.kind);
    if (query?.status) q.set('status', query.status);
    if (query?.limit !== undefined) q.set('limit', String(query.limit));
    const s = q.toString();
    return this.#get(`/api/runs${s ? `?${s}` : ''}`);
  };
  getRun: EngineCalls['getRun'] = (id) => this.#get(`/api/runs/${enc(id)}`);
  removeRun: EngineCalls['removeRun'] = (id) => this.#delete(`/api/runs/${enc(id)}`);
  rerun: EngineCalls['rerun'] = ({ runId, ...rest }) => this.#post(`/api/runs/${enc(runId)}/rerun`, rest);
  listSchedules: EngineCalls['listSchedules'] = () => this.#get('/api/schedules');
  removeSchedule: EngineCalls['removeSchedule'] = (id) => this.#delete(`/api/schedules/${enc(id)}`);
  listTraining: EngineCalls['listTraining'] = () => this.#get('/api/training');
  getTraining: EngineCalls['getTraining'] = (id) => this.#get(`/api/training/${enc(id)}`);
  removeTraining: EngineCalls['removeTraining'] = (id) => this.#delete(`/api/training/${enc(id)}`);
  checkLibrary: EngineCalls['checkLibrary'] = (options) => this.#post('/api/library/check', options ?? {});
  labGnc1d: EngineCalls['labGnc1d'] = (request) => this.#post('/api/lab/gnc1d', request);
  labConvex: EngineCalls['labConvex'] = (request) => this.#post('/api/lab/convex', request);
  welcome: EngineCalls['welcome'] = () => this.#get('/api/welcome');
  setWelcome: EngineCalls['setWelcome'] = (change) => this.#post('/api/welcome', change);
  openSample: EngineCalls['openSample'] = () => this.#post('/api/images/sample');
  prepareGpuSolve: EngineCalls['prepareGpuSolve'] = (request) => this.#post('/api/gpu/plan', request);

  // ---- events ------------------------------------------------------------------

  subscribe(listener: EngineEventListener): () => void {
    this.#listeners.add(listener);
    this.#open();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#close();
    };
  }

  #open(): void {
    if (this.#source || !this.#EventSource) return;
    const source = new this.#EventSource(this.resourceUrl('/api/events'));
    source.onmessage = (e: MessageEvent<string>) => {
      let event: EngineEvent;
      try {
        event = JSON.parse(e.data) as EngineEvent;
      } catch {
        return;
      }
      // After a reconnect the bridge may replay from Last-Event-ID; drop repeats.
      if (typeof event.seq === 'number') {
        if (event.type === 'hello') this.#lastSeq = event.seq;
        else if (event.seq <= this.#lastSeq) return;
        else this.#lastSeq = event.seq;
      }
      for (const l of [...this.#listeners]) {
        try {
          l(event);
        } catch (err) {
          console.error('engine event listener failed', err);
        }
      }
    };
    this.#source = source;
  }

  #close(): void {
    this.#source?.close();
    this.#source = null;
  }
}
