import { describe, expect, it } from 'vitest';
import { scheduleForRun, vnLevelWarning } from '../../renderer/src/lib/logic/schedule-choice.js';

const summary = (id: string, level: number, shipped: boolean, task: 'denoise' | 'inpaint' = 'denoise') => ({ id, modelId: 'm', modelName: 'grey', task, level, steps: 8, figures: null, shipped, createdAt: '' });

describe('the schedule a VN run will use', () => {
  const schedules = [summary('u20', 20, false), summary('s15', 15, true), summary('s25', 25, true), summary('s50', 50, true), summary('i50', 0.5, true, 'inpaint')];

  it('is the chosen one, else the nearest shipped one with noise above a level counting more, as the engine picks', () => {
    expect(scheduleForRun(schedules, 'u20', 'denoise', 40)?.id).toBe('u20');
    // 20 is nearest, but the model has shipped schedules and the engine picks among those.
    expect(scheduleForRun(schedules, undefined, 'denoise', 20)?.id).toBe('s25');
    expect(scheduleForRun(schedules, undefined, 'denoise', 30)?.id).toBe('s25');
    expect(scheduleForRun(schedules, undefined, 'denoise', 35)?.id).toBe('s50');
    expect(scheduleForRun([summary('u20', 20, false)], undefined, 'denoise', 35)?.id).toBe('u20');
    expect(scheduleForRun(schedules, 'i50', 'denoise', 25)).toBeUndefined();
    expect(scheduleForRun([], undefined, 'denoise', 25)).toBeUndefined();
  });

  it('warns only when the noise is well above that schedule’s level, and only for denoising', () => {
    expect(vnLevelWarning(schedules, undefined, 'denoise', 28)).toBeNull();
    expect(vnLevelWarning(schedules, 'u20', 'denoise', 30)).toMatch(/learned for noise σ 20 but the noise here is σ 30/);
    expect(vnLevelWarning([summary('s25', 25, true)], undefined, 'denoise', 50)).toMatch(/σ 25 but the noise here is σ 50/);
    expect(vnLevelWarning(schedules, undefined, 'denoise', undefined)).toBeNull();
    expect(vnLevelWarning(schedules, undefined, 'inpaint', 0.9)).toBeNull();
  });
});
