import 'reflect-metadata';
import { EtcdConfigStore } from '../src/adapters/etcd/etcd-config.store';
import { ConfigError, loadConfig } from '../src/config/app-config';
import { migrate } from '../src/services/schema-migrator';

/** `npm run migrate`: applies pending etcd layout migrations (see migrations/). */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const store = new EtcdConfigStore({
    endpoints: config.etcdEndpoints,
    prefix: config.etcdPrefix,
    requestTimeoutMs: Math.max(config.etcdRequestTimeoutMs, 5000),
    username: config.etcdUsername,
    password: config.etcdPassword,
  });
  try {
    const { from, to } = await migrate(store, 'migrate');
    process.stdout.write(from === to ? `schema is current (version ${to})\n` : `migrated schema ${from} → ${to}\n`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : `migrate failed: ${error instanceof Error ? error.message : String(error)}`}\n`);
  process.exit(1);
});
