/**
 * `gnc learn-schedule`: learn a VN schedule (per-step σᵢ and step sizes) for
 * one prior, task and level on a folder of clean images, with progress,
 * Ctrl-C that saves a checkpoint, and --resume.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../engine/backend.js';
import type { ReportJobResult } from '../jobs/contract.js';
import { DEFAULT_MODEL } from '../prior/registry.js';
import { GncError } from '../util/errors.js';
import { defaultDataDir } from '../util/paths.js';
import { SCHEDULE_EXTENSION, type VnSchedule } from '../vn/schedule-file.js';
import { addRecordingOptions, runCliJob } from './recording.js';
import { parseMissingFraction } from './bench-command.js';
import { parseChoice, parseInteger, parseNumber } from './options.js';
import { formatSeconds } from './progress.js';

interface LearnCliOptions {
  model: string;
  task: 'denoise' | 'inpaint';
  sigma?: number;
  missing?: number;
  steps: number;
  data: string;
  iterations: number;
  patch: number;
  batch: number;
  seed: number;
  lr: number;
  holdout: number;
  out: string;
  resume?: boolean;
  finetune?: boolean;
  priorLr?: number;
  outModel?: string;
  init?: string;
  backend: BackendChoice;
  progress?: boolean;
  json?: boolean;
  library?: string;
  record: boolean;
}

export function addLearnScheduleCommand(program: Command): void {
  const cmd = program
    .command('learn-schedule')
    .description('Learn a variational-network (VN) schedule: per-step σᵢ and step sizes, trained end to end through the unrolled solver (method.md §4.3)')
    .option('--model <name|file>', 'the prior the schedule is for', DEFAULT_MODEL)
    .addOption(new Option('--task <task>', 'denoise or inpaint').argParser(parseChoice('--task', ['denoise', 'inpaint'] as const)).makeOptionMandatory())
    .addOption(new Option('--sigma <s>', 'denoising: noise level on the 0–255 scale').argParser(parseNumber('--sigma', 0.1, 255)))
    .addOption(new Option('--missing <p>', 'inpainting: missing fraction (0.8 or 80%)').argParser(parseMissingFraction('--missing')))
    .addOption(new Option('--steps <T>', 'solver steps of the schedule').argParser(parseInteger('--steps', 1, 100)).default(8))
    .option('--data <dir>', 'folder of clean training images', path.join(defaultDataDir(), 'Train400'))
    .addOption(new Option('--iterations <K>', 'training iterations').argParser(parseInteger('--iterations', 1, 1_000_000)).default(300))
    .addOption(new Option('--patch <P>', 'patch side').argParser(parseInteger('--patch', 16, 512)).default(64))
    .addOption(new Option('--batch <B>', 'patches per iteration').argParser(parseInteger('--batch', 1, 256)).default(8))
    .addOption(new Option('--seed <S>', 'seed for patches, noise and masks').argParser(parseInteger('--seed', 0, 2 ** 31)).default(1))
    .addOption(new Option('--lr <rate>', 'initial AdaBelief learning rate (cosine decay)').argParser(parseNumber('--lr', 1e-6, 1)).default(0.03))
    .addOption(new Option('--holdout <n>', 'images held out for the validation figure').argParser(parseInteger('--holdout', 0, 10_000)).default(8))
    .requiredOption('-o, --out <file>', `schedule file to write (${SCHEDULE_EXTENSION}); its checkpoint goes beside it`)
    .option('--resume', 'continue from the checkpoint beside --out')
    .option('--finetune', 'also fine-tune the prior\'s filters and splines through the unrolled steps; writes a new model (--out-model) that the schedule is bound to')
    .addOption(new Option('--prior-lr <rate>', 'with --finetune: initial learning rate of the prior\'s parameters (cosine decay)').argParser(parseNumber('--prior-lr', 1e-8, 1)))
    .option('--init <file>', `start from a learned schedule (${SCHEDULE_EXTENSION}, same model, task and steps) instead of the GNC flow's; with --finetune, tunes the prior from there`)
    .option('--out-model <file>', 'with --finetune: the fine-tuned model (.gncm; default: --out with .gncm)')
    .addOption(new Option('--backend <name>', 'numerical backend').choices([...BACKEND_CHOICES]).default('auto'))
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .option('--json', 'print one JSON object with the result on stdout');
  addRecordingOptions(cmd).action(async (o: LearnCliOptions) => runLearn(o));
}

async function runLearn(o: LearnCliOptions): Promise<void> {
  if (!o.out.endsWith(SCHEDULE_EXTENSION)) throw new GncError('invalid-argument', `Expected a ${SCHEDULE_EXTENSION} file for --out but received ${JSON.stringify(o.out)}`);
  const level = o.task === 'denoise' ? o.sigma : o.missing;
  if (level === undefined) throw new GncError('invalid-argument', o.task === 'denoise' ? 'learn-schedule --task denoise needs --sigma' : 'learn-schedule --task inpaint needs --missing');
  // Runs on an engine worker thread: Ctrl-C saves a checkpoint beside --out, and --resume continues from it.
  const { result, recordId } = await runCliJob(
    o,
    {
      kind: 'learn-schedule',
      model: o.model,
      task: o.task,
      level,
      steps: o.steps,
      data: o.data,
      iterations: o.iterations,
      out: o.out,
      patch: o.patch,
      batch: o.batch,
      seed: o.seed,
      lr: o.lr,
      holdout: o.holdout,
      resume: o.resume === true,
      backend: o.backend,
      ...(o.finetune ? { finetune: true } : {}),
      ...(o.priorLr !== undefined ? { priorLr: o.priorLr } : {}),
      ...(o.outModel !== undefined ? { modelOut: o.outModel } : {}),
      ...(o.init !== undefined ? { init: o.init } : {}),
    },
    'learn-schedule',
  );
  const done = result as ReportJobResult;
  const schedule = done.report as unknown as VnSchedule;
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ command: 'learn-schedule', output: done.output, ...(done.model ? { model: done.model } : {}), seconds: Number(done.seconds.toFixed(1)), ...schedule, ...(recordId ? { run: recordId } : {}) })}\n`);
    return;
  }
  process.stdout.write(
    `learn-schedule: wrote ${o.out} for ${schedule.modelName}, ${o.task} at ${o.task === 'denoise' ? `σ ${level}` : `${level * 100}% missing`}, ${o.steps} steps, in ${formatSeconds(done.seconds)}; ` +
      `held-out PSNR ${schedule.figures?.validationPsnr?.toFixed(2) ?? '–'} dB${recordId ? `; recorded as run ${recordId.slice(0, 8)}` : ''}\n` +
      (done.model ? `  fine-tuned prior ${schedule.modelName}: ${done.model}\n` : '') +
      `  σᵢ: ${schedule.sigmas.map((s) => s.toFixed(1)).join(' ')}\n  λᵢ: ${schedule.stepScales.map((s) => s.toFixed(2)).join(' ')}\n`,
  );
}
