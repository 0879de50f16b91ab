/**
 * `gnc compare`: GNC flow, joint optimisation and a learned VN schedule on
 * the same input with the same prior; writes the results, a JSON with the
 * per-step traces and attainment, and energy/PSNR plots.
 */
import { Command, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../engine/backend.js';
import type { CompareReport } from '../compare/compare.js';
import type { ReportJobResult } from '../jobs/contract.js';
import { addRecordingOptions, runCliJob } from './recording.js';
import { DEFAULT_MODEL } from '../prior/registry.js';
import { formatTable } from '../bench/table.js';
import { parseInteger, parseNumber } from './options.js';

interface CompareCliOptions {
  clean: string;
  sigma?: number;
  addNoise?: boolean;
  seed: number;
  mask?: string;
  model: string;
  out: string;
  vnSchedule?: string;
  referenceSteps: number;
  backend: BackendChoice;
  json?: boolean;
  progress?: boolean;
  library?: string;
  record: boolean;
}

export function addCompareCommand(program: Command): void {
  const cmd = program
    .command('compare')
    .argument('<input>', 'noisy (or masked) image; with --add-noise, the clean image itself')
    .description('Run the GNC flow, joint optimisation and the learned VN schedule on one image and compare energy and PSNR per step')
    .requiredOption('--clean <file>', 'the clean reference image')
    .addOption(new Option('--sigma <s>', 'denoising: noise level on the 0–255 scale').argParser(parseNumber('--sigma', 0.1, 255)))
    .option('--add-noise', 'add noise of --sigma to the clean image (seeded) instead of reading a noisy input')
    .addOption(new Option('--seed <n>', 'seed for --add-noise').argParser(parseInteger('--seed', 0, 2 ** 31)).default(0))
    .option('--mask <file>', 'inpainting: mask of the pixels to fill in (non-zero = missing)')
    .option('--model <name|file>', 'prior to use', DEFAULT_MODEL)
    .requiredOption('-o, --out <dir>', 'folder for the results, compare.json and the plots')
    .option('--vn-schedule <file>', 'VN schedule file (default: the shipped one nearest the level)')
    .addOption(new Option('--reference-steps <T>', 'steps of the long GNC flow that estimates the minimal energy').argParser(parseInteger('--reference-steps', 10, 10_000)).default(100))
    .addOption(new Option('--backend <name>', 'numerical backend').choices([...BACKEND_CHOICES]).default('auto'))
    .option('--json', 'print the comparison report as JSON on stdout')
    .option('--progress', 'show the progress bar even when stderr is not a terminal');
  addRecordingOptions(cmd).action(async (input: string, o: CompareCliOptions) => {
    const { result, recordId } = await runCliJob(
      o,
      {
        kind: 'compare',
        input,
        clean: o.clean,
        ...(o.sigma !== undefined ? { sigma: o.sigma } : {}),
        addNoise: o.addNoise === true,
        seed: o.seed,
        ...(o.mask ? { mask: o.mask } : {}),
        model: o.model,
        outDir: o.out,
        ...(o.vnSchedule ? { vnSchedule: o.vnSchedule } : {}),
        referenceSteps: o.referenceSteps,
        backend: o.backend,
      },
      'compare',
    );
    const report = (result as ReportJobResult).report as unknown as CompareReport;
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ ...report, ...(recordId ? { run: recordId } : {}) })}\n`);
      return;
    }
    const rows = report.methods.map((m) =>
      m.available
        ? [m.label, String(m.steps), m.psnr!.toFixed(2), `${m.bestPsnr!.toFixed(2)} @ ${m.bestStep}`, m.finalEnergy!.toFixed(1), `${(100 * m.attainment!).toFixed(1)} %`, m.seconds!.toFixed(1)]
        : { first: m.label, note: `not run: ${m.reason!.split(';')[0]}` },
    );
    process.stdout.write(
      `compare: ${report.task} ${report.task === 'denoise' ? `σ = ${report.level}` : `${(report.level * 100).toFixed(1)} % missing`} with ${report.model.name}; input PSNR ${report.inputPsnr.toFixed(2)} dB; E_min ${report.minimalEnergy.toFixed(1)}\n` +
        `${formatTable({ headers: ['method', 'steps', 'final PSNR', 'best trace PSNR @ step', 'final energy', 'attainment', 'seconds'], align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'], rows })}\n` +
        `wrote ${report.files.json}, ${report.files.energyPlot}, ${report.files.psnrPlot}${recordId ? `; recorded as run ${recordId.slice(0, 8)}` : ''}\n`,
    );
  });
}
