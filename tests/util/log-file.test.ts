/** The rotating log: size cap, number of files kept, newest lines in NAME.log, and a log that cannot be written never throws. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LogFile, logDir } from '../../src/util/log-file.js';
import { tempDir } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-log-');
afterAll(() => tmp.cleanup());

describe('log file', () => {
  it('rotates at the size cap and keeps only the newest files', () => {
    const dir = tmp.file('rotate');
    const log = new LogFile({ dir, name: 'main', maxBytes: 1000, keep: 2, now: () => new Date('2026-01-02T03:04:05Z') });
    for (let i = 0; i < 100; i++) log.info(`line ${String(i).padStart(3, '0')} ${'x'.repeat(30)}`);
    expect(readdirSync(dir).sort()).toEqual(['main.1.log', 'main.2.log', 'main.log']);
    for (const f of log.files()) expect(statSync(f).size).toBeLessThanOrEqual(1000);
    const current = readFileSync(path.join(dir, 'main.log'), 'utf8');
    expect(current).toMatch(/line 099/);
    expect(current).toMatch(/^2026-01-02T03:04:05.000Z INFO  \[\d+\] line/);
    // Lines move to .1, then .2, then are gone: the oldest survivor is in main.2.log.
    const all = log.files().reverse().map((f) => readFileSync(f, 'utf8')).join('');
    const numbers = [...all.matchAll(/line (\d{3})/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual(numbers.slice().sort((a, b) => a - b));
    expect(numbers.at(-1)).toBe(99);
    expect(numbers[0]).toBeGreaterThan(0);
  });

  it('continues an existing file and counts its size', () => {
    const dir = tmp.file('continue');
    new LogFile({ dir, name: 'engine', maxBytes: 300 }).info('a'.repeat(200));
    const again = new LogFile({ dir, name: 'engine', maxBytes: 300 });
    again.info('b'.repeat(200));
    expect(readFileSync(path.join(dir, 'engine.1.log'), 'utf8')).toContain('a'.repeat(200));
    expect(readFileSync(path.join(dir, 'engine.log'), 'utf8')).toContain('b'.repeat(200));
  });

  it('writes errors with their stack, indented', () => {
    const log = new LogFile({ dir: tmp.file('errors'), name: 'main' });
    log.error('engine failed', new Error('boom'));
    const text = readFileSync(log.file, 'utf8');
    expect(text).toMatch(/ERROR \[\d+\] engine failed: Error: boom\n {4,}at /);
  });

  it('stops quietly when the folder cannot be written', () => {
    const blocker = tmp.file('not-a-folder');
    writeFileSync(blocker, 'file');
    const log = new LogFile({ dir: path.join(blocker, 'logs'), name: 'main' });
    expect(() => log.info('hello')).not.toThrow();
    expect(() => log.info('again')).not.toThrow();
    expect(existsSync(path.join(blocker, 'logs'))).toBe(false);
  });

  it('lives in the user data folder unless GNC_LOG_DIR says otherwise, and refuses names with folders', () => {
    expect(logDir({ GNC_HOME: '/data/gnc' })).toBe(path.resolve('/data/gnc/logs'));
    expect(logDir({ GNC_HOME: '/data/gnc', GNC_LOG_DIR: '/var/log/gnc' })).toBe(path.resolve('/var/log/gnc'));
    expect(() => new LogFile({ name: '../x' })).toThrow(/log name/);
  });
});
