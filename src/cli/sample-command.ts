/**
 * `gnc sample`: annealed Langevin sampling with the learned prior — textures
 * from the prior, or posterior samples for denoising and inpainting with
 * their mean and a per-pixel standard-deviation (uncertainty) map.
 */
import { Command, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../engine/backend.js';
import type { ReportJobResult } from '../jobs/contract.js';
import type { SampleReport } from '../sample/sample-images.js';
import { addRecordingOptions, runCliJob } from './recording.js';
import { DEFAULT_MODEL } from '../prior/registry.js';
import type { SampleTask } from '../sample/langevin.js';
import { GncError } from '../util/errors.js';
import { parseChoice, parseInteger, parseNumber } from './options.js';
import { formatSeconds } from './progress.js';

interface SampleCliOptions {
  task: SampleTask;
  mask?: string;
  sigma?: number;
  addNoise?: boolean;
  clean?: string;
  model: string;
  samples: number;
  out: string;
  width: number;
  height: number;
  sigmaMax?: number;
  sigmaMin?: number;
  levels: number;
  stepsPerLevel: number;
  epsilon?: number;
  seed: number;
  backend: BackendChoice;
  threads?: number;
  progress?: boolean;
  json?: boolean;
  library?: string;
  record: boolean;
}

export function addSampleCommand(program: Command): void {
  const cmd = program
    .command('sample')
    .argument('[input]', 'image to sample the posterior for (denoise, inpaint)')
    .description('Annealed Langevin sampling with the prior as the score: prior textures, or posterior samples with mean and uncertainty map')
    .addOption(new Option('--task <task>', 'prior, denoise or inpaint').argParser(parseChoice('--task', ['prior', 'denoise', 'inpaint'] as const)).default('prior'))
    .option('--mask <file>', 'inpaint: mask of the pixels to fill in (non-zero = missing)')
    .addOption(new Option('--sigma <s>', 'denoise: noise level of the input on the 0–255 scale').argParser(parseNumber('--sigma', 0.1, 255)))
    .option('--add-noise', 'denoise: add noise of --sigma to the input first; the input then serves as the clean reference')
    .option('--clean <file>', 'clean reference: report PSNR of the mean, the samples and the GNC flow')
    .option('--model <name|file>', 'prior to sample with', DEFAULT_MODEL)
    .addOption(new Option('--samples <K>', 'number of samples').argParser(parseInteger('--samples', 1, 256)).default(4))
    .requiredOption('-o, --out <dir>', 'folder for the samples, mean.png, std.png and sample.json')
    .addOption(new Option('--width <W>', 'prior sampling without input: image width').argParser(parseInteger('--width', 8, 4096)).default(128))
    .addOption(new Option('--height <H>', 'prior sampling without input: image height').argParser(parseInteger('--height', 8, 4096)).default(128))
    .addOption(new Option('--sigma-max <s>', 'first level σ₁ (0–255; capped at the model\'s largest trained σ)').argParser(parseNumber('--sigma-max', 0.1, 1000)))
    .addOption(new Option('--sigma-min <s>', 'last level σ_L (0–255; at least the model\'s smallest trained σ)').argParser(parseNumber('--sigma-min', 0.01, 1000)))
    .addOption(new Option('--levels <L>', 'noise levels (geometric)').argParser(parseInteger('--levels', 1, 10_000)).default(20))
    .addOption(new Option('--steps-per-level <T>', 'Langevin steps per level').argParser(parseInteger('--steps-per-level', 1, 10_000)).default(10))
    .addOption(new Option('--epsilon <ε>', 'step size at the last level, α_i = ε σ_i²/σ_L² (default σ_L² on the [0, 1] scale)').argParser(parseNumber('--epsilon', 1e-9, 1)))
    .addOption(new Option('--seed <n>', 'seed of the chains').argParser(parseInteger('--seed', 0, 2 ** 31)).default(0))
    .addOption(new Option('--backend <name>', 'numerical backend').choices([...BACKEND_CHOICES]).default('auto'))
    .addOption(new Option('--threads <n>', 'threads that evaluate the prior (default: GNC_THREADS, else every core)').argParser(parseInteger('--threads', 1, 256)))
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .option('--json', 'print the report as JSON on stdout')
    ;
  addRecordingOptions(cmd).action(async (input: string | undefined, o: SampleCliOptions) => {
    if (o.task !== 'prior' && !input) throw new GncError('invalid-argument', `gnc sample --task ${o.task} needs an input image`);
    const { result, recordId } = await runCliJob(
      o,
      {
        kind: 'sample',
        task: o.task,
        ...(input ? { input } : {}),
        width: o.width,
        height: o.height,
        ...(o.mask ? { mask: o.mask } : {}),
        ...(o.sigma !== undefined ? { sigma: o.sigma } : {}),
        addNoise: o.addNoise === true,
        ...(o.clean ? { clean: o.clean } : {}),
        model: o.model,
        samples: o.samples,
        outDir: o.out,
        ...(o.sigmaMax !== undefined ? { sigmaMax: o.sigmaMax } : {}),
        ...(o.sigmaMin !== undefined ? { sigmaMin: o.sigmaMin } : {}),
        levels: o.levels,
        stepsPerLevel: o.stepsPerLevel,
        ...(o.epsilon !== undefined ? { epsilon: o.epsilon } : {}),
        seed: o.seed,
        backend: o.backend,
        ...(o.threads !== undefined ? { threads: o.threads } : {}),
      },
      'sample',
    );
    const report = (result as ReportJobResult).report as unknown as SampleReport;
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ command: 'sample', ...report, ...(recordId ? { run: recordId } : {}) })}\n`);
      return;
    }
    const figures = report.psnr
      ? `; PSNR: input ${report.psnr.input.toFixed(2)}, posterior mean ${report.psnr.mean.toFixed(2)}, samples ${Math.min(...report.psnr.samples).toFixed(2)}–${Math.max(...report.psnr.samples).toFixed(2)}, GNC flow ${report.psnr.gnc.toFixed(2)} dB`
      : '';
    const spread =
      report.stdHidden !== undefined
        ? `; mean std (0–255) hidden ${(report.stdHidden * 255).toFixed(1)} vs observed ${(report.stdObserved! * 255).toFixed(1)}` +
          (report.stdTexture !== undefined ? `, hidden textured ${(report.stdTexture * 255).toFixed(1)} vs hidden flat ${(report.stdFlat! * 255).toFixed(1)}` : '')
        : '';
    process.stdout.write(
      `sample: wrote ${report.samples.length} samples, mean.png and std.png (std ${report.stdScale * 255} → white) to ${o.out} in ${formatSeconds(report.seconds)} on ${report.engine} (${report.threads} thread${report.threads === 1 ? '' : 's'})${figures}${spread}` +
        `${recordId ? `; recorded as run ${recordId.slice(0, 8)}` : ''}\n`,
    );
  });
}
