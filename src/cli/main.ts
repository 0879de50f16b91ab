/**
 * The `gnc` command. Each subcommand lives in its own file; this one wires
 * them up and turns every error into one clear line and an exit code.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { addRestoreCommand } from './restore-command.js';
import { addModelsCommand } from './models-command.js';
import { addTrainCommand } from './train-command.js';
import { addBenchCommand } from './bench-command.js';
import { addLabCommand } from './lab-command.js';
import { addLibraryCommand } from './library-command.js';
import { addLearnScheduleCommand } from './learn-schedule-command.js';
import { addCompareCommand } from './compare-command.js';
import { addSampleCommand } from './sample-command.js';
import { addAppCommand } from './app-command.js';
import { GncError } from '../util/errors.js';
import { projectRoot } from '../util/paths.js';
import { DEFAULT_MODEL } from '../prior/registry.js';

const version = (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;

export function buildProgram(): Command {
  const program = new Command('gnc')
    .description('GNC Studio: restore photos offline with learned gradually non-convex (GNC) image priors')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    // Before the subcommands are added: they copy it, so their usage errors
    // reach main() (exit 2) instead of commander calling process.exit(1).
    .exitOverride()
    .addHelpText(
      'after',
      `
Default model: ${DEFAULT_MODEL} (1-layer prior trained on Train400 by denoising score matching; colour photos are restored per opponent-colour plane; see \`gnc models\`).
Noise levels (--sigma, --sigma0, --sigma-min, --add-noise) are on the 0–255 scale.

Examples:
  gnc denoise photo.png -o clean.png --sigma 25
  gnc denoise clean.png -o restored.png --add-noise 25 --json      # synthetic test with PSNR
  gnc inpaint photo.png --mask holes.png -o filled.png`,
    );
  addRestoreCommand(program, 'denoise');
  addRestoreCommand(program, 'inpaint');
  addTrainCommand(program);
  addModelsCommand(program);
  addBenchCommand(program);
  addLabCommand(program);
  addLibraryCommand(program);
  addLearnScheduleCommand(program);
  addCompareCommand(program);
  addSampleCommand(program);
  addAppCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit "successfully"; usage errors were already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof GncError) {
      process.stderr.write(`gnc: ${err.kind === 'cancelled' ? 'cancelled' : 'error'}: ${err.message}\n`);
      return err.kind === 'cancelled' ? 130 : err.kind === 'invalid-argument' ? 2 : 1;
    }
    process.stderr.write(`gnc: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
