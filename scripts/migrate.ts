import 'reflect-metadata';
import { loadConfig } from '../src/config/app-config';
import { migrate } from '../src/services/schema-migrator';
import { cliStore, fail } from './cli-store';

/** `npm run migrate`: applies pending etcd layout migrations (see migrations/). */
async function main(): Promise<void> {
  const store = cliStore(loadConfig(process.env, { serving: false }));
  try {
    const { from, to } = await migrate(store, 'migrate');
    process.stdout.write(
      from === to ? `schema is current (version ${to})\n` : `migrated schema ${from} → ${to}\n`,
    );
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => fail('migrate', error));
