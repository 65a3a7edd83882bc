import { ConfigStore } from '../src/ports/config-store.port';

/**
 * A numbered step of the etcd layout. `up` must be idempotent: it can run again after a crash
 * between its writes and the schema version bump, or concurrently on two machines.
 */
export interface Migration {
  version: number;
  description: string;
  up(store: ConfigStore, context: { now: string; actor: string }): Promise<void>;
}
