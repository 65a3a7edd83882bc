import { EtcdServer } from './etcd-server';
import { RedisServer } from './redis-server';
import { migrateEtcd } from './app-instance';

/** A real etcd (migrated to the current schema) and Redis for one spec file. */
export interface Stack {
  etcd: EtcdServer;
  redis: RedisServer;
}

const started: Stack[] = [];

// Registered when a spec file imports this module, i.e. at the file's top level: Jest runs it
// after every afterAll of the file's describe blocks (hooks of one block run in the order they
// were declared, so a stop declared by useStack would run before the spec closes its instances
// and clients, leaving them reconnecting to a dead etcd and Redis).
afterAll(async () => {
  for (const stack of started.splice(0).reverse()) {
    await stack.etcd?.destroy();
    await stack.redis?.stop();
  }
});

/** Starts the stack before the file's tests; it stops after the file's own cleanup. */
export function useStack(): Stack {
  const stack = {} as Stack;
  beforeAll(async () => {
    started.push(stack);
    stack.etcd = await EtcdServer.start();
    stack.redis = await RedisServer.start();
    await migrateEtcd(stack.etcd.endpoint);
  });
  return stack;
}
