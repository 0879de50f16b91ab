/**
 * Several processes on one library: two writer processes insert experiments
 * of ten runs, one transaction each, while this process reads in a loop. WAL
 * and busy_timeout must mean readers never see half an experiment and no
 * SQLITE_BUSY ever reaches a caller (reader or writer).
 */
import type { ChildProcess } from 'node:child_process';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { openLibrary } from '../../src/library/library.js';
import { fixture, killAndWait, spawnTs, tempFolder, waitForLine } from './helpers.js';

const tmp = tempFolder('gnc-lib-concurrent-');
const children: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(children.map((c) => killAndWait(c)));
  tmp.cleanup();
});

const PER_WRITER = 150;
const RUNS_PER_EXPERIMENT = 10;

describe('concurrent access', () => {
  it('gives readers whole transactions only, and never surfaces SQLITE_BUSY', async () => {
    const file = tmp.file('library.sqlite');
    const lib = openLibrary({ path: file });
    try {
      const writers = [0, 1].map(() => spawnTs(fixture('writer.ts'), [file, String(PER_WRITER)]));
      children.push(...writers);
      const stderr = writers.map((w) => {
        let text = '';
        w.stderr!.on('data', (c: Buffer) => (text += c.toString()));
        return () => text;
      });
      const exits = writers.map((w) => new Promise<number | null>((resolve) => w.on('exit', (code) => resolve(code))));
      await Promise.all(writers.map((w) => waitForLine(w, 'ready')));
      let stdout = '';
      for (const w of writers) {
        w.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
        w.stdin!.write('go\n');
      }
      let running = true;
      void Promise.all(exits).then(() => (running = false));

      // Two statements in one read transaction: both must see the same snapshot.
      const snapshot = lib.db.transaction(() => {
        const experiments = lib.db.prepare('SELECT count(*) FROM experiments').pluck().get() as number;
        const runs = lib.db.prepare('SELECT count(*) FROM runs').pluck().get() as number;
        return { experiments, runs };
      });
      let reads = 0;
      let sawPartialProgress = false;
      while (running) {
        for (let k = 0; k < 20; k++) {
          const { experiments, runs } = snapshot();
          expect(runs).toBe(experiments * RUNS_PER_EXPERIMENT);
          for (const e of lib.experiments.list({ limit: 5 })) expect(e.runs).toBe(RUNS_PER_EXPERIMENT);
          if (experiments > 0 && experiments < 2 * PER_WRITER) sawPartialProgress = true;
          reads++;
        }
        await yieldToEvents();
      }
      expect(await Promise.all(exits), stderr.map((s) => s()).join('\n')).toEqual([0, 0]);
      expect(stderr.map((s) => s()).join('')).not.toMatch(/SQLITE_BUSY|database is locked/);
      expect(sawPartialProgress, `reads: ${reads}; writers: ${stdout}`).toBe(true);
      console.log(`concurrency: ${reads} consistent reads while ${stdout.trim().replace(/\n/g, ', ')}`);
      expect(reads).toBeGreaterThan(50);
      expect(snapshot()).toEqual({ experiments: 2 * PER_WRITER, runs: 2 * PER_WRITER * RUNS_PER_EXPERIMENT });
    } finally {
      lib.close();
    }
  });
});
