/**
 * Kill at random: a child process works through the library as a job runner
 * would (runs with atomically written outputs, model adds and removes,
 * schedules, loss samples) and is SIGKILLed at a seeded random moment 20–400
 * ms after it is ready, 50 times. After every kill, check --fix must repair
 * everything it finds, a second check must find nothing, and every 'done'
 * run's output must exist with the recorded checksum.
 *
 * Children are spawned two rounds ahead and only open the library when told
 * "go", so their start-up (tsx, better-sqlite3: most of a round's cost on a
 * busy 2-core machine) overlaps the previous rounds instead of adding to each.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLibrary, type Problem } from '../../src/library/check.js';
import { sha256 } from '../../src/library/files.js';
import { openLibrary, type Library } from '../../src/library/library.js';
import { mulberry } from '../helpers/random.js';
import { fixture, killAndWait, spawnTs, tempFolder, waitForLine, writeTinyModels } from './helpers.js';

const ROUNDS = 50;
const tmp = tempFolder('gnc-lib-kill-');
const live = new Set<ChildProcess>();
let lib: Library;

beforeAll(async () => {
  mkdirSync(tmp.file('pool'));
  await writeTinyModels(tmp.file('pool'), 6, { name: 'pool' });
  lib = openLibrary({ path: tmp.file('lib/library.sqlite') });
});
afterAll(async () => {
  await Promise.all([...live].map((c) => killAndWait(c)));
  lib?.close();
  tmp.cleanup();
});

function spawnWorker(round: number): ChildProcess {
  const child = spawnTs(fixture('kill-worker.ts'), [lib.path, tmp.file('pool'), String(1000 + round)]);
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

describe('a library process killed at random', () => {
  it(`leaves a library that check --fix fully repairs (${ROUNDS} rounds)`, async () => {
    const rand = mulberry(20261123);
    const repaired = new Map<string, number>();
    // Two children load ahead while the current one works and the library is checked.
    const queue = [spawnWorker(0), spawnWorker(1)];
    for (let round = 0; round < ROUNDS; round++) {
      const child = queue.shift()!;
      child.stdin!.write('go\n');
      await waitForLine(child, 'ready');
      await new Promise((r) => setTimeout(r, 20 + Math.floor(rand() * 380)));
      await killAndWait(child, 'SIGKILL');
      if (round + 2 < ROUNDS) queue.push(spawnWorker(round + 2));

      const fixed = await checkLibrary(lib, { fix: true });
      const unfixed = fixed.filter((p: Problem) => !p.fixed);
      expect(unfixed, `round ${round}`).toEqual([]);
      for (const p of fixed) repaired.set(p.kind, (repaired.get(p.kind) ?? 0) + 1);
      expect(await checkLibrary(lib), `round ${round} after fix`).toEqual([]);
      for (const run of lib.runs.list({ status: 'done' })) {
        expect(existsSync(run.outputPath!), `round ${round}: output of ${run.id}`).toBe(true);
        expect(sha256(readFileSync(run.outputPath!)), `round ${round}: checksum of ${run.id}`).toBe(run.outputSha256);
      }
    }
    // The children really worked, and were really cut off mid-way.
    const done = lib.runs.list({ status: 'done' }).length;
    expect(done).toBeGreaterThan(ROUNDS);
    expect(repaired.get('stale-run') ?? 0).toBeGreaterThanOrEqual(ROUNDS); // each child's training run at least
    console.log(`kill test: ${done} runs done, repairs: ${JSON.stringify(Object.fromEntries(repaired))}`);
  });
});
