/**
 * Schema version 2: model tags in their own table (so "models tagged x" is an
 * index lookup, and a tag cannot outlive its model), and indices on every
 * foreign key and on the columns the job runner and the lists filter by.
 * Without an index on a child's foreign key, every parent delete scans the
 * whole child table.
 */
import type { Migration } from '../migrate.js';

export const migration002: Migration = {
  version: 2,
  name: 'tags-and-indices',
  up(db) {
    db.exec(`
      CREATE TABLE model_tags (
        model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        tag      TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 64),
        PRIMARY KEY (model_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX model_tags_by_tag ON model_tags(tag);

      CREATE INDEX schedules_by_model ON schedules(model_id);
      CREATE INDEX runs_by_experiment ON runs(experiment_id);
      CREATE INDEX runs_by_model ON runs(model_id);
      CREATE INDEX runs_by_status ON runs(status);
      CREATE INDEX runs_by_kind_created ON runs(kind, created_at);
      CREATE INDEX training_by_model ON training_runs(model_id);
      CREATE INDEX training_by_status ON training_runs(status);
    `);
  },
};
