/**
 * `gnc train`: a thin wrapper over the training library function, with a
 * progress bar (iteration, loss, rate, ETA), Ctrl-C that saves a checkpoint,
 * and --json for scripts.
 */
import { Command, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../engine/backend.js';
import { DEFAULT_TRAIN_SETTINGS } from '../train/trainer.js';
import type { TrainJobRequest, TrainJobResult } from '../jobs/contract.js';
import { trainSettingsFrom } from '../jobs/train-job.js';
import { addRecordingOptions, runCliJob } from './recording.js';
import { parseInteger, parseNumber, parseSigma255 } from './options.js';
import { formatSeconds } from './progress.js';

interface TrainCliOptions {
  data: string;
  out: string;
  layers: number;
  filters: number;
  patch: number;
  batch: number;
  iterations: number;
  resume?: string;
  seed: number;
  alpha: number;
  lr: number;
  lrMin: number;
  sigmaMin: number;
  sigmaMax: number;
  holdout: number;
  init: 'wiener' | 'quadratic';
  validateEvery: number;
  checkpointEvery: number;
  checkpoint?: string;
  backend: BackendChoice;
  json?: boolean;
  progress?: boolean;
  library?: string;
  record: boolean;
}

export function addTrainCommand(program: Command): void {
  const d = DEFAULT_TRAIN_SETTINGS;
  const cmd = program
    .command('train')
    .description('Train a GNC prior by joint score matching on a folder of images (method.md §3)')
    .requiredOption('--data <dir>', 'folder of training images (PNG, JPEG, TIFF, WebP)')
    .requiredOption('-o, --out <file>', 'where the trained model (.gncm) goes; checkpoints go beside it as .gnck')
    .addOption(new Option('--layers <L>', 'FoE layers, 1 to 3').argParser(parseInteger('--layers', 1, 3)).default(d.layers))
    .addOption(new Option('--filters <N>', 'feature channels per layer').argParser(parseInteger('--filters', 1, 256)).default(d.features))
    .addOption(new Option('--patch <P>', 'patch side in pixels').argParser(parseInteger('--patch', 16, 512)).default(d.patch))
    .addOption(new Option('--batch <B>', 'patches per iteration').argParser(parseInteger('--batch', 1, 1024)).default(d.batch))
    .addOption(new Option('--iterations <K>', 'training iterations').argParser(parseInteger('--iterations', 1, 10_000_000)).default(d.iterations))
    .option('--resume <file>', 'continue from a .gnck checkpoint (its settings win; --iterations may extend the run)')
    .addOption(new Option('--seed <S>', 'seed for initialisation, patches and noise').argParser(parseInteger('--seed', 0, 2 ** 31)).default(d.seed))
    .addOption(new Option('--alpha <α>', 'weight of the t-term (implicit score matching along log σ)').argParser(parseNumber('--alpha', 0, 1000)).default(d.alpha))
    .addOption(new Option('--lr <rate>', 'initial AdaBelief learning rate (cosine decay)').argParser(parseNumber('--lr', 1e-8, 10)).default(d.lr))
    .addOption(new Option('--lr-min <rate>', 'final learning rate').argParser(parseNumber('--lr-min', 0, 10)).default(d.lrMin))
    .addOption(new Option('--sigma-min <s>', 'smallest trained σ (0–255 scale)').argParser(parseSigma255('--sigma-min', 0.03, 255)).default(d.sigmaMin, String(+(d.sigmaMin * 255).toFixed(2))))
    .addOption(new Option('--sigma-max <s>', 'largest trained σ (0–255 scale)').argParser(parseSigma255('--sigma-max', 0.03, 1000)).default(d.sigmaMax, String(+(d.sigmaMax * 255).toFixed(2))))
    .addOption(new Option('--holdout <n>', 'images held out for validation').argParser(parseInteger('--holdout', 0, 100_000)).default(d.holdout))
    .addOption(new Option('--validate-every <n>', 'iterations between validation figures').argParser(parseInteger('--validate-every', 1, 10_000_000)).default(d.validateEvery))
    .addOption(new Option('--checkpoint-every <n>', 'iterations between checkpoints').argParser(parseInteger('--checkpoint-every', 1, 10_000_000)).default(d.checkpointEvery))
    .addOption(new Option('--init <kind>', 'start of the last potential: wiener = Gaussian energy fitted to the data at every σ, quadratic = z²/2').choices(['wiener', 'quadratic']).default(d.init))
    .option('--checkpoint <file>', 'checkpoint path (default: OUT with .gnck)')
    .addOption(new Option('--backend <name>', 'numerical backend').choices([...BACKEND_CHOICES]).default('auto'))
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .option('--json', 'print one JSON object with the result on stdout');
  addRecordingOptions(cmd).action(async (o: TrainCliOptions) => runTrain(o));
}

function requestFrom(o: TrainCliOptions): TrainJobRequest {
  return {
    kind: 'train',
    data: o.data,
    out: o.out,
    ...(o.checkpoint ? { checkpoint: o.checkpoint } : {}),
    ...(o.resume ? { resume: o.resume } : {}),
    backend: o.backend,
    settings: {
      layers: o.layers,
      features: o.filters,
      patch: o.patch,
      batch: o.batch,
      iterations: o.iterations,
      seed: o.seed,
      alpha: o.alpha,
      lr: o.lr,
      lrMin: Math.min(o.lrMin, o.lr),
      sigmaMin: o.sigmaMin * 255,
      sigmaMax: o.sigmaMax * 255,
      holdout: o.holdout,
      init: o.init,
      validateEvery: o.validateEvery,
      checkpointEvery: o.checkpointEvery,
    },
  };
}

async function runTrain(o: TrainCliOptions): Promise<void> {
  const request = requestFrom(o);
  let lastValidation = '';
  // Training runs on an engine worker thread; Ctrl-C asks it to stop after
  // the current iteration, save a checkpoint and end as cancelled.
  const { result: done, recordId } = await runCliJob(o, request, 'train', {
    cancelMessage: 'stopping after this iteration and saving a checkpoint…',
    view: (p) => {
      if (p.loss === undefined || p.step === undefined) return undefined;
      if (p.validation) lastValidation = Object.entries(p.validation).map(([s, v]) => `${s}:${v.toFixed(2)}`).join(' ');
      return { done: p.step, total: p.steps ?? o.iterations, fields: { loss: p.loss.toPrecision(4), ...(lastValidation ? { 'val dB': lastValidation } : {}) } };
    },
  });
  const result = done as TrainJobResult;
  const settings = trainSettingsFrom(request);
  const report = {
    command: 'train',
    output: result.out,
    id: result.id,
    backend: result.backend,
    iterations: result.iterations,
    seconds: Number(result.seconds.toFixed(1)),
    validation: result.validation,
    finalLoss: result.loss.at(-1)?.loss,
    settings,
    ...(recordId ? { training: recordId } : {}),
  };
  if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(
      `train: wrote ${result.out} (id ${result.id.slice(0, 12)}) after ${result.iterations} iterations on ${result.backend.name} in ${formatSeconds(result.seconds)}; ` +
        `validation (Tweedie one-step PSNR at σ 15/25/50): ${Object.values(result.validation).map((v) => v.toFixed(2)).join(' / ')} dB` +
        `${recordId ? `; recorded as training run ${recordId.slice(0, 8)}` : ''}\n`,
    );
  }
}
