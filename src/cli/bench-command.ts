/**
 * `gnc bench denoise` and `gnc bench inpaint`: mean PSNR and seconds per
 * image over a folder of clean images, following the benchmark protocol of
 * shared/data/README.md, with the classical reference tools (OpenCV, G'MIC)
 * measured on the same inputs in the same run when they are installed.
 */
import { Command, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../engine/backend.js';
import type { BenchJobRequest, BenchJobResult } from '../jobs/contract.js';
import { addRecordingOptions, runCliJob } from './recording.js';
import { formatBenchReport, type BenchReport } from '../bench/table.js';
import { DEFAULT_MODEL } from '../prior/registry.js';
import type { MethodName } from '../solve/solver.js';
import { GncError } from '../util/errors.js';
import { defaultDataDir } from '../util/paths.js';
import { parseChoice, parseFraction, parseInteger, parseNumber, parseSigma255 } from './options.js';

interface BenchCliOptions {
  data?: string;
  sigma?: number[];
  missing?: number[];
  method: MethodName[];
  model: string;
  limit?: number;
  seed: number;
  steps?: number;
  sigma0?: number;
  sigmaMin?: number;
  stepScale?: number;
  dataWeight?: number;
  references: boolean;
  posteriorSamples?: number;
  crop?: number;
  vnSchedule?: string[];
  backend: BackendChoice;
  json?: boolean;
  library?: string;
  record: boolean;
}

/** A comma-separated list, each item through `parse`; an empty item is an error. */
export function parseList<T>(option: string, parse: (item: string) => T) {
  return (value: string): T[] => {
    const items = value.split(',').map((s) => s.trim());
    if (items.some((s) => s === '')) throw new GncError('invalid-argument', `Expected a comma-separated list for ${option} but received ${JSON.stringify(value)}`);
    return items.map(parse);
  };
}

export function parseMissingFraction(option: string) {
  const parse = parseFraction(option);
  return (value: string): number => {
    const f = parse(value);
    if (f <= 0) throw new GncError('invalid-argument', `Expected a missing fraction above 0 for ${option} but received ${JSON.stringify(value)}`);
    return f;
  };
}

export function addBenchCommand(program: Command): void {
  const bench = program
    .command('bench')
    .description('Benchmark restoration quality and speed on a folder of clean images, beside OpenCV and G\'MIC when installed');

  const common = (cmd: Command, folder: string): Command =>
    addRecordingOptions(cmd)
      .option('--data <dir>', `folder of clean images (default: ${defaultDataDir()}/${folder}; GNC_DATA_DIR moves the data folder)`)
      .addOption(
        new Option('--method <list>', 'our solvers to run, comma-separated: gnc, joint, vn (the shipped schedule nearest each level)')
          .argParser(parseList('--method', parseChoice('--method', ['gnc', 'joint', 'vn'] as const)))
          .default(['gnc'], 'gnc'),
      )
      .option('--model <name|file>', 'prior to use: a shipped model name (see `gnc models`) or a .gncm file', DEFAULT_MODEL)
      .addOption(new Option('--limit <N>', 'only the first N images, sorted by name').argParser(parseInteger('--limit', 1, 1_000_000)))
      .addOption(new Option('--seed <n>', 'image i uses seed + i, so every method sees identical inputs').argParser(parseInteger('--seed', 0, 2 ** 31)).default(0))
      .addOption(new Option('--steps <T>', 'solver steps (default: the model\'s recommendation)').argParser(parseInteger('--steps', 1, 10_000)))
      .addOption(new Option('--sigma0 <s>', 'starting smoothing σ₀ (0–255 scale)').argParser(parseSigma255('--sigma0', 0.1, 1000)))
      .addOption(new Option('--sigma-min <s>', 'final smoothing σ_min (0–255 scale)').argParser(parseSigma255('--sigma-min', 0.03, 1000)))
      .addOption(new Option('--step-scale <λ>', 'GNC flow and joint: step τᵢ = λσᵢ² (default 1)').argParser(parseNumber('--step-scale', 1e-4, 100)))
      .addOption(new Option('--data-weight <w>', 'denoising: weight of the data term (default 1; noise level s/√w), for every method').argParser(parseNumber('--data-weight', 0.05, 20)))
      .option('--no-references', 'skip the reference tools (OpenCV, G\'MIC) even when installed')
      .addOption(
        new Option('--posterior-samples <K>', 'also draw K annealed-Langevin posterior samples per image and level and score their mean and a single sample beside the solvers (slow: 200 prior evaluations per sample)')
          .argParser(parseInteger('--posterior-samples', 1, 256)),
      )
      .addOption(new Option('--vn-schedule <files>', 'with --method vn: learned schedule files (.gncs, comma-separated) to use instead of the shipped ones, the nearest per level').argParser(parseList('--vn-schedule', (v: string) => v)))
      .addOption(new Option('--crop <N>', 'use each image\'s central N×N crop').argParser(parseInteger('--crop', 16, 65_536)))
      .addOption(new Option('--backend <name>', 'numerical backend').choices([...BACKEND_CHOICES]).default('auto'))
      .option('--json', 'print one JSON object with per-image and mean figures on stdout');

  common(
    bench
      .command('denoise')
      .description('Gaussian denoising: noisy = clean/255 + (σ/255)·n kept in floating point; PSNR against the clean image')
      .addOption(
        new Option('--sigma <list>', 'noise levels on the 0–255 scale, comma-separated')
          .argParser(parseList('--sigma', parseNumber('--sigma', 0.1, 255)))
          .default([15, 25, 50], '15,25,50'),
      ),
    'BSD68',
  ).action(async (o: BenchCliOptions) => runBench('denoise', o));

  common(
    bench
      .command('inpaint')
      .description('Inpainting of uniformly random missing pixels; PSNR against the clean image')
      .addOption(
        new Option('--missing <list>', 'missing fractions, comma-separated fractions or percentages (0.5 or 50%)')
          .argParser(parseList('--missing', parseMissingFraction('--missing')))
          .default([0.5, 0.8], '50%,80%'),
      ),
    'Set12',
  ).action(async (o: BenchCliOptions) => runBench('inpaint', o));
}

async function runBench(task: 'denoise' | 'inpaint', o: BenchCliOptions): Promise<void> {
  const request: BenchJobRequest = {
    kind: 'bench',
    task,
    ...(o.data !== undefined ? { data: o.data } : {}),
    methods: o.method,
    model: o.model,
    ...(o.limit !== undefined ? { limit: o.limit } : {}),
    seed: o.seed,
    levels: task === 'denoise' ? o.sigma! : o.missing!,
    settings: {
      ...(o.steps !== undefined ? { steps: o.steps } : {}),
      ...(o.sigma0 !== undefined ? { sigma0: o.sigma0 * 255 } : {}),
      ...(o.sigmaMin !== undefined ? { sigmaMin: o.sigmaMin * 255 } : {}),
      ...(o.stepScale !== undefined ? { stepScale: o.stepScale } : {}),
      ...(o.dataWeight !== undefined ? { dataWeight: o.dataWeight } : {}),
    },
    references: o.references,
    backend: o.backend,
    ...(o.posteriorSamples !== undefined ? { posteriorSamples: o.posteriorSamples } : {}),
    ...(o.crop !== undefined ? { crop: o.crop } : {}),
    ...(o.vnSchedule !== undefined ? { vnSchedules: o.vnSchedule } : {}),
  };
  // Runs on an engine worker thread (Ctrl-C cancels between images) and is recorded in the library.
  let lastLine = '';
  const { result, recordId } = await runCliJob(o, request, 'bench', {
    cancelMessage: 'cancelling the benchmark…',
    // One line per image and level, as the bench has always printed them; no bar.
    view: () => undefined,
    onProgress: (p) => {
      if (p.step !== undefined && p.message !== lastLine && p.message.startsWith('[')) {
        lastLine = p.message;
        process.stderr.write(`${p.message}\n`);
      }
    },
  });
  const report = (result as BenchJobResult).report as BenchReport;
  process.stdout.write(o.json ? `${JSON.stringify({ ...report, ...(recordId ? { run: recordId } : {}) })}\n` : `${formatBenchReport(report)}\n`);
}
