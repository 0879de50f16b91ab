/**
 * `gnc library`: look into and maintain the model-and-experiment library.
 * `--library PATH` (or GNC_LIBRARY) picks another library file. Every
 * subcommand prints a readable table, or with --json one JSON object.
 */
import type { Command } from 'commander';
import { GncError } from '../util/errors.js';
import { exportBundle, importBundle } from '../library/bundle.js';
import { checkLibrary, type Problem } from '../library/check.js';
import { openLibrary, type Library } from '../library/library.js';
import { listForMessage } from '../library/refs.js';
import { parseChoice, parseInteger } from './options.js';

const KINDS = ['models', 'schedules', 'runs', 'training', 'experiments'] as const;
type Kind = (typeof KINDS)[number];

interface GlobalOptions {
  library?: string;
  json?: boolean;
}

function withLibrary<T>(command: Command, use: (lib: Library, o: GlobalOptions) => Promise<T> | T): Promise<T> {
  const o = command.optsWithGlobals<GlobalOptions>();
  const lib = openLibrary({ path: o.library });
  return Promise.resolve()
    .then(() => use(lib, o))
    .finally(() => lib.close());
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** A plain-text table: columns padded to their widest cell. */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c == null ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

const short = (id: string | null) => (id ? id.slice(0, 12) : null);
const fixed = (x: number | null, digits: number) => (x == null ? null : x.toFixed(digits));
const day = (iso: string) => iso.slice(0, 19).replace('T', ' ');

function listRows(lib: Library, kind: Kind, limit: number | undefined): { headers: string[]; rows: unknown[]; cells: Array<Array<string | number | null>> } {
  switch (kind) {
    case 'models': {
      const rows = lib.models.list();
      return {
        headers: ['NAME', 'ID', 'SHIPPED', 'ITERATIONS', 'TAGS', 'ADDED'],
        rows,
        cells: rows.map((m) => [m.name, short(m.id), m.shipped ? 'yes' : 'no', m.iterations, m.tags.join(',') || null, day(m.createdAt)]),
      };
    }
    case 'schedules': {
      const rows = lib.schedules.list();
      const names = new Map(lib.models.list().map((m) => [m.id, m.name]));
      return {
        headers: ['ID', 'MODEL', 'TASK', 'LEVEL', 'STEPS', 'SHIPPED', 'ADDED'],
        rows,
        cells: rows.map((s) => [s.id, names.get(s.modelId) ?? short(s.modelId), s.task, s.level, s.steps, s.shipped ? 'yes' : 'no', day(s.createdAt)]),
      };
    }
    case 'runs': {
      const rows = lib.runs.list({ limit });
      return {
        headers: ['ID', 'KIND', 'METHOD', 'STATUS', 'PSNR', 'SECONDS', 'CREATED'],
        rows,
        cells: rows.map((r) => [r.id, r.kind, r.method, r.status, fixed(r.psnr, 2), fixed(r.seconds, 1), day(r.createdAt)]),
      };
    }
    case 'training': {
      const rows = lib.training.list({ limit });
      return {
        headers: ['ID', 'STATUS', 'ITERATIONS', 'LOSS', 'MODEL', 'CREATED'],
        rows,
        cells: rows.map((t) => [t.id, t.status, t.iterations, t.lastLoss ? t.lastLoss.loss.toPrecision(4) : null, short(t.modelId), day(t.createdAt)]),
      };
    }
    case 'experiments': {
      const rows = lib.experiments.list({ limit });
      return { headers: ['ID', 'NAME', 'KIND', 'RUNS', 'CREATED'], rows, cells: rows.map((e) => [e.id, e.name, e.kind, e.runs, day(e.createdAt)]) };
    }
  }
}

type Found =
  | { kind: 'models'; row: ReturnType<Library['models']['get']> }
  | { kind: 'schedules'; row: ReturnType<Library['schedules']['get']> }
  | { kind: 'runs'; row: ReturnType<Library['runs']['get']> }
  | { kind: 'training'; row: ReturnType<Library['training']['get']> }
  | { kind: 'experiments'; row: ReturnType<Library['experiments']['get']> };

/** Finds REF among the given kinds; a reference matching rows of two kinds must be narrowed with --kind. */
function findAny(lib: Library, ref: string, only?: Kind): Found {
  const finders: { [K in Kind]: () => Found | undefined } = {
    models: () => {
      const row = lib.models.find(ref);
      return row && { kind: 'models', row };
    },
    schedules: () => {
      const row = lib.schedules.find(ref);
      return row && { kind: 'schedules', row };
    },
    runs: () => {
      const row = lib.runs.find(ref);
      return row && { kind: 'runs', row };
    },
    training: () => {
      const row = lib.training.find(ref);
      return row && { kind: 'training', row };
    },
    experiments: () => {
      const row = lib.experiments.find(ref);
      return row && { kind: 'experiments', row };
    },
  };
  if (only === 'models') return { kind: 'models', row: lib.models.get(ref) };
  const kinds = only ? [only] : KINDS;
  const found = kinds.map((k) => finders[k]()).filter((f): f is Found => f !== undefined);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    throw new GncError('invalid-argument', `${JSON.stringify(ref)} matches ${found.map((f) => f.kind).join(' and ')}; add --kind to say which`);
  }
  throw new GncError('not-found', `Nothing in the library matches ${JSON.stringify(ref)} (looked in ${kinds.join(', ')}; expected a model name, an id or an id prefix of at least 6 characters)`);
}

function describe(found: Found): string {
  const lines = Object.entries(found.row).map(([k, v]) => {
    const text = v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
    return `${k.padEnd(15)} ${text.length > 200 ? `${text.slice(0, 197)}...` : text}`;
  });
  return `${found.kind.replace(/s$/, '')}\n${lines.join('\n')}`;
}

function splitList(value: string | undefined): string[] {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

function printProblems(problems: Problem[], fix: boolean): void {
  if (problems.length === 0) {
    print('library: ok');
    return;
  }
  print(table(['KIND', 'WHAT', 'DETAIL'], problems.map((p) => [p.kind, p.what, p.detail])));
  const left = problems.filter((p) => !p.fixed).length;
  print(`${problems.length} problem(s), ${problems.length - left} fixed${!fix && left ? ' (run with --fix to repair what can be repaired)' : ''}`);
}

export function addLibraryCommand(program: Command): void {
  const library = program
    .command('library')
    .description('The model-and-experiment library: list, inspect, tag, remove, export, import, check')
    .option('--library <path>', 'library database file (default: $GNC_LIBRARY, else library.sqlite in the GNC Studio data folder)');

  library
    .command('list')
    .description('List models (default), schedules, runs, training runs or experiments')
    .option('--kind <kind>', `one of ${KINDS.join(', ')}`, parseChoice('--kind', KINDS), 'models' as Kind)
    .option('--limit <n>', 'at most this many rows (runs, training, experiments: newest first)', parseInteger('--limit', 1, 1_000_000))
    .option('--json', 'print JSON')
    .action((o: { kind: Kind; limit?: number }, cmd: Command) =>
      withLibrary(cmd, (lib, g) => {
        const { headers, rows, cells } = listRows(lib, o.kind, o.limit);
        if (g.json) printJson({ library: lib.path, kind: o.kind, items: rows });
        else print(rows.length ? table(headers, cells) : `no ${o.kind} in ${lib.path}`);
      }),
    );

  library
    .command('show <ref>')
    .description('Show one model (name or id), schedule, run, training run or experiment')
    .option('--kind <kind>', `look only among ${KINDS.join(', ')}`, parseChoice('--kind', KINDS))
    .option('--json', 'print JSON')
    .action((ref: string, o: { kind?: Kind }, cmd: Command) =>
      withLibrary(cmd, (lib, g) => {
        const found = findAny(lib, ref, o.kind);
        if (g.json) printJson({ kind: found.kind, item: found.row });
        else print(describe(found));
      }),
    );

  library
    .command('rm <ref>')
    .description('Remove a model (not a shipped one) with its schedules, or a schedule (not a shipped one), run, training run or experiment')
    .option('--kind <kind>', `look only among ${KINDS.join(', ')}`, parseChoice('--kind', KINDS))
    .action((ref: string, o: { kind?: Kind }, cmd: Command) =>
      withLibrary(cmd, (lib) => {
        const found = findAny(lib, ref, o.kind);
        const id = found.row.id;
        if (found.kind === 'models') lib.models.remove(id);
        else if (found.kind === 'schedules') lib.schedules.remove(id);
        else if (found.kind === 'runs') lib.runs.remove(id);
        else if (found.kind === 'training') lib.training.remove(id);
        else lib.experiments.remove(id);
        print(`removed ${found.kind.replace(/s$/, '')} ${found.kind === 'models' ? `${found.row.name} (${short(id)})` : id}`);
      }),
    );

  library
    .command('tag <model>')
    .description('Add or remove tags of a model')
    .option('--add <tags>', 'comma-separated tags to add')
    .option('--remove <tags>', 'comma-separated tags to remove')
    .option('--json', 'print JSON')
    .action((ref: string, o: { add?: string; remove?: string }, cmd: Command) =>
      withLibrary(cmd, (lib, g) => {
        const add = splitList(o.add);
        const remove = splitList(o.remove);
        if (!add.length && !remove.length) throw new GncError('invalid-argument', 'Expected --add and/or --remove with at least one tag');
        const row = lib.models.tag(ref, add, remove);
        if (g.json) printJson({ kind: 'models', item: row });
        else print(`${row.name}: ${row.tags.length ? row.tags.join(', ') : '(no tags)'}`);
      }),
    );

  library
    .command('export <model>')
    .description('Write a model and its schedules to one .gncpack file')
    .requiredOption('-o, --out <file>', 'the bundle to write')
    .option('--json', 'print JSON')
    .action((ref: string, o: { out: string }, cmd: Command) =>
      withLibrary(cmd, async (lib, g) => {
        const r = await exportBundle(lib, ref, o.out);
        if (g.json) printJson({ file: r.file, model: r.model.id, name: r.model.name, schedules: r.schedules, bytes: r.bytes });
        else print(`wrote ${r.file}: model ${r.model.name} (${short(r.model.id)}) with ${r.schedules} schedule(s), ${r.bytes} bytes`);
      }),
    );

  library
    .command('import <file>')
    .description('Add the model and schedules of a .gncpack file (a model already present is left as is)')
    .option('--json', 'print JSON')
    .action((file: string, _o: unknown, cmd: Command) =>
      withLibrary(cmd, async (lib, g) => {
        const r = await importBundle(lib, file);
        if (g.json) printJson({ added: r.added, model: r.model.id, name: r.model.name, schedules: r.schedules, message: r.message });
        else print(r.message);
      }),
    );

  library
    .command('check')
    .description('Find (and with --fix repair) missing, corrupt and orphan files, interrupted runs and database damage')
    .option('--fix', 'repair what can be repaired safely')
    .option('--json', 'print JSON')
    .action((o: { fix?: boolean }, cmd: Command) =>
      withLibrary(cmd, async (lib, g) => {
        const problems = await checkLibrary(lib, { fix: !!o.fix });
        const left = problems.filter((p) => !p.fixed);
        if (g.json) printJson({ library: lib.path, ok: left.length === 0, problems });
        else printProblems(problems, !!o.fix);
        if (left.length) {
          throw new GncError('library', `${left.length} problem(s) remain in ${lib.path}: ${listForMessage(left.map((p) => p.kind), 5)}`);
        }
      }),
    );
}
