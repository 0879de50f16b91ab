/**
 * Posterior sampling from the Restore view (pure, tested without the DOM):
 * the panel's settings, the request for the open photo, and the figures a
 * finished run reports, worded for the user.
 */
import type { SampleResultSummary, SampleSubmit } from '../api/types.js';
import type { ParamSpec } from './params.js';

export const SAMPLE_PARAMS = {
  samples: { key: 'samples', label: 'Samples K', min: 1, max: 64, step: 1, integer: true, help: 'How many posterior samples to draw; the mean and std use all of them.' },
  levels: { key: 'levels', label: 'Noise levels', min: 2, max: 200, step: 1, integer: true, log: true, help: 'Levels of the annealing from the largest σ down to the smallest.' },
  stepsPerLevel: { key: 'stepsPerLevel', label: 'Steps per level', min: 1, max: 200, step: 1, integer: true, log: true, help: 'Langevin steps at each level.' },
} satisfies Record<string, ParamSpec>;

export interface SampleForm {
  samples: number;
  levels: number;
  stepsPerLevel: number;
}

export const DEFAULT_SAMPLE: SampleForm = { samples: 8, levels: 20, stepsPerLevel: 10 };

/** What the photo gives each task: its noise level, or the uploaded mask of what to fill in. */
export type SampleObservation = { task: 'denoise'; sigma: number } | { task: 'inpaint'; maskId: string };

export function sampleRequest(imageId: string, observation: SampleObservation, form: SampleForm, extra: { model?: string | undefined; cleanImageId?: string | undefined } = {}): SampleSubmit {
  const request: SampleSubmit = { kind: 'sample', imageId, ...observation, samples: form.samples, levels: form.levels, stepsPerLevel: form.stepsPerLevel };
  if (extra.model) request.model = extra.model;
  if (extra.cleanImageId) request.cleanImageId = extra.cleanImageId;
  return request;
}

/** The figures of a finished run as [label, value] rows (std on the 0–255 scale, like σ). */
export function sampleFigures(r: SampleResultSummary): Array<[string, string]> {
  const std = (v: number) => (v * 255).toFixed(2);
  const rows: Array<[string, string]> = [['Mean std', std(r.meanStd)]];
  if (r.stdHidden !== undefined) rows.push(['Std, filled-in pixels', std(r.stdHidden)]);
  if (r.stdObserved !== undefined) rows.push(['Std, kept pixels', std(r.stdObserved)]);
  if (r.stdTexture !== undefined && r.stdFlat !== undefined) rows.push(['Std, textured vs flat', `${std(r.stdTexture)} vs ${std(r.stdFlat)}`]);
  if (r.psnr) {
    rows.push(['PSNR of the mean', `${r.psnr.mean.toFixed(2)} dB`]);
    const best = Math.max(...r.psnr.samples);
    rows.push(['PSNR of the samples', `${Math.min(...r.psnr.samples).toFixed(2)}–${best.toFixed(2)} dB`]);
    rows.push(['PSNR of the GNC result', `${r.psnr.gnc.toFixed(2)} dB`]);
  }
  rows.push(['Time', `${r.seconds.toFixed(1)} s`]);
  return rows;
}
