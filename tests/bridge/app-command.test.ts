/**
 * `gnc app` as a user runs it: one line on stdout with the URL and secret,
 * the API answering there, and a clean exit on SIGTERM that removes the
 * session folder. Also: a port in use is a clear error.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { request } from './http.js';
import { tempDir } from '../helpers/fixtures.js';

const root = path.resolve('.');

function launch(args: string[], home: string) {
  const child = spawn(process.execPath, [path.join(root, 'bin/gnc.js'), 'app', '--no-open', ...args], {
    cwd: root,
    env: { ...process.env, GNC_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => stdout.includes('\n') && resolve(stdout.split('\n')[0]!));
    child.on('exit', () => reject(new Error(`gnc app exited early: ${stderr}`)));
  });
  firstLine.catch(() => {}); // awaited by the tests that expect a start
  return { child, firstLine, exited, output: () => ({ stdout, stderr }) };
}

describe('gnc app', () => {
  it('prints exactly one URL line, serves the API there, and cleans up on SIGTERM', async () => {
    const tmp = tempDir('gnc-app-cli-');
    try {
      const app = launch(['--port', '0', '--library', tmp.file('library.sqlite')], tmp.file('home'));
      const line = await app.firstLine;
      const m = /^http:\/\/127\.0\.0\.1:(\d+)\/#token=([0-9a-f]{64})$/.exec(line);
      expect(m, line).not.toBeNull();
      const port = Number(m![1]);
      expect((await request(port, '/api/info')).status).toBe(401);
      const info = await request(port, '/api/info', { headers: { 'x-gnc-token': m![2]! } });
      expect(info.json<{ libraryPath: string }>().libraryPath).toBe(tmp.file('library.sqlite'));
      expect(readdirSync(tmp.file('home/sessions'))).toHaveLength(1);
      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
      expect(app.output().stdout.trim().split('\n')).toHaveLength(1);
      expect(existsSync(tmp.file('home/sessions')) ? readdirSync(tmp.file('home/sessions')) : []).toEqual([]);
      // Its log in the user data folder: start and stop, the port but never the token.
      const log = readFileSync(tmp.file('home/logs/app.log'), 'utf8');
      expect(log).toMatch(new RegExp(`INFO  \\[\\d+\\] gnc app [\\d.]+ serving on 127\\.0\\.0\\.1:${port} `));
      expect(log).toMatch(/gnc app stopped/);
      expect(log).not.toContain(m![2]!);
    } finally {
      tmp.cleanup();
    }
  });

  it('says clearly when the port is taken', async () => {
    const tmp = tempDir('gnc-app-cli-');
    const first = launch(['--port', '0', '--library', tmp.file('a/library.sqlite')], tmp.file('home'));
    try {
      const port = /:(\d+)\//.exec(await first.firstLine)![1]!;
      const second = launch(['--port', port, '--library', tmp.file('b/library.sqlite')], tmp.file('home'));
      expect(await second.exited).not.toBe(0);
      expect(second.output().stderr).toContain(`127.0.0.1:${port}: the port is in use`);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
      tmp.cleanup();
    }
  });
});
