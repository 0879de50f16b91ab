/**
 * Schema version 3: schedules get a `shipped` flag, like models. Shipped
 * schedules (resources/schedules/*.gncs) are referenced where they lie, so
 * the library must know which rows it may not remove and whose files are not
 * its own. Existing rows are the user's (DEFAULT 0).
 */
import type { Migration } from '../migrate.js';

export const migration003: Migration = {
  version: 3,
  name: 'shipped-schedules',
  up(db) {
    db.exec(`ALTER TABLE schedules ADD COLUMN shipped INTEGER NOT NULL DEFAULT 0 CHECK (shipped IN (0, 1))`);
  },
};
