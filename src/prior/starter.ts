/**
 * The hand-built starter prior that ships until a trained one exists: a
 * one-layer FoE whose 48 first-layer kernels are the 7×7 DCT atoms without DC
 * and whose potentials are the exact smoothed energies of Gaussian-scale-
 * mixture marginals fitted to those atoms' responses on training images:
 *
 *   φ_c(z, t) = E_c(z; e^t) / k²,  E_c(z; σ) = −log Σ_k π_ck N(z; 0, v_k + σ²)
 *
 * Why this works as a prior: with an orthonormal DCT, (1/k²) Σ_c K_cᵀK_c is
 * the identity on non-constant images, so one Tweedie step x − σ²∇ₓR is
 * sliding-window DCT denoising with each coefficient shrunk by its GSM MMSE
 * estimator, a well-known classical denoiser. It has the same form as a
 * learned prior (DCT filters, 2-D splines in (z, log σ)), so every solver
 * runs on it unchanged.
 */
import { foeArchitecture } from './factory.js';
import { dctKernels, splineWeightsFor } from './init.js';
import { binAbsolute, fitGsmWeights, gsmEnergy, varianceGrid, type Gsm } from './gsm.js';
import type { FoEArchitecture, FoEParameters } from './foe.js';
import type { SolverDefaults } from './model-file.js';

export interface StarterOptions {
  kernelSize?: number;
  features?: number;
  sigmaMin?: number;
  sigmaMax?: number;
  /** z knot spacing; must resolve the narrowest smoothed marginal (≈ σ_min). */
  zSpacing?: number;
  zMax?: number;
  nt?: number;
  mixtureComponents?: number;
}

export interface StarterPrior {
  architecture: FoEArchitecture;
  parameters: FoEParameters;
  mixtures: Gsm[];
}

export const STARTER_DEFAULTS: Required<StarterOptions> = {
  kernelSize: 7,
  features: 48,
  sigmaMin: 0.01,
  sigmaMax: 0.6,
  zSpacing: 0.0075,
  zMax: 2.5,
  nt: 16,
  mixtureComponents: 24,
};

/**
 * Builds the prior from filter responses: `responses[c]` holds samples of the
 * c-th DCT atom's response on clean training patches ([0, 1] intensities).
 */
export function buildStarterPrior(responses: ArrayLike<number>[], options: StarterOptions = {}): StarterPrior {
  const o = { ...STARTER_DEFAULTS, ...options };
  const nz = Math.ceil((2 * o.zMax) / o.zSpacing) + 5;
  const architecture = foeArchitecture({
    layers: 1,
    features: o.features,
    firstKernel: o.kernelSize,
    sigmaMin: o.sigmaMin,
    sigmaMax: o.sigmaMax,
    nz,
    nt: o.nt,
    zMax: [o.zMax],
  });
  const grid = architecture.layers[0]!.spline;
  const variances = varianceGrid(1e-3, 2, o.mixtureComponents);
  const patch = o.kernelSize * o.kernelSize;
  const mixtures: Gsm[] = [];
  const weights = new Float32Array(o.features * grid.nz * grid.nt);
  for (let c = 0; c < o.features; c++) {
    const { values, counts } = binAbsolute(responses[c]!);
    const gsm = fitGsmWeights(values, variances, 300, counts);
    mixtures.push(gsm);
    // Weight by σ²: solvers use σ²∇R, so that is the scale that must be accurate at every σ.
    const one = splineWeightsFor(grid, 1, (z, t) => gsmEnergy(gsm, z, Math.exp(t)) / patch, (t) => Math.exp(2 * t));
    weights.set(one, c * one.length);
  }
  return {
    architecture,
    parameters: { kernels: [dctKernels(o.kernelSize, o.features, 1)], splines: [weights] },
    mixtures,
  };
}

/** Solver settings measured to suit the starter prior (see the model's metadata). */
export const STARTER_SOLVER_DEFAULTS: { denoise: SolverDefaults; inpaint: SolverDefaults } = {
  // Set12 01/02/05, σ = 25: log 0.4 → 0.02 gave 28.50 / 28.57 / 28.59 / 28.56 / 28.47 dB over
  // 10 / 12 / 15 / 20 / 30 steps (linear 0.3 → 0.02 over 20: 28.2); joint with τ_t = 3 over 15 steps
  // 28.86 dB. The best PSNR comes before the energy minimum, as the GNC paper reports.
  // Inpainting 50 %: 32.26 / 32.51 / 32.80 dB over 30 / 40 / 60 steps.
  denoise: { method: 'gnc', steps: 15, sigma0: 0.4, sigmaMin: 0.02, schedule: 'log', stepScale: 1, tStep: 3 },
  inpaint: { method: 'gnc', steps: 60, sigma0: 0.4, sigmaMin: 0.01, schedule: 'log', stepScale: 1, tStep: 3 },
};
