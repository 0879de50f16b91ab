/** What the Restore view holds between panels: the forms, the mask, the jobs shown and the view. */
import type { CropRect, ImageInfo, ModelSummary } from '../api/types.js';
import type { TrackedJob } from './jobs.svelte.js';
import { MaskState } from './mask.svelte.js';
import { FALLBACK_SCHEDULE, type ScheduleValues } from '../logic/params.js';
import { scheduleFromModel } from '../logic/requests.js';
import type { View } from '../logic/viewport.js';

/** Where live denoise previews are solved: by an engine job, or on this page's GPU (WebGPU). */
export type PreviewBackend = 'engine' | 'webgpu';

/** A preview solved on the page's GPU, as shown: its picture (an object URL) and figures. */
export interface GpuPreviewShown {
  url: string;
  crop: CropRect;
  seconds: number;
  steps: number;
  psnr?: number;
}

export class RestoreState {
  denoiseModel = $state<string | undefined>(undefined);
  sigma = $state(25);
  synthetic = $state(false);
  seed = $state(1);
  denoiseSchedule = $state<ScheduleValues>({ ...FALLBACK_SCHEDULE });
  /** Learned schedule for method 'vn' (undefined: the engine picks the nearest). */
  denoiseScheduleId = $state<string | undefined>(undefined);
  livePreview = $state(true);

  inpaintModel = $state<string | undefined>(undefined);
  inpaintSchedule = $state<ScheduleValues>({ ...FALLBACK_SCHEDULE, steps: 60 });
  inpaintScheduleId = $state<string | undefined>(undefined);

  readonly mask = new MaskState();
  /** A clean version of the open photo (uploaded beside it, not opened): results then show PSNR per step. */
  cleanImage = $state.raw<ImageInfo | null>(null);

  /** The latest preview (crop) and the rectangle it covers. */
  preview = $state.raw<TrackedJob | null>(null);
  previewCrop = $state.raw<CropRect | null>(null);
  previewBusy = $state(false);
  /** Where previews run; 'webgpu' only when the page has a WebGPU adapter (Studio.webgpu). */
  previewBackend = $state<PreviewBackend>('engine');
  /** The latest preview solved on the GPU (shown instead of `preview` while set). */
  gpuPreview = $state.raw<GpuPreviewShown | null>(null);
  /** Revokes object URLs: the page's own (URL.revokeObjectURL) unless a test gives another. */
  revokeUrl: (url: string) => void = (url) => URL.revokeObjectURL(url);
  /** The full run in progress or last finished. */
  job = $state.raw<TrackedJob | null>(null);
  /** What the viewer shows. */
  shown = $state<'input' | 'result'>('input');
  view = $state<View>({ scale: 1, x: 0, y: 0 });
  paneWidth = $state(0);
  paneHeight = $state(0);

  /** Applies a model's recommended schedules (when the model is picked). */
  useModel(model: ModelSummary | undefined, task: 'denoise' | 'inpaint'): void {
    if (task === 'denoise') {
      this.denoiseModel = model?.id;
      this.denoiseSchedule = scheduleFromModel(model, 'denoise');
      this.denoiseScheduleId = undefined;
    } else {
      this.inpaintModel = model?.id;
      this.inpaintSchedule = scheduleFromModel(model, 'inpaint');
      this.inpaintScheduleId = undefined;
    }
  }

  /** Shows a GPU preview (taking over its URL) in place of any earlier preview. */
  showGpuPreview(shown: GpuPreviewShown): void {
    this.clearGpuPreview();
    this.gpuPreview = shown;
    this.preview = null;
    this.previewCrop = null;
  }

  clearGpuPreview(): void {
    if (this.gpuPreview) this.revokeUrl(this.gpuPreview.url);
    this.gpuPreview = null;
  }

  /** Forget results of the previous photo. */
  resetForImage(width: number, height: number): void {
    this.clearGpuPreview();
    this.preview = null;
    this.previewCrop = null;
    this.job = null;
    this.shown = 'input';
    this.cleanImage = null;
    this.mask.reset(width, height);
  }
}
