import { initialLayout } from './0001-initial';
import { Migration } from './migration';

/** Every migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [initialLayout];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
export type { Migration };
