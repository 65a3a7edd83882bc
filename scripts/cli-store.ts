import { EtcdConfigStore } from '../src/adapters/etcd/etcd-config.store';
import { AppConfig } from '../src/config/app-config';

/** The etcd store for one-shot commands, with a more patient timeout than the service's. */
export function cliStore(config: AppConfig): EtcdConfigStore {
  return new EtcdConfigStore({
    endpoints: config.etcdEndpoints,
    prefix: config.etcdPrefix,
    requestTimeoutMs: Math.max(config.etcdRequestTimeoutMs, 5000),
    username: config.etcdUsername,
    password: config.etcdPassword,
    tls: config.etcdTls,
  });
}

export function fail(what: string, error: unknown): never {
  process.stderr.write(
    `${what} failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
