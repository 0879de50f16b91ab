/**
 * Schema version 1: models, their learned schedules, experiments and their
 * runs, and training runs. CHECK constraints keep enumerations and JSON
 * columns honest even when a row is written by hand or by an older build.
 */
import type { Migration } from '../migrate.js';

const RUN_STATUS = `('queued', 'running', 'done', 'failed', 'cancelled')`;

export const migration001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      -- Small key/value facts about the library itself (e.g. which shipped models were registered).
      CREATE TABLE library_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE models (
        id            TEXT PRIMARY KEY CHECK (length(id) = 64),  -- identity hash of architecture + weights
        name          TEXT NOT NULL UNIQUE,
        description   TEXT,
        architecture  TEXT NOT NULL CHECK (json_valid(architecture)),
        file_path     TEXT NOT NULL,
        file_sha256   TEXT NOT NULL CHECK (length(file_sha256) = 64),
        file_bytes    INTEGER NOT NULL CHECK (file_bytes >= 0),
        shipped       INTEGER NOT NULL DEFAULT 0 CHECK (shipped IN (0, 1)),
        training_data TEXT,
        settings      TEXT CHECK (settings IS NULL OR json_valid(settings)),
        iterations    INTEGER,
        validation    TEXT CHECK (validation IS NULL OR json_valid(validation)),
        notes         TEXT NOT NULL DEFAULT '',
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );

      CREATE TABLE schedules (
        id          TEXT PRIMARY KEY,
        model_id    TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        task        TEXT NOT NULL CHECK (task IN ('denoise', 'inpaint')),
        level       REAL NOT NULL CHECK (level >= 0),            -- sigma on 0-255, or missing fraction
        steps       INTEGER NOT NULL CHECK (steps > 0),
        file_path   TEXT NOT NULL,
        file_sha256 TEXT NOT NULL CHECK (length(file_sha256) = 64),
        figures     TEXT CHECK (figures IS NULL OR json_valid(figures)),
        created_at  TEXT NOT NULL
      );

      CREATE TABLE experiments (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        kind       TEXT NOT NULL,
        notes      TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      );

      CREATE TABLE runs (
        id            TEXT PRIMARY KEY,
        experiment_id TEXT REFERENCES experiments(id) ON DELETE CASCADE,
        kind          TEXT NOT NULL CHECK (kind IN ('denoise', 'inpaint', 'compare', 'train', 'learn-schedule', 'sample', 'bench')),
        method        TEXT CHECK (method IS NULL OR method IN ('gnc', 'joint', 'vn', 'sampler')),
        model_id      TEXT REFERENCES models(id) ON DELETE SET NULL,  -- history outlives the model
        input_path    TEXT,
        input_sha256  TEXT,
        thumb_path    TEXT,
        params        TEXT NOT NULL CHECK (json_valid(params)),
        backend       TEXT CHECK (backend IS NULL OR json_valid(backend)),
        output_path   TEXT,
        output_name   TEXT,
        output_sha256 TEXT,
        traces        TEXT CHECK (traces IS NULL OR json_valid(traces)),
        psnr          REAL,
        ssim          REAL,
        seconds       REAL,
        status        TEXT NOT NULL CHECK (status IN ${RUN_STATUS}),
        error_message TEXT,
        error_kind    TEXT,
        pid           INTEGER,
        created_at    TEXT NOT NULL,
        started_at    TEXT,
        finished_at   TEXT,
        CHECK (status <> 'done' OR output_path IS NULL OR output_sha256 IS NOT NULL)
      );

      CREATE TABLE training_runs (
        id               TEXT PRIMARY KEY,
        model_id         TEXT REFERENCES models(id) ON DELETE SET NULL,
        settings         TEXT NOT NULL CHECK (json_valid(settings)),
        data_description TEXT NOT NULL DEFAULT '',
        status           TEXT NOT NULL CHECK (status IN ${RUN_STATUS}),
        loss_curve       TEXT NOT NULL CHECK (json_valid(loss_curve)),
        validation       TEXT CHECK (validation IS NULL OR json_valid(validation)),
        checkpoint_path  TEXT,
        iterations       INTEGER NOT NULL DEFAULT 0,
        seconds          REAL NOT NULL DEFAULT 0,
        error_message    TEXT,
        error_kind       TEXT,
        pid              INTEGER,
        created_at       TEXT NOT NULL,
        started_at       TEXT,
        finished_at      TEXT
      );
    `);
  },
};
