#!/usr/bin/env node
/**
 * `npm start`: the desktop app where Electron can run, else the same app in
 * a browser through the web bridge (`gnc app`), saying why in one line on
 * stderr. Arguments after `npm start --` go to whichever starts (e.g.
 * `npm start -- --port 8080 --no-open` for the browser version).
 *
 * Electron is used when its binary is there or can be downloaded (the
 * electron package fetches it on first use), there is a display, and it
 * does not fail at once. GNC_NO_ELECTRON=1 skips it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts ?? {};

function run(cmd, cmdArgs, what) {
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
  if (result.status !== 0) {
    process.stderr.write(`gnc: ${what} failed (exit code ${result.status ?? result.signal})\n`);
    process.exit(1);
  }
}

/** The page both versions serve: built once if missing. */
function ensureRenderer() {
  if (existsSync(path.join(root, 'renderer', 'dist', 'index.html')) || !scripts['build:renderer']) return;
  process.stderr.write('gnc: building the interface (npm run build:renderer)...\n');
  run('npm', ['run', '--silent', 'build:renderer'], 'building the interface');
}

/** Why Electron cannot be used here, or null with its binary path. */
function electronBinary() {
  if (process.env.GNC_NO_ELECTRON === '1') return { reason: 'GNC_NO_ELECTRON=1 is set' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  // require('electron') gives the binary's path, downloading it first if needed; in a child, so a failure or hang stays contained.
  const probe = spawnSync(process.execPath, ['-e', 'process.stdout.write(require("electron"))'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10 * 60_000,
  });
  const binary = probe.stdout?.trim();
  if (probe.status !== 0 || !binary || !existsSync(binary)) {
    const why = (probe.stderr ?? '').split('\n').find((l) => /Electron failed|Cannot find module|ENOTFOUND|ECONN|timed out/i.test(l));
    return { reason: `the Electron binary is not installed and could not be downloaded${why ? ` (${why.trim().slice(0, 160)})` : ''}` };
  }
  return { binary };
}

function startBrowserVersion(reason) {
  process.stderr.write(`gnc: starting in the browser instead of Electron: ${reason}\n`);
  const child = spawn(process.execPath, [path.join(root, 'bin', 'gnc.js'), 'app', ...args], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

ensureRenderer();
const electron = electronBinary();
if (!electron.binary) {
  startBrowserVersion(electron.reason);
} else {
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'electron/tsconfig.json'], 'compiling the Electron main process');
  const started = Date.now();
  // The engine host runs under this same Node (the one better-sqlite3 was built for), found without relying on PATH.
  const child = spawn(electron.binary, [root, ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, GNC_NODE: process.env.GNC_NODE ?? process.execPath } });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => startBrowserVersion(`Electron could not be started (${err.message})`));
  child.on('exit', (code, signal) => {
    // Failing within seconds means it never ran (missing libraries, sandbox rules): the browser version still can.
    if (code !== 0 && !signal && Date.now() - started < 5000) startBrowserVersion(`Electron exited at once with code ${code}`);
    else process.exit(code ?? 0);
  });
}
