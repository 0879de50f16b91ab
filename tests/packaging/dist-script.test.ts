/** `npm run dist`'s sequence: build, electron-builder, and always put better-sqlite3 back for this Node (electron-builder rebuilds it for Electron in place). */
import { describe, expect, it } from 'vitest';
import { runDist, type Runner } from '../../scripts/dist.js';

function recorder(codes: Record<string, number> = {}): { run: Runner; log: string[] } {
  const log: string[] = [];
  return {
    log,
    run: (cmd, args) => {
      const line = `${cmd.endsWith('node') || cmd === process.execPath ? 'node' : cmd} ${args.map((a) => (a.endsWith('cli.js') ? 'electron-builder' : a)).join(' ')}`;
      log.push(line);
      return Object.entries(codes).find(([k]) => line.includes(k))?.[1] ?? 0;
    },
  };
}

describe('npm run dist', () => {
  it('builds, packages for this platform, then rebuilds better-sqlite3 for Node and checks it loads', () => {
    const r = recorder();
    expect(runDist(['--linux', 'AppImage'], r.run, () => {})).toBe(0);
    expect(r.log.slice(0, 4)).toEqual([
      'npm run --silent build:electron',
      'npm run --silent build:renderer',
      'node electron-builder --publish never --linux AppImage',
      'npm rebuild better-sqlite3',
    ]);
    expect(r.log[4]).toMatch(/^node -e .*better-sqlite3/);
  });

  it('puts better-sqlite3 back even when electron-builder fails (offline), and fails with its code', () => {
    const r = recorder({ 'electron-builder': 7 });
    const said: string[] = [];
    expect(runDist([], r.run, (l) => said.push(l))).toBe(7);
    expect(r.log).toContain('npm rebuild better-sqlite3');
    expect(said.join('\n')).toMatch(/electron-builder failed \(exit code 7\); it needs the internet/);
  });

  it('stops before packaging when a build fails, and says so when better-sqlite3 cannot be restored', () => {
    const failedBuild = recorder({ 'build:renderer': 2 });
    expect(runDist([], failedBuild.run, () => {})).toBe(2);
    expect(failedBuild.log.some((l) => l.includes('electron-builder'))).toBe(false);
    const noRestore = recorder({ 'rebuild better-sqlite3': 1 });
    const said: string[] = [];
    expect(runDist([], noRestore.run, (l) => said.push(l))).toBe(1);
    expect(said.at(-1)).toMatch(/run `npm rebuild better-sqlite3` before using gnc/);
  });
});
