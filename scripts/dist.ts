/**
 * `npm run dist [-- electron-builder options]`: the installers of this
 * platform (electron-builder.yml), then the project put back as it was.
 *
 *   1. compile the main process and preload, build the page;
 *   2. electron-builder --publish never: downloads Electron and rebuilds the
 *      native modules for Electron's ABI (npmRebuild) — in node_modules, in place;
 *   3. always, even if 2 failed: `npm rebuild better-sqlite3`, so the CLI, the
 *      tests and `npm start`'s engine (which run on the system Node) load it
 *      again; then checks that it loads.
 *
 * Needs the internet (Electron's download and headers); `npm run dist:check`
 * checks the configuration offline.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a command in the project; resolves to its exit code. */
export type Runner = (cmd: string, args: string[]) => number;

export const defaultRunner: Runner = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  return r.status ?? 1;
};

export function runDist(args: string[], run: Runner = defaultRunner, say: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): number {
  for (const script of ['build:electron', 'build:renderer']) {
    const code = run('npm', ['run', '--silent', script]);
    if (code !== 0) {
      say(`dist: npm run ${script} failed (exit code ${code})`);
      return code;
    }
  }
  const builder = path.join(root, 'node_modules', 'electron-builder', 'cli.js');
  const built = run(process.execPath, [builder, '--publish', 'never', ...args]);
  if (built !== 0) say(`dist: electron-builder failed (exit code ${built}); it needs the internet for Electron and its headers`);
  // electron-builder rebuilt better-sqlite3 for Electron in node_modules: rebuild it for this Node.
  say('dist: rebuilding better-sqlite3 for this Node (the CLI, tests and `npm start` use it)…');
  const rebuilt = run('npm', ['rebuild', 'better-sqlite3']);
  const loads = rebuilt === 0 && run(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"]) === 0;
  if (!loads) say('dist: better-sqlite3 does not load on this Node now; run `npm rebuild better-sqlite3` before using gnc or the tests');
  return built !== 0 ? built : loads ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = runDist(process.argv.slice(2));
}
