/**
 * The model-and-experiment library: one SQLite database (better-sqlite3) and
 * the files it manages beside it in library-files/. Opening it applies any
 * pending schema migrations and registers the shipped priors and their
 * learned schedules.
 *
 * Several processes may open one library at once (the app, its workers, the
 * CLI): WAL lets readers run while one writer commits, busy_timeout makes a
 * second writer wait instead of failing, and every read-modify-write takes
 * the write lock up front (IMMEDIATE transactions) so it cannot fail halfway.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { GncError } from '../util/errors.js';
import { userDataDir } from '../util/paths.js';
import { makeContext, MANAGED_KINDS, type LibraryContext } from './context.js';
import { ExperimentsRepo } from './experiments-repo.js';
import { claimFilesFolder } from './folder-claim.js';
import { prepareInput } from './inputs.js';
import { migrate, schemaVersion } from './migrate.js';
import { ModelsRepo } from './models-repo.js';
import { RunsRepo, type RunInput } from './runs-repo.js';
import { SchedulesRepo } from './schedules-repo.js';
import { registerShippedModels } from './shipped.js';
import { registerShippedSchedules } from './shipped-schedules.js';
import { TrainingRepo } from './training-repo.js';

export const LIBRARY_FILE = 'library.sqlite';

export interface OpenLibraryOptions {
  /** The database file; default GNC_LIBRARY, else <user data folder>/library.sqlite. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  /** Register the shipped priors and schedules (default true). */
  registerShipped?: boolean;
  /** Where the shipped priors are (default resources/models); for tests. */
  shippedDir?: string;
  /** Where the shipped schedules are (default resources/schedules); for tests. */
  shippedSchedulesDir?: string;
}

export interface Library extends LibraryContext {
  /** Absolute path of the database file. */
  readonly path: string;
  readonly schemaVersion: number;
  readonly models: ModelsRepo;
  readonly schedules: SchedulesRepo;
  readonly experiments: ExperimentsRepo;
  readonly runs: RunsRepo;
  readonly training: TrainingRepo;
  /** Hashes a run's input photo, optionally copying it in and making a thumbnail. */
  prepareInput(file: string, options?: { copy?: boolean; thumbnail?: boolean }): Promise<RunInput>;
  close(): void;
}

export function libraryPath(options: { path?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const env = options.env ?? process.env;
  if (options.path) return path.resolve(options.path);
  if (env.GNC_LIBRARY) return path.resolve(env.GNC_LIBRARY);
  return path.join(userDataDir(env), LIBRARY_FILE);
}

function openDatabase(file: string): Database.Database {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
  } catch (err) {
    throw new GncError('library', `Cannot create the library folder ${path.dirname(file)}: ${(err as Error).message}`, { cause: err });
  }
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (err) {
    throw new GncError('library', `Cannot open the library ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    // busy_timeout first: switching to WAL itself needs a lock another process may hold.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
  } catch (err) {
    db.close();
    throw new GncError('library', `${file} is not a usable SQLite database (${(err as Error).message}); expected a GNC Studio library or a new file`, { cause: err });
  }
  return db;
}

export function openLibrary(options: OpenLibraryOptions = {}): Library {
  const file = libraryPath(options);
  const db = openDatabase(file);
  try {
    migrate(db, file);
    const ctx = makeContext(db, file);
    for (const kind of MANAGED_KINDS) mkdirSync(ctx.folders[kind], { recursive: true });
    claimFilesFolder(ctx, file);
    const models = new ModelsRepo(ctx);
    const schedules = new SchedulesRepo(ctx, models);
    if (options.registerShipped ?? true) {
      registerShippedModels(ctx, models, options.shippedDir);
      // After the models: a schedule row needs its model's row.
      registerShippedSchedules(ctx, schedules, options.shippedSchedulesDir);
    }
    return {
      ...ctx,
      path: file,
      schemaVersion: schemaVersion(db),
      models,
      schedules,
      experiments: new ExperimentsRepo(ctx),
      runs: new RunsRepo(ctx, models),
      training: new TrainingRepo(ctx, models),
      prepareInput: (input, o) => prepareInput(ctx, input, o),
      close: () => db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
