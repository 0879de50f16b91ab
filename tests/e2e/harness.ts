/**
 * End-to-end harness: builds the renderer when its sources are newer than
 * renderer/dist (so a fresh clone's `npm test` works), starts a real
 * `gnc app --port 0` on a throwaway library, and launches Debian's Chromium
 * through playwright-core with the flags design.md gives (never downloading a
 * browser).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.GNC_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const screenshotDir = path.join(root, '.ci', 'results', 'screenshots');

function newestMtime(dir: string, skip: (name: string) => boolean): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (skip(name)) continue;
      const full = path.join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else newest = Math.max(newest, st.mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

/** Runs `vite build` for the renderer unless renderer/dist is newer than every source. */
export function ensureRendererBuilt(): { built: boolean; ms: number } {
  const t0 = Date.now();
  const rendererDir = path.join(root, 'renderer');
  const index = path.join(rendererDir, 'dist', 'index.html');
  const sources = Math.max(
    newestMtime(rendererDir, (n) => n === 'dist' || n === 'node_modules' || n.startsWith('.')),
    statSync(path.join(root, 'src', 'app', 'engine-api.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return { built: false, ms: 0 };
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 180_000,
  });
  return { built: true, ms: Date.now() - t0 };
}

export interface RunningApp {
  url: string;
  base: string;
  token: string;
  home: string;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts `node bin/gnc.js app --port 0` with its own GNC_HOME and library; resolves once it prints its URL. */
export async function startApp(): Promise<RunningApp> {
  const home = mkdtempSync(path.join(tmpdir(), 'gnc-e2e-home-'));
  const library = path.join(home, 'library.sqlite');
  const child = spawn(process.execPath, [path.join(root, 'bin', 'gnc.js'), 'app', '--port', '0', '--no-open', '--library', library], {
    cwd: root,
    env: { ...process.env, GNC_HOME: home, GNC_LIBRARY: library },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gnc app printed no URL within 60 s; stderr:\n${err}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]+)\s*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gnc app exited (${code}) before printing its URL; stderr:\n${err}`));
    });
  });
  const base = url.replace(/\/#token=.*$/, '');
  const token = url.replace(/^.*#token=/, '');
  return {
    url,
    base,
    token,
    home,
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000));
        if ((await Promise.race([exited, timeout])) === 'timeout') child.kill('SIGKILL');
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function ensureScreenshotDir(): string {
  mkdirSync(screenshotDir, { recursive: true });
  return screenshotDir;
}
