/**
 * The `gnc library` commands as users run them (`node bin/gnc.js ...`), on a
 * fresh library named by GNC_LIBRARY. The three commands start at once, so
 * they also race to create the library: migrations and shipped-model
 * registration must survive that.
 */
import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { shippedModels } from '../../src/prior/registry.js';
import { root, tempFolder } from './helpers.js';

const tmp = tempFolder('gnc-lib-cli-');
afterAll(() => tmp.cleanup());

function gnc(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/gnc.js', ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      const status = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof status === 'number' ? status : null) : 0, stdout, stderr });
    });
  });
}

describe('gnc library', () => {
  it('lists the shipped models, checks clean, and names an unknown reference', async () => {
    const env = { GNC_LIBRARY: tmp.file('fresh/library.sqlite') };
    const [list, check, show] = await Promise.all([
      gnc(['library', 'list', '--json'], env),
      gnc(['library', 'check', '--json'], env),
      gnc(['library', 'show', 'no-such-thing'], env),
    ]);
    expect(list.code, list.stderr).toBe(0);
    const report = JSON.parse(list.stdout) as { library: string; kind: string; items: Array<{ name: string; shipped: boolean; id: string }> };
    expect(report.library).toBe(env.GNC_LIBRARY);
    expect(report.kind).toBe('models');
    expect(report.items.map((m) => [m.name, m.shipped]).sort()).toEqual(shippedModels().map((m) => [m.name, true]).sort());
    expect(report.items.every((m) => /^[0-9a-f]{64}$/.test(m.id))).toBe(true);

    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, problems: [] });

    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(/gnc: error: Nothing in the library matches "no-such-thing"/);
  });
});
