import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeImage } from '../../src/image/io.js';
import { syntheticImage } from '../helpers/fixtures.js';

const root = path.resolve(import.meta.dirname, '..', '..');
function gnc(...args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'bin', 'gnc.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

let data: string;
beforeAll(async () => {
  data = mkdtempSync(path.join(os.tmpdir(), 'gnc-train-cli-'));
  for (let k = 0; k < 4; k++) await writeImage(path.join(data, `im${k}.png`), syntheticImage(40 + 4 * k, 40, 1));
});

describe('gnc train', () => {
  it('trains a tiny prior, writes model and checkpoint, and resumes to a longer run', () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'gnc-train-cli-out-')), 'tiny.gncm');
    const common = ['--data', data, '--filters', '4', '--patch', '16', '--batch', '2', '--holdout', '1', '--validate-every', '2', '--checkpoint-every', '2', '--json'];
    const first = gnc('train', '--out', out, '--iterations', '3', ...common);
    expect(first.status, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ command: 'train', iterations: 3, output: out });
    expect(report.id).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(report.validation)).toEqual(['15', '25', '50']);
    expect(existsSync(out.replace('.gncm', '.gnck'))).toBe(true);
    const more = gnc('train', '--out', out, '--iterations', '5', '--resume', out.replace('.gncm', '.gnck'), ...common);
    expect(more.status, more.stderr).toBe(0);
    expect(JSON.parse(more.stdout).iterations).toBe(5);
    // The trained prior is usable at once.
    const models = gnc('denoise', path.join(data, 'im0.png'), '--add-noise', '20', '--model', out, '--steps', '3', '-o', path.join(path.dirname(out), 'd.png'), '--json');
    expect(models.status, models.stderr).toBe(0);
    expect(JSON.parse(models.stdout).model.id).toBe(JSON.parse(more.stdout).id);
  });

  it('names the problem with a missing data folder or impossible settings', () => {
    const missing = gnc('train', '--data', '/nonexistent/folder', '--out', '/tmp/x.gncm', '--iterations', '2');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/\/nonexistent\/folder/);
    const bad = gnc('train', '--data', data, '--out', '/tmp/x.gncm', '--layers', '5');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--layers/);
  });
});
