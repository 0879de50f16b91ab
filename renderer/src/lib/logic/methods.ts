/**
 * Which solver methods the chosen model can run, and why not (pure, so it is
 * tested without the DOM). The engine refuses the same cases at run time;
 * saying so next to the choice spares the user a failed run.
 */
import type { SolverMethod } from '../api/types.js';

const JOINT_MISSING =
  'Joint optimisation needs a model trained with the t-term of the loss; this one was not (alpha = 0), so its energy says nothing along σ. Use GNC flow.';

const vnMissing = (task: 'denoise' | 'inpaint') =>
  `VN runs a learned schedule (few steps, tuned per noise level). This model has none in the library yet for ${task === 'denoise' ? 'denoising' : 'inpainting'}: learn one with \`gnc learn-schedule\`, then it appears here.`;

/**
 * Why `method` cannot run (null: it can). `methods` is the model's
 * ModelSummary.methods (undefined: unknown, nothing ruled out); VN also needs
 * a schedule for this task, which `schedules` counts.
 */
export function methodUnavailable(method: SolverMethod, methods: readonly SolverMethod[] | undefined, schedules: number, task: 'denoise' | 'inpaint'): string | null {
  if (method === 'joint' && methods && !methods.includes('joint')) return JOINT_MISSING;
  if (method === 'vn' && (schedules === 0 || (methods && !methods.includes('vn')))) return vnMissing(task);
  return null;
}
