/**
 * Shared pieces of the library tests: fresh temporary folders, tiny real
 * .gncm models (written by the real encoder, so the library reads the real
 * format), and a spawn helper for child processes that run TypeScript.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry } from '../helpers/random.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixture = (name: string) => path.join(root, 'tests/library/fixtures', name);

export function tempFolder(prefix = 'gnc-lib-'): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, file: (name) => path.join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes `count` tiny one-layer models with distinct weights (so distinct
 * ids) named `${name}-${i}`, and returns their paths. The encoder is loaded on
 * demand because it brings tfjs with it.
 */
export async function writeTinyModels(dir: string, count: number, options: { seed?: number; name?: string } = {}): Promise<string[]> {
  const { encodeModel } = await import('../../src/prior/model-file.js');
  const rand = mulberry(options.seed ?? 7);
  const arch = {
    kind: 'foe' as const,
    inChannels: 1,
    layers: [{ features: 2, kernelSize: 3, spline: { zMax: 1, nz: 8, tMin: -4, tMax: -1, nt: 6 } }],
  };
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const kernels = [Float32Array.from({ length: 3 * 3 * 1 * 2 }, () => rand() - 0.5)];
    const splines = [Float32Array.from({ length: 2 * 8 * 6 }, () => rand())];
    const name = `${options.name ?? 'tiny'}-${i}`;
    const bytes = encodeModel(arch, { kernels, splines }, {
      name,
      description: `tiny test model ${i}`,
      training: { kind: 'test', data: 'none', settings: { seed: i }, iterations: 10 + i, validation: { psnr: 20 + i } },
    });
    const file = path.join(dir, `${name}.gncm`);
    writeFileSync(file, bytes);
    files.push(file);
  }
  return files;
}

/** Runs a TypeScript file under tsx in a child node process. */
export function spawnTs(script: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Resolves with the first stdout line equal to `line`; rejects if the child exits first. */
export function waitForLine(child: ChildProcess, line: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    const timer = setTimeout(() => done(new Error(`child did not print ${JSON.stringify(line)} within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.split('\n').includes(line)) done();
    };
    const onErr = (chunk: Buffer) => {
      stderr += chunk.toString();
    };
    const onExit = (code: number | null) => done(new Error(`child exited (${code}) before printing ${JSON.stringify(line)}; stderr: ${stderr}`));
    function done(err?: Error) {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onErr);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onErr);
    child.on('exit', onExit);
  });
}

/** Kills the child (if still running) and waits until it is gone. */
export function killAndWait(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
