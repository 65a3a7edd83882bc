import { EtcdServer } from './etcd-server';
import { RedisServer } from './redis-server';
import { migrateEtcd } from './app-instance';

/** A real etcd (migrated to the current schema) and Redis for one spec file. */
export interface Stack {
  etcd: EtcdServer;
  redis: RedisServer;
}

/** Starts the stack before the file's tests and stops it after them. */
export function useStack(): Stack {
  const stack = {} as Stack;
  beforeAll(async () => {
    stack.etcd = await EtcdServer.start();
    stack.redis = await RedisServer.start();
    await migrateEtcd(stack.etcd.endpoint);
  });
  afterAll(async () => {
    await stack.etcd?.destroy();
    await stack.redis?.stop();
  });
  return stack;
}
