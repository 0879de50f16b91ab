/**
 * `gnc denoise` and `gnc inpaint`: read → restore → write, with progress,
 * Ctrl-C, and a JSON report. σ values shown to the user (options, traces,
 * JSON) are on the 0–255 scale.
 */
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatFromPath } from '../image/io.js';
import { BACKEND_CHOICES, type BackendChoice } from '../engine/backend.js';
import { DEFAULT_MODEL } from '../prior/registry.js';
import type { TaskName } from '../restore/restore.js';
import type { DenoiseJobRequest, InpaintJobRequest, NoiseReport, RestoreJobResult, SolverSettings255 } from '../jobs/contract.js';
import { addRecordingOptions, runCliJob } from './recording.js';
import { GncError } from '../util/errors.js';
import { parseChoice, parseInteger, parseNumber, parseSigma255 } from './options.js';
import { formatSeconds } from './progress.js';
import { isDirectory, runBatch } from './batch.js';

interface RestoreCliOptions {
  out: string;
  sigma?: number | 'auto';
  noiseModel?: 'gaussian' | 'poisson-gaussian';
  addNoise?: number;
  seed: number;
  mask?: string;
  model: string;
  method?: 'gnc' | 'joint' | 'vn';
  vnSchedule?: string;
  steps?: number;
  sigma0?: number;
  sigmaMin?: number;
  schedule?: 'linear' | 'log';
  stepScale?: number;
  tStep?: number;
  dataWeight?: number;
  backend: BackendChoice;
  threads?: number;
  clean?: string;
  json?: boolean;
  traceEnergy: boolean;
  bitDepth?: 8 | 16;
  progress?: boolean;
  library?: string;
  record: boolean;
}

export function addRestoreCommand(program: Command, task: TaskName): void {
  const cmd = program.command(task).argument('<input>', 'image to restore (PNG, JPEG, TIFF 8/16-bit, WebP; grey or RGB), or a folder of them');
  if (task === 'denoise') {
    cmd
      .description('Remove noise with a GNC prior: Gaussian noise of a given or estimated level, or camera (Poisson–Gaussian) noise')
      .addOption(new Option('--sigma <s|auto>', 'noise standard deviation on the 0–255 scale, or auto: estimate it from the photo (the default without --sigma and --add-noise)').argParser(parseSigmaOrAuto))
      .addOption(
        new Option('--noise-model <model>', 'gaussian: one σ everywhere; poisson-gaussian: camera noise whose variance grows with brightness (a·x + b, estimated), removed through a variance-stabilising transform')
          .argParser(parseChoice('--noise-model', ['gaussian', 'poisson-gaussian'] as const)),
      )
      .addOption(
        new Option('--add-noise <s>', 'first add synthetic Gaussian noise of this level (0–255) in floating point; the input then serves as the clean reference and --sigma defaults to it')
          .argParser(parseSigma255('--add-noise', 0.1, 255)),
      );
  } else {
    cmd
      .description('Fill in the pixels a mask marks (non-zero mask pixel = fill in) with a GNC prior')
      .requiredOption('--mask <file|dir>', 'mask image of the same size; non-zero pixels are filled in (for a folder of photos: a folder of masks, matched by file name without extension)');
  }
  cmd
    .requiredOption('-o, --out <file|dir>', 'output image; format from the extension (.png .jpg .tif .webp); for a folder of photos, the folder for the results (same names; existing ones are skipped, so a stopped batch resumes)')
    .option('--model <name|file>', 'prior to use: a shipped model name (see `gnc models`) or a .gncm file', DEFAULT_MODEL)
    .addOption(new Option('--method <m>', 'solver: gnc = GNC flow on a predefined schedule, joint = joint optimisation over image and σ, vn = a learned VN schedule (the shipped one nearest the noise level or missing ratio, or --vn-schedule)').argParser(parseChoice('--method', ['gnc', 'joint', 'vn'] as const)))
    .option('--vn-schedule <file>', 'with --method vn: a schedule file (.gncs) from `gnc learn-schedule`')
    .addOption(new Option('--steps <T>', 'number of solver steps (default: the model\'s recommendation, shown in --json settings)').argParser(parseInteger('--steps', 1, 10_000)))
    .addOption(new Option('--sigma0 <s>', 'starting smoothing σ₀ (0–255 scale)').argParser(parseSigma255('--sigma0', 0.1, 1000)))
    .addOption(new Option('--sigma-min <s>', 'final smoothing σ_min of the schedule, lower bound for joint (0–255 scale)').argParser(parseSigma255('--sigma-min', 0.03, 1000)))
    .addOption(new Option('--schedule <shape>', 'σ schedule of the GNC flow').argParser(parseChoice('--schedule', ['linear', 'log'] as const)))
    .addOption(new Option('--step-scale <λ>', 'step size relative to σ² (1 = the paper\'s)').argParser(parseNumber('--step-scale', 1e-4, 100)))
    .addOption(new Option('--t-step <τ>', 'joint optimisation: step size in log σ').argParser(parseNumber('--t-step', 0, 1e6)))
    .addOption(new Option('--data-weight <w>', 'weight of the data term against the prior (default 1); denoising only, w at --sigma s acts as s/√w').argParser(parseNumber('--data-weight', 0.05, 20)))
    .addOption(new Option('--backend <name>', 'numerical backend').choices([...BACKEND_CHOICES]).default('auto'))
    .addOption(new Option('--threads <n>', 'threads that evaluate the prior tile by tile (default: GNC_THREADS, else every core)').argParser(parseInteger('--threads', 1, 256)))
    .option('--clean <file>', 'clean reference image: report PSNR and SSIM')
    .addOption(new Option('--seed <n>', 'seed for --add-noise').argParser(parseInteger('--seed', 0, 2 ** 31)).default(0))
    .addOption(new Option('--bit-depth <bits>', 'output bit depth (default: the input\'s)').argParser((v) => parseChoice('--bit-depth', ['8', '16'] as const)(v) === '8' ? 8 : 16))
    .option('--no-trace-energy', 'with --json: skip the per-step energy trace (saves one forward pass per step; without --json it is never computed)')
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .option('--json', 'print one JSON object with the result, settings and per-step traces on stdout');
  addRecordingOptions(cmd).action(async (input: string, options: RestoreCliOptions) => runRestore(task, input, options));
}

/** One line saying which noise level the solver used and where it came from. */
export function describeNoise(noise: NoiseReport): string {
  if (noise.model === 'poisson-gaussian') {
    return `noise: Poisson–Gaussian, variance ${noise.a!.toExponential(3)}·x + ${noise.b!.toExponential(3)} on [0, 1] (estimated from the photo); denoised at σ ${noise.sigma.toFixed(2)} after variance stabilisation`;
  }
  return `noise: σ ${noise.sigma.toFixed(2)} (0–255) ${noise.source === 'estimated' ? 'estimated from the photo' : noise.source === 'added' ? 'as added' : 'as given'}`;
}

function parseSigmaOrAuto(value: string): number | 'auto' {
  if (value.trim().toLowerCase() === 'auto') return 'auto';
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0.1 || n > 255) {
    throw new InvalidArgumentError(`expected a noise level between 0.1 and 255 (0–255 scale) or "auto", got ${JSON.stringify(value)}`);
  }
  return parseSigma255('--sigma', 0.1, 255)(value);
}

function settingsFrom(o: RestoreCliOptions): SolverSettings255 {
  const settings: SolverSettings255 = {
    method: o.method,
    steps: o.steps,
    sigma0: o.sigma0 !== undefined ? o.sigma0 * 255 : undefined,
    sigmaMin: o.sigmaMin !== undefined ? o.sigmaMin * 255 : undefined,
    schedule: o.schedule,
    stepScale: o.stepScale,
    tStep: o.tStep,
    dataWeight: o.dataWeight,
  };
  for (const key of Object.keys(settings) as Array<keyof SolverSettings255>) if (settings[key] === undefined) delete settings[key];
  return settings;
}

function requestFrom(task: TaskName, input: string, o: RestoreCliOptions): DenoiseJobRequest | InpaintJobRequest {
  const common = {
    input,
    outputs: [o.out],
    model: o.model,
    settings: settingsFrom(o),
    backend: o.backend,
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    // The energy trace costs a forward pass per step and only --json shows it.
    traceEnergy: o.json === true && o.traceEnergy,
    ...(o.clean ? { clean: o.clean } : {}),
    ...(o.bitDepth ? { bitDepth: o.bitDepth } : {}),
    ...(o.vnSchedule ? { schedule: o.vnSchedule } : {}),
  };
  if (task === 'inpaint') return { kind: 'inpaint', ...common, mask: o.mask! };
  if (o.noiseModel === 'poisson-gaussian' && typeof o.sigma === 'number') {
    throw new GncError('invalid-argument', '--sigma does not apply with --noise-model poisson-gaussian: its gain and offset are estimated from the photo (leave --sigma out or give --sigma auto)');
  }
  return {
    kind: 'denoise',
    ...common,
    // Without a level or synthetic noise, the level is estimated from the photo.
    ...(typeof o.sigma === 'number' ? { sigma: o.sigma * 255 } : o.sigma === 'auto' || o.addNoise === undefined ? { sigma: 'auto' as const } : {}),
    ...(o.noiseModel ? { noiseModel: o.noiseModel } : {}),
    ...(o.addNoise !== undefined ? { addNoise: o.addNoise * 255, seed: o.seed } : {}),
  };
}

async function runRestore(task: TaskName, input: string, o: RestoreCliOptions): Promise<void> {
  if (isDirectory(input)) {
    // A folder: every photo in it, into the folder -o names (batch.ts).
    await runBatch(task, input, o, (file, out, mask) => requestFrom(task, file, { ...o, out, ...(mask ? { mask } : {}) }));
    return;
  }
  // Checked first so a bad output name fails before the solve, not after it.
  formatFromPath(o.out);
  const request = requestFrom(task, input, o);
  // The solve runs on an engine worker thread, so this thread stays free to
  // take Ctrl-C and cancel it; the output is written only after a finished
  // solve, so nothing half-written is left.
  const { result: done, recordId } = await runCliJob(o, request, task, {
    view: (p) => ({
      done: p.step ?? 0,
      total: p.steps ?? 1,
      fields: {
        'σ': p.trace ? p.trace.sigma.toFixed(1) : undefined,
        PSNR: p.trace?.psnr !== undefined ? `${p.trace.psnr.toFixed(2)} dB` : undefined,
      },
    }),
  });
  const result = done as RestoreJobResult;
  const recorded = recordId ? { run: recordId } : {};
  if (result.schedule?.warning) process.stderr.write(`gnc: warning: ${result.schedule.warning}\n`);
  if (o.json) {
    const { kind, outputs, ...rest } = result;
    const report = { command: kind, ...rest, input: path.resolve(input), output: path.resolve(outputs[0]!), ...recorded };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    if (result.noise && result.noise.source !== 'given') process.stdout.write(`${describeNoise(result.noise)}\n`);
    const quality = result.psnr !== undefined ? `, PSNR ${result.inputPsnr!.toFixed(2)} → ${result.psnr.toFixed(2)} dB, SSIM ${result.ssim!.toFixed(4)}` : '';
    process.stdout.write(
      `${task}: wrote ${o.out} (${result.width}×${result.height}, ${result.channels === 3 ? 'RGB' : 'grey'}, ${result.bitDepth}-bit) with ${result.model.name}, ` +
        `${result.method} ${result.steps} steps${result.schedule ? ` (schedule for ${result.kind === 'denoise' ? `σ ${result.schedule.level}` : `${result.schedule.level * 100}% missing`}: ${path.basename(result.schedule.file)})` : ''} on ${result.backend.name}${result.threads > 1 ? ` (${result.threads} threads)` : ''} in ${formatSeconds(result.seconds)}${quality}` +
        `${recordId ? `; recorded as run ${recordId.slice(0, 8)}` : ''}\n`,
    );
  }
}
