/**
 * Every schema migration, in order. Append new ones here (never edit or
 * reorder an applied one: libraries in the wild already recorded it).
 */
import type { Migration } from '../migrate.js';
import { migration001 } from './001-initial.js';
import { migration002 } from './002-tags-and-indices.js';
import { migration003 } from './003-shipped-schedules.js';

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003];
