/**
 * `gnc denoise` and `gnc inpaint`: read → restore → write, with progress,
 * Ctrl-C, and a JSON report. σ values shown to the user (options, traces,
 * JSON) are on the 0–255 scale.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { formatFromPath, readImage, readMask, writeImage } from '../image/io.js';
import { addGaussianNoise } from '../image/noise.js';
import type { DecodedImage } from '../image/types.js';
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from '../engine/backend.js';
import { DEFAULT_MODEL, resolveModel } from '../prior/registry.js';
import { restore, type SolverSettings, type TaskName } from '../restore/restore.js';
import type { StepTrace } from '../solve/solver.js';
import { GncError } from '../util/errors.js';
import { parseChoice, parseInteger, parseNumber, parseSigma255 } from './options.js';
import { formatSeconds, progressBar } from './progress.js';

interface RestoreCliOptions {
  out: string;
  sigma?: number;
  addNoise?: number;
  seed: number;
  mask?: string;
  model: string;
  method?: 'gnc' | 'joint';
  steps?: number;
  sigma0?: number;
  sigmaMin?: number;
  schedule?: 'linear' | 'log';
  stepScale?: number;
  tStep?: number;
  backend: BackendChoice;
  clean?: string;
  json?: boolean;
  traceEnergy: boolean;
  bitDepth?: 8 | 16;
  progress?: boolean;
}

export function addRestoreCommand(program: Command, task: TaskName): void {
  const cmd = program.command(task).argument('<input>', 'image to restore (PNG, JPEG, TIFF 8/16-bit, WebP; grey or RGB)');
  if (task === 'denoise') {
    cmd
      .description('Remove Gaussian noise of a known level with a GNC prior')
      .addOption(new Option('--sigma <s>', 'noise standard deviation on the 0–255 scale').argParser(parseSigma255('--sigma', 0.1, 255)))
      .addOption(
        new Option('--add-noise <s>', 'first add synthetic Gaussian noise of this level (0–255) in floating point; the input then serves as the clean reference and --sigma defaults to it')
          .argParser(parseSigma255('--add-noise', 0.1, 255)),
      );
  } else {
    cmd
      .description('Fill in the pixels a mask marks (non-zero mask pixel = fill in) with a GNC prior')
      .requiredOption('--mask <file>', 'mask image of the same size; non-zero pixels are filled in');
  }
  cmd
    .requiredOption('-o, --out <file>', 'output image; format from the extension (.png .jpg .tif .webp)')
    .option('--model <name|file>', 'prior to use: a shipped model name (see `gnc models`) or a .gncm file', DEFAULT_MODEL)
    .addOption(new Option('--method <m>', 'solver: gnc = GNC flow on a predefined schedule, joint = joint optimisation over image and σ').argParser(parseChoice('--method', ['gnc', 'joint'] as const)))
    .addOption(new Option('--steps <T>', 'number of solver steps (default: the model\'s recommendation, shown in --json settings)').argParser(parseInteger('--steps', 1, 10_000)))
    .addOption(new Option('--sigma0 <s>', 'starting smoothing σ₀ (0–255 scale)').argParser(parseSigma255('--sigma0', 0.1, 1000)))
    .addOption(new Option('--sigma-min <s>', 'final smoothing σ_min of the schedule, lower bound for joint (0–255 scale)').argParser(parseSigma255('--sigma-min', 0.03, 1000)))
    .addOption(new Option('--schedule <shape>', 'σ schedule of the GNC flow').argParser(parseChoice('--schedule', ['linear', 'log'] as const)))
    .addOption(new Option('--step-scale <λ>', 'step size relative to σ² (1 = the paper\'s)').argParser(parseNumber('--step-scale', 1e-4, 100)))
    .addOption(new Option('--t-step <τ>', 'joint optimisation: step size in log σ').argParser(parseNumber('--t-step', 0, 1e6)))
    .addOption(new Option('--backend <name>', 'numerical backend').choices([...BACKEND_CHOICES]).default('auto'))
    .option('--clean <file>', 'clean reference image: report PSNR and SSIM')
    .addOption(new Option('--seed <n>', 'seed for --add-noise').argParser(parseInteger('--seed', 0, 2 ** 31)).default(0))
    .addOption(new Option('--bit-depth <bits>', 'output bit depth (default: the input\'s)').argParser((v) => parseChoice('--bit-depth', ['8', '16'] as const)(v) === '8' ? 8 : 16))
    .option('--no-trace-energy', 'with --json: skip the per-step energy trace (saves one forward pass per step; without --json it is never computed)')
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .option('--json', 'print one JSON object with the result, settings and per-step traces on stdout')
    .action(async (input: string, options: RestoreCliOptions) => runRestore(task, input, options));
}

function settingsFrom(o: RestoreCliOptions): Partial<SolverSettings> {
  return {
    method: o.method,
    steps: o.steps,
    sigma0: o.sigma0,
    sigmaMin: o.sigmaMin,
    schedule: o.schedule,
    stepScale: o.stepScale,
    tStep: o.tStep,
  };
}

async function runRestore(task: TaskName, input: string, o: RestoreCliOptions): Promise<void> {
  // Checked first so a bad output name fails before the solve, not after it.
  const outFormat = formatFromPath(o.out);
  const backend = await selectBackend(o.backend);
  const model = await resolveModel(o.model);
  const image = await readImage(input);
  let noisy: DecodedImage = image;
  let reference: DecodedImage | undefined;
  let sigma = o.sigma;
  if (task === 'denoise') {
    if (o.addNoise !== undefined) {
      noisy = { ...image, data: addGaussianNoise(image.data, o.addNoise, o.seed) };
      reference = image;
      sigma ??= o.addNoise;
    }
    if (sigma === undefined) throw new GncError('invalid-argument', 'gnc denoise needs --sigma (the noise level on the 0–255 scale) or --add-noise');
  }
  if (o.clean) reference = await readImage(o.clean);
  const mask = task === 'inpaint' ? await readMask(o.mask!, image.width, image.height) : undefined;
  if (mask && task === 'inpaint') {
    // Hidden pixels carry no information; zero them so results never depend on them.
    noisy = { ...image, data: image.data.slice() };
    const c = image.channels;
    for (let p = 0; p < mask.length; p++) if (!mask[p]) for (let k = 0; k < c; k++) noisy.data[p * c + k] = 0;
  }

  // No SIGINT handler here: restore() runs synchronously, so a handler could
  // only run after the solve had finished, and merely installing one disables
  // Node's default exit on Ctrl-C. Left alone, Ctrl-C ends the process at
  // once; the output is written atomically after the solve, so nothing
  // half-written is left under its name.
  const bar = progressBar(task, o.progress ?? (process.stderr.isTTY === true && !o.json));
  const showStep = (t: StepTrace, total: number) =>
    bar.update(t.step, total, {
      'σ': (t.sigma * 255).toFixed(1),
      PSNR: t.psnr !== undefined ? `${t.psnr.toFixed(2)} dB` : undefined,
    });
  let result;
  try {
    result = restore({
      task,
      image: noisy,
      model,
      ...(sigma !== undefined ? { sigma } : {}),
      ...(mask ? { mask } : {}),
      ...(reference ? { reference } : {}),
      settings: settingsFrom(o),
      // The energy trace costs a forward pass per step and only --json shows it.
      traceEnergy: o.json === true && o.traceEnergy,
      onStep: showStep,
    });
  } finally {
    bar.finish();
  }

  // JPEG and WebP hold 8 bits whatever is asked; report what is written.
  const bitDepth = outFormat === 'jpeg' || outFormat === 'webp' ? 8 : (o.bitDepth ?? (image.bitDepth === 32 ? 16 : image.bitDepth));
  await writeImage(o.out, { ...result.image, alpha: image.alpha, icc: image.icc, exif: image.exif, bitDepth }, { bitDepth });

  const report = {
    command: task,
    input: path.resolve(input),
    output: path.resolve(o.out),
    width: image.width,
    height: image.height,
    channels: image.channels,
    bitDepth,
    backend: { name: backend.name, device: backend.device, threads: backend.threads, package: backend.package },
    model: { name: model.name, id: model.id, path: model.path },
    method: result.settings.method,
    steps: result.settings.steps,
    settings: { ...result.settings, sigma0: result.settings.sigma0 * 255, sigmaMin: result.settings.sigmaMin * 255 },
    ...(sigma !== undefined ? { sigma: sigma * 255 } : {}),
    ...(o.addNoise !== undefined ? { addedNoise: { sigma: o.addNoise * 255, seed: o.seed } } : {}),
    ...(mask ? { missingFraction: 1 - mask.reduce((a, b) => a + b, 0) / mask.length } : {}),
    seconds: Number(result.seconds.toFixed(3)),
    ...(result.psnr !== undefined ? { psnr: result.psnr, ssim: result.ssim, inputPsnr: result.inputPsnr } : {}),
    trace: result.trace.map((t) => ({ ...t, sigma: t.sigma * 255 })),
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    const quality = result.psnr !== undefined ? `, PSNR ${result.inputPsnr!.toFixed(2)} → ${result.psnr.toFixed(2)} dB, SSIM ${result.ssim!.toFixed(4)}` : '';
    process.stdout.write(
      `${task}: wrote ${o.out} (${image.width}×${image.height}, ${image.channels === 3 ? 'RGB' : 'grey'}, ${bitDepth}-bit) with ${model.name}, ` +
        `${result.settings.method} ${result.settings.steps} steps on ${backend.name} in ${formatSeconds(result.seconds)}${quality}\n`,
    );
  }
}
