import { DomainError } from '../domain/errors';
import { KEYS } from '../domain/keys';
import { ConfigStore, Expectation } from '../ports/config-store.port';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, Migration } from '../../migrations';

export interface SchemaState {
  version: number;
  expect: Expectation;
}

export async function readSchemaVersion(store: ConfigStore): Promise<SchemaState> {
  const entry = await store.get(KEYS.schemaVersion);
  if (!entry) return { version: 0, expect: { kind: 'absent' } };
  const version = Number(entry.value);
  if (!Number.isInteger(version) || version < 0) {
    throw new DomainError(
      'SCHEMA_TOO_NEW',
      `meta/schema_version holds "${entry.value}", not a schema version this build understands`,
    );
  }
  return { version, expect: { kind: 'revision', revision: entry.modRevision } };
}

/** The service runs only on exactly the schema it knows. */
export function assertSchemaSupported(version: number, latest = LATEST_SCHEMA_VERSION): void {
  if (version > latest) {
    throw new DomainError(
      'SCHEMA_TOO_NEW',
      `etcd holds schema version ${version}, newer than this build knows (${latest}); upgrade the service`,
    );
  }
  if (version < latest) {
    throw new DomainError(
      'SCHEMA_TOO_OLD',
      `etcd holds schema version ${version}, this build needs ${latest}; run "npm run migrate" first`,
    );
  }
}

/**
 * Applies pending migrations in order. Each version bump is a compare-and-swap on
 * meta/schema_version, so concurrent runners never apply a step twice or skip one.
 */
export async function migrate(
  store: ConfigStore,
  actor: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ from: number; to: number }> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const start = await readSchemaVersion(store);
  if (start.version > latest) assertSchemaSupported(start.version, latest);
  let state = start;
  for (;;) {
    const migration = migrations.find((m) => m.version > state.version);
    if (!migration) break;
    await migration.up(store, { now: new Date().toISOString(), actor });
    const result = await store.commit({
      guards: [{ key: KEYS.schemaVersion, expect: state.expect }],
      writes: [{ key: KEYS.schemaVersion, value: String(migration.version) }],
    });
    // Lost the race to another runner: it bumped the version; carry on from what it wrote.
    state = result.committed
      ? { version: migration.version, expect: { kind: 'revision', revision: result.revision } }
      : await readSchemaVersion(store);
  }
  return { from: start.version, to: state.version };
}
