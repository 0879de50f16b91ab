import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
// @ts-expect-error plain JS module without types
import { checkLayers } from '../scripts/check-layers.js';

describe('project hygiene', () => {
  it('keeps its layers apart (src/ without Electron or DOM, renderer/ without Node)', () => {
    expect(checkLayers()).toEqual([]);
  });

  it('the layer check catches a leak', () => {
    const dir = path.resolve('src/__leak_probe__');
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(path.join(dir, 'leak.ts'), "import { app } from 'electron';\nexport const x = document.title;\n");
      const problems: string[] = checkLayers();
      expect(problems.some((p) => p.includes('must not import Electron'))).toBe(true);
      expect(problems.some((p) => p.includes('must not touch the DOM'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the layer check follows renderer imports into src/ (the WebGPU worker bundles engine code)', () => {
    const dir = path.resolve('src/__leak_probe_renderer__');
    const probe = path.resolve('renderer/src/__leak_probe__.ts');
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(path.join(dir, 'inner.ts'), "import type { Stats } from 'node:fs';\nimport { readFileSync } from 'node:fs';\nexport const read = (f: string): Stats | string => readFileSync(f, 'utf8');\n");
      writeFileSync(path.join(dir, 'outer.ts'), "export { read } from './inner.js';\n");
      writeFileSync(path.join(dir, 'types-only.ts'), "import type { Stats } from 'node:fs';\nexport type S = Stats;\n");
      writeFileSync(probe, "import type { S } from '../../src/__leak_probe_renderer__/types-only.js';\nimport { read } from '../../src/__leak_probe_renderer__/outer.js';\nexport const x: S | string = read('x') as string;\n");
      const problems: string[] = checkLayers();
      const leak = problems.filter((p) => p.includes('__leak_probe__'));
      expect(leak).toEqual([
        'renderer/src/__leak_probe__.ts → src/__leak_probe_renderer__/outer.ts → src/__leak_probe_renderer__/inner.ts: renderer/ must not reach the Node module node:fs through src/',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(probe, { force: true });
    }
  });

  it('type-checks: engine, CLI, tests and Electron main/preload against electron.d.ts; renderer against the DOM', () => {
    const tsc = path.resolve('node_modules/typescript/bin/tsc');
    const run = (project: string) => execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', stdio: 'pipe' });
    expect(() => run('tsconfig.json')).not.toThrow();
    expect(() => run('renderer/tsconfig.json')).not.toThrow();
  }, 180_000);

  it('the type check fails on a type error (so the test above means something)', () => {
    const dir = mkdtempSync(path.resolve('.tsc-probe-'));
    try {
      writeFileSync(path.join(dir, 'bad.ts'), 'export const n: number = "text";\n');
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, include: ['bad.ts'] }));
      const tsc = path.resolve('node_modules/typescript/bin/tsc');
      expect(() => execFileSync(process.execPath, [tsc, '-p', dir], { stdio: 'pipe' })).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
