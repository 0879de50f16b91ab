/**
 * The page's shared state: which engine, the open photo, the models, the
 * current view, notices and confirmations. Components get it from context
 * (`useStudio()`); component tests build one around a fake EngineApi.
 */
import { getContext, setContext } from 'svelte';
import type { AppInfo, EngineApi, EngineEvent, ImageInfo, ModelSummary, ResourcePath, ScheduleSummary, TracePoint, UploadFile, WelcomeInfo } from '../api/types.js';
import { errorKind, errorMessage } from '../api/types.js';
import { isRestore, JobTracker, type TrackedJob } from './jobs.svelte.js';
import { methodLabel } from '../logic/format.js';
import { denoiseRequest } from '../logic/requests.js';
import { RestoreState } from './restore.svelte.js';
import { GpuClient, probeWebGpu, type GpuLike, type WebGpuProbe } from '../gpu/client.js';
import { GpuPreviewer } from '../gpu/preview.js';

/** How the studio finds and starts the page's WebGPU path (tests pass fakes). */
export interface GpuAccess {
  probe(): Promise<WebGpuProbe>;
  spawn(): GpuClient;
}

const pageGpu: GpuAccess = {
  probe: () => probeWebGpu((globalThis.navigator as unknown as { gpu?: GpuLike } | undefined)?.gpu),
  spawn: () => GpuClient.spawn(),
};

export type ViewName = 'restore' | 'compare' | 'library' | 'training' | 'lab';
export type ToolName = 'denoise' | 'inpaint';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel?: string;
  cancelLabel?: string;
  danger?: boolean;
}

/** Anything the Compare view can show: a result of this session, a library run, or the input. */
export interface CompareItem {
  key: string;
  label: string;
  imageUrl: ResourcePath;
  trace: TracePoint[];
  psnr?: number | null;
  method?: string | null;
}

export function itemFromJob(job: TrackedJob, index?: number): CompareItem | null {
  const r = job.restore;
  if (!r) return null;
  const psnr = r.psnr ?? null;
  return {
    key: `job:${job.jobId}`,
    label: `${methodLabel(r.method)} · ${r.kind} · ${r.steps} steps${psnr != null ? ` · ${psnr.toFixed(2)} dB` : ''}${index !== undefined ? ` (#${index + 1})` : ''}`,
    imageUrl: r.displayUrl,
    trace: r.trace,
    psnr,
    method: r.method,
  };
}

/** Trace arrays as the library stores them (step, sigma, energy, psnr, elapsed) → points. */
export function traceFromColumns(traces: Record<string, Array<number | null>> | null | undefined): TracePoint[] {
  if (!traces) return [];
  const steps = traces.step ?? traces.sigma?.map((_, i) => i) ?? [];
  const at = (k: string, i: number) => {
    const v = traces[k]?.[i];
    return v == null ? undefined : v;
  };
  return steps.map((s, i) => {
    const p: TracePoint = { step: s ?? i, sigma: at('sigma', i) ?? Number.NaN, elapsed: at('elapsed', i) ?? Number.NaN };
    const e = at('energy', i);
    const q = at('psnr', i);
    if (e !== undefined) p.energy = e;
    if (q !== undefined) p.psnr = q;
    return p;
  });
}

export type Theme = 'system' | 'light' | 'dark';
const THEME_KEY = 'gnc-studio.theme';

export class Studio {
  readonly api: EngineApi;
  readonly jobs: JobTracker;
  readonly restore = new RestoreState();
  info = $state.raw<AppInfo | null>(null);
  models = $state.raw<ModelSummary[]>([]);
  /** Learned (VN) schedules in the library. */
  schedules = $state.raw<ScheduleSummary[]>([]);
  image = $state.raw<ImageInfo | null>(null);
  view = $state<ViewName>('restore');
  tool = $state<ToolName>('denoise');
  notices = $state.raw<Notice[]>([]);
  helpOpen = $state(false);
  /** First run: what the welcome offers, and whether it is open. */
  welcome = $state.raw<WelcomeInfo | null>(null);
  welcomeOpen = $state(false);
  /** The welcome's one-click denoise of the sample photo, while it runs and after. */
  sampleJob = $state.raw<TrackedJob | null>(null);
  theme = $state<Theme>('system');
  /** The pending confirmation, shown by ConfirmDialog. */
  confirmation = $state.raw<(ConfirmRequest & { resolve: (ok: boolean) => void }) | null>(null);
  /** What the Compare view shows. */
  compareA = $state.raw<CompareItem | null>(null);
  compareB = $state.raw<CompareItem | null>(null);
  /** Extra items (e.g. library runs opened for comparison). */
  extraItems = $state.raw<CompareItem[]>([]);
  /** The export dialog's job, when open. */
  exportJob = $state.raw<TrackedJob | null>(null);
  /** Increases when the library changed (views re-list). */
  libraryVersion = $state(0);
  connected = $state(false);
  /** Whether this page has WebGPU (null until probed at start). */
  webgpu = $state.raw<WebGpuProbe | null>(null);
  /** Denoise previews on the page's GPU; set once the probe finds an adapter. */
  gpu = $state.raw<GpuPreviewer | null>(null);
  readonly #gpuAccess: GpuAccess;
  #noticeId = 0;
  #unsubscribe: (() => void) | null = null;

  constructor(api: EngineApi, options: { pollMs?: number; gpu?: GpuAccess } = {}) {
    this.api = api;
    this.jobs = new JobTracker(api, options);
    this.#gpuAccess = options.gpu ?? pageGpu;
  }

  /**
   * Looks for WebGPU once. With an adapter the Denoise panel offers previews
   * on the GPU, and uses them by default unless the adapter is a fallback
   * (software) one, which is slower than the engine.
   */
  async probeGpu(): Promise<WebGpuProbe> {
    const probe = await this.#gpuAccess.probe();
    this.webgpu = probe;
    if (probe.available) {
      this.gpu ??= new GpuPreviewer(this.api, () => this.#gpuAccess.spawn());
      if (!probe.isFallbackAdapter) this.restore.previewBackend = 'webgpu';
    }
    return probe;
  }

  /** After a GPU failure: previews go back to the engine, and say why once. */
  gpuFailed(err: unknown): void {
    this.restore.previewBackend = 'engine';
    this.gpu?.stop();
    this.error(`The GPU preview failed (${errorMessage(err)}); previews run on the engine again.`);
  }

  /** Connects to the engine's events and loads what the first screen needs. */
  async start(): Promise<void> {
    this.#unsubscribe = this.api.subscribe((e) => this.#onEvent(e));
    this.theme = loadTheme();
    try {
      const [info, models] = await Promise.all([this.api.info(), this.api.listModels()]);
      this.info = info;
      this.models = models;
      this.connected = true;
      void this.refreshSchedules();
      const model = this.defaultModel;
      this.restore.useModel(model, 'denoise');
      this.restore.useModel(model, 'inpaint');
    } catch (err) {
      this.error(`Could not reach the engine: ${errorMessage(err)}`);
      return;
    }
    void this.probeGpu().catch(() => undefined);
    await this.#loadWelcome();
  }

  // ---- first run ------------------------------------------------------------------

  /** Opens the welcome by itself on the first run (until it is dismissed, which the library remembers). */
  async #loadWelcome(): Promise<void> {
    try {
      this.welcome = await this.api.welcome();
      if (this.welcome.show) this.welcomeOpen = true;
    } catch {
      // An engine without the call (or a failure) just means no welcome.
    }
  }

  /** Help → Welcome: reopens it whether or not it was dismissed. */
  async showWelcome(): Promise<void> {
    this.welcomeOpen = true;
    if (!this.welcome) {
      try {
        this.welcome = await this.api.welcome();
      } catch {
        // shown without the library's figures
      }
    }
  }

  /** Closes the welcome; it will not open by itself again (kept in the library). */
  async closeWelcome(): Promise<void> {
    this.welcomeOpen = false;
    if (this.welcome && !this.welcome.show) return;
    try {
      this.welcome = await this.api.setWelcome({ dismissed: true });
    } catch (err) {
      this.error(`Could not remember that the welcome was closed: ${errorMessage(err)}`);
    }
  }

  /**
   * The welcome's one-click denoise: opens the sample photo, adds noise of
   * σ = 25 (so the result has a PSNR to show) and denoises it with the default
   * model, exactly as the Denoise panel would; the Restore view shows it too.
   */
  async denoiseSample(sigma = 25): Promise<TrackedJob | null> {
    let image: ImageInfo;
    try {
      image = await this.api.openSample();
    } catch (err) {
      this.error(`Could not open the sample photo: ${errorMessage(err)}`);
      return null;
    }
    this.setImage(image);
    this.tool = 'denoise';
    const r = this.restore;
    r.useModel(this.defaultModel, 'denoise');
    r.sigma = sigma;
    r.synthetic = true;
    try {
      const job = await this.jobs.submit(
        denoiseRequest({ model: r.denoiseModel, sigma, synthetic: true, seed: r.seed, schedule: r.denoiseSchedule }, image.imageId),
      );
      this.sampleJob = job;
      r.job = job;
      const result = await job.settled();
      if (this.image?.imageId === image.imageId && isRestore(result)) r.shown = 'result';
      return job;
    } catch (err) {
      if (errorKind(err) === 'cancelled') this.notify('Denoising cancelled.');
      else this.error(`Denoising the sample failed: ${errorMessage(err)}`);
      return null;
    }
  }

  stop(): void {
    this.#unsubscribe?.();
    this.jobs.dispose();
    this.gpu?.stop();
  }

  #onEvent(event: EngineEvent): void {
    if (event.type === 'hello') this.connected = true;
    if (event.type === 'engine-restarted') {
      this.#engineRestarted(event.reason);
      return;
    }
    if (event.type === 'library-changed') {
      this.libraryVersion++;
      if (event.what === 'models') void this.refreshModels();
      if (event.what === 'schedules') void this.refreshSchedules();
    }
    this.jobs.handle(event);
    // The backend is known once a job ran: refresh what the status line shows.
    if (event.type === 'done' && !(isRestore(event.result) && event.result.crop)) void this.#refreshInfo();
  }

  /** The desktop app's engine crashed and was restarted: this session's photos and jobs went with it; the library did not. */
  #engineRestarted(reason: string): void {
    this.error(`The engine stopped unexpectedly (${reason}) and was restarted. The library is intact; photos opened in this session and jobs that were running are gone, so open the photo again.`);
    this.image = null;
    this.restore.resetForImage(1, 1);
    this.jobs.abandonUnfinished(`The engine stopped (${reason}) while this job ran.`);
    this.libraryVersion++;
    void this.refreshModels();
    void this.refreshSchedules();
    void this.#refreshInfo();
  }

  async #refreshInfo(): Promise<void> {
    try {
      this.info = await this.api.info();
    } catch {
      // keep what we had
    }
  }

  async refreshModels(): Promise<void> {
    try {
      this.models = await this.api.listModels();
    } catch (err) {
      this.error(`Could not list the models: ${errorMessage(err)}`);
    }
  }

  async refreshSchedules(): Promise<void> {
    try {
      this.schedules = await this.api.listSchedules();
    } catch {
      this.schedules = [];
    }
  }

  /** The learned schedules for a model and task (what method 'vn' can use). */
  schedulesFor(modelId: string | undefined, task: 'denoise' | 'inpaint'): ScheduleSummary[] {
    const id = modelId ?? this.defaultModel?.id;
    return this.schedules.filter((s) => s.task === task && s.modelId === id);
  }

  /** The model a panel uses: the picked one, else the default. */
  modelFor(modelId: string | undefined): ModelSummary | undefined {
    return (modelId && this.models.find((m) => m.id === modelId)) || this.defaultModel;
  }

  get defaultModel(): ModelSummary | undefined {
    return this.models.find((m) => m.isDefault) ?? this.models[0];
  }

  // ---- photos -------------------------------------------------------------------

  /** Sends a photo to the engine and makes it the open one; the engine's error is shown as it is. */
  async openFile(file: File | UploadFile): Promise<ImageInfo | null> {
    try {
      const upload: UploadFile = isUpload(file) ? file : { name: file.name, bytes: await readBytes(file) };
      if (!upload.bytes.length) throw new Error(`“${upload.name}” is empty.`);
      const limit = this.info?.limits.maxUploadBytes;
      if (limit && upload.bytes.length > limit) throw new Error(`“${upload.name}” is ${Math.round(upload.bytes.length / 1e6)} MB; the largest photo the app takes is ${Math.round(limit / 1e6)} MB.`);
      const info = await this.api.uploadImage(upload);
      this.setImage(info);
      return info;
    } catch (err) {
      this.error(`Could not open ${'name' in file ? `“${file.name}”` : 'the photo'}: ${errorMessage(err)}`);
      return null;
    }
  }

  async openPath(path: string): Promise<ImageInfo | null> {
    try {
      const info = await this.api.openImagePath({ path });
      this.setImage(info);
      return info;
    } catch (err) {
      this.error(`Could not open ${path}: ${errorMessage(err)}`);
      return null;
    }
  }

  setImage(info: ImageInfo): void {
    this.image = info;
    this.restore.resetForImage(info.width, info.height);
    this.view = 'restore';
  }

  // ---- notices and confirmations -------------------------------------------------

  error(text: string): void {
    this.#notice('error', text);
  }

  notify(text: string): void {
    this.#notice('info', text);
  }

  #notice(kind: Notice['kind'], text: string): void {
    const id = ++this.#noticeId;
    this.notices = [...this.notices.slice(-4), { id, kind, text }];
    if (kind === 'info' && typeof setTimeout === 'function') setTimeout(() => this.dismiss(id), 6000);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  /** Asks the user; resolves true when confirmed. */
  confirm(request: ConfirmRequest): Promise<boolean> {
    this.confirmation?.resolve(false);
    return new Promise((resolve) => {
      this.confirmation = {
        ...request,
        resolve: (ok) => {
          this.confirmation = null;
          resolve(ok);
        },
      };
    });
  }

  // ---- compare ----------------------------------------------------------------------

  /** Everything that can be compared now. */
  get compareItems(): CompareItem[] {
    const items: CompareItem[] = [];
    if (this.image) items.push({ key: `image:${this.image.imageId}`, label: `Input · ${this.image.name}`, imageUrl: this.image.displayUrl, trace: [] });
    this.jobs.results.forEach((job, i) => {
      const r = job.restore;
      if (r?.noisyUrl) items.push({ key: `noisy:${job.jobId}`, label: `Noisy input (σ ${r.addedNoise?.sigma ?? '?'}) (#${i + 1})`, imageUrl: r.noisyUrl, trace: [], psnr: r.inputPsnr ?? null });
      const item = itemFromJob(job, i);
      if (item) items.push(item);
    });
    for (const extra of this.extraItems) if (!items.some((i) => i.key === extra.key)) items.push(extra);
    return items;
  }

  compare(a: CompareItem | null, b: CompareItem | null): void {
    for (const item of [a, b]) if (item && !this.compareItems.some((i) => i.key === item.key)) this.extraItems = [...this.extraItems, item];
    this.compareA = a;
    this.compareB = b;
    this.view = 'compare';
  }

  // ---- theme ---------------------------------------------------------------------------

  setTheme(theme: Theme): void {
    this.theme = theme;
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      // private mode: the choice lasts for this page only
    }
  }

  /** The theme actually shown, resolving "system" with prefers-color-scheme. */
  effectiveTheme(prefersDark: boolean): 'light' | 'dark' {
    return this.theme === 'system' ? (prefersDark ? 'dark' : 'light') : this.theme;
  }
}

/** A file's bytes (FileReader where Blob.arrayBuffer is missing, as in older engines and jsdom). */
export function readBytes(file: Blob): Promise<Uint8Array> {
  if (typeof file.arrayBuffer === 'function') return file.arrayBuffer().then((b) => new Uint8Array(b));
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsArrayBuffer(file);
  });
}

function isUpload(file: File | UploadFile): file is UploadFile {
  return (file as UploadFile).bytes instanceof Uint8Array;
}

function loadTheme(): Theme {
  try {
    const v = localStorage.getItem(THEME_KEY);
    if (v === 'light' || v === 'dark' || v === 'system') return v;
  } catch {
    // no storage
  }
  return 'system';
}

const KEY = Symbol('studio');

export function provideStudio(studio: Studio): Studio {
  setContext(KEY, studio);
  return studio;
}

/** The context entry for a Studio (mount/render options `context`), for tests and embedding. */
export function studioContext(studio: Studio): Map<symbol, Studio> {
  return new Map([[KEY, studio]]);
}

export function useStudio(): Studio {
  const studio = getContext<Studio | undefined>(KEY);
  if (!studio) throw new Error('useStudio(): no Studio in context (wrap the component in <App> or provide one in the test)');
  return studio;
}
