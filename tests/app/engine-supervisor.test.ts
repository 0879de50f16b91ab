/**
 * Restart on crash: the engine host (the real one, a Node child process as
 * the Electron main process starts it) is killed, or throws an uncaught
 * error, and the supervisor brings a new one up on the same library; the
 * library's contents survive, listeners hear 'engine-restarted', and the
 * uncaught error is in the engine's log. The give-up rule and calls waiting
 * for a restart are shown with fake hosts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../../src/app/engine-client.js';
import type { AppInfo, EngineEvent, ModelSummary } from '../../src/app/engine-api.js';
import { EngineSupervisor, type EngineProcess, type RestartInfo } from '../../src/app/engine-supervisor.js';
import { CRASH_EXIT_CODE } from '../../src/app/engine-host.js';
import { tempDir } from '../helpers/fixtures.js';

const tmp = tempDir('gnc-supervisor-');
afterAll(() => tmp.cleanup());

function env(name: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, GNC_HOME: tmp.file(`${name}-home`), GNC_LIBRARY: tmp.file(`${name}-library/library.sqlite`), GNC_LOG_DIR: tmp.file(`${name}-logs`), ...extra };
}

function nextRestart(s: EngineSupervisor): Promise<RestartInfo> {
  return new Promise((resolve) => s.onRestart(resolve));
}

describe('engine supervisor with the real engine host', () => {
  it('restarts a killed engine on the same library, which keeps what was written to it', async () => {
    const output: string[] = [];
    const supervisor = await EngineSupervisor.start({ start: () => EngineClient.start({ env: env('kill'), output: (t) => output.push(t) }) });
    const events: EngineEvent[] = [];
    supervisor.subscribe((e) => events.push(e));
    try {
      const before = (await supervisor.call('info', [])) as AppInfo;
      const models = (await supervisor.call('listModels', [])) as ModelSummary[];
      expect(models.filter((m) => m.shipped).length).toBeGreaterThanOrEqual(3);
      await supervisor.call('tagModel', [models[0]!.id, { add: ['before-crash'] }]);
      const oldPid = supervisor.pid!;

      const restarted = nextRestart(supervisor);
      process.kill(oldPid, 'SIGKILL');
      const info = await restarted;
      expect(info.reason).toBe('signal SIGKILL');
      expect(info.restarts).toBe(1);
      expect(info.pid).not.toBe(oldPid);
      expect(supervisor.pid).toBe(info.pid);

      const after = (await supervisor.call('info', [])) as AppInfo;
      expect(after.libraryPath).toBe(before.libraryPath);
      const again = (await supervisor.call('getModel', [models[0]!.id])) as ModelSummary;
      expect(again.tags).toContain('before-crash');
      expect(events.some((e) => e.type === 'engine-restarted' && e.reason === 'signal SIGKILL')).toBe(true);
      // The dead host's session folder is cleared by the new one; only the live session remains.
      expect(readdirSync(path.join(tmp.file('kill-home'), 'sessions'))).toHaveLength(1);
    } finally {
      await supervisor.close();
    }
    expect(() => process.kill(supervisor.pid!, 0)).toThrow();
  });

  it('restarts an engine that throws an uncaught error, which it logs in the user data folder first', async () => {
    const entry = fileURLToPath(new URL('./fixtures/crashing-host-entry.mjs', import.meta.url));
    const marker = tmp.file('crashed-once');
    const supervisor = await EngineSupervisor.start({
      start: () => EngineClient.start({ entry, env: env('uncaught', { GNC_TEST_CRASH_MARKER: marker }), output: () => {} }),
    });
    try {
      const firstPid = supervisor.pid;
      const restarted = nextRestart(supervisor);
      // The call that hit the failure is lost with its host; it says so.
      await expect(supervisor.call('listJobs', [])).rejects.toMatchObject({ kind: 'backend', message: expect.stringMatching(/engine process stopped/) });
      const info = await restarted;
      expect(existsSync(marker)).toBe(true);
      expect(Number(readFileSync(marker, 'utf8'))).toBe(firstPid);
      expect(info.reason).toBe(`exit code ${CRASH_EXIT_CODE}`);
      expect(((await supervisor.call('info', [])) as AppInfo).libraryPath).toBe(tmp.file('uncaught-library/library.sqlite'));
      const log = readFileSync(path.join(tmp.file('uncaught-logs'), 'engine.log'), 'utf8');
      expect(log).toMatch(new RegExp(`ERROR \\[${firstPid}\\] uncaught error; the engine host stops: Error: simulated engine failure`));
      expect(log).toMatch(/INFO  \[\d+\] engine host started/);
    } finally {
      await supervisor.close();
    }
  });
});

/** A host that can be made to crash, counting its calls. */
class FakeHost implements EngineProcess {
  static started = 0;
  readonly pid: number;
  calls = 0;
  closed = false;
  #exit: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];
  constructor() {
    this.pid = 1000 + ++FakeHost.started;
  }
  async call(name: string) {
    this.calls++;
    return `${name}@${this.pid}`;
  }
  async resource() {
    return { mime: 'text/plain', bytes: new Uint8Array([this.pid % 256]) };
  }
  subscribe() {
    return () => {};
  }
  onUnexpectedExit(l: (code: number | null, signal: NodeJS.Signals | null) => void) {
    this.#exit.push(l);
  }
  crash(code = 1) {
    for (const l of this.#exit) l(code, null);
  }
  async close() {
    this.closed = true;
  }
}

describe('engine supervisor rules', () => {
  it('lets calls made while a new host starts wait for it', async () => {
    const hosts: FakeHost[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const supervisor = await EngineSupervisor.start({
      start: async () => {
        if (hosts.length === 1) await gate;
        const h = new FakeHost();
        hosts.push(h);
        return h;
      },
    });
    hosts[0]!.crash();
    const pending = supervisor.call('info', []);
    release();
    expect(await pending).toBe(`info@${hosts[1]!.pid}`);
    expect(hosts[0]!.calls).toBe(0);
  });

  it('gives up after more than maxRestarts crashes within the window, and then refuses calls', async () => {
    let t = 0;
    const hosts: FakeHost[] = [];
    const gaveUp: string[] = [];
    const supervisor = await EngineSupervisor.start({
      start: async () => {
        const h = new FakeHost();
        hosts.push(h);
        return h;
      },
      maxRestarts: 2,
      windowMs: 10_000,
      now: () => t,
    });
    supervisor.onGiveUp((r) => gaveUp.push(r));
    const crashAndSettle = async () => {
      hosts.at(-1)!.crash(70);
      await new Promise((r) => setTimeout(r, 0));
    };
    await crashAndSettle();
    t += 20_000; // an old crash leaves the window
    await crashAndSettle();
    await crashAndSettle();
    expect(supervisor.restarts).toBe(3);
    expect(gaveUp).toEqual([]);
    await crashAndSettle();
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatch(/stopped 3 times within 10 s \(last: exit code 70\)/);
    await expect(supervisor.call('info', [])).rejects.toMatchObject({ kind: 'backend' });
  });

  it('gives up when a restart fails', async () => {
    let n = 0;
    const first = new FakeHost();
    const gaveUp: string[] = [];
    const supervisor = await EngineSupervisor.start({
      start: async () => {
        if (n++ === 0) return first;
        throw new Error('no node binary');
      },
    });
    supervisor.onGiveUp((r) => gaveUp.push(r));
    first.crash(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(gaveUp[0]).toMatch(/could not be restarted: no node binary/);
  });
});
