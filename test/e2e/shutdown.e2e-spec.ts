import { Etcd3 } from 'etcd3';
import { startInstance } from '../support/app-instance';
import { useStack } from '../support/stack';

const INSTANCES = '/rulecenter/v1/instances/';

describe('shutdown right after start', () => {
  const stack = useStack();

  // The instance registers itself in the background once it serves; a SIGTERM that arrives while
  // that first registration is in flight must still revoke it. Before the fix the lease granted
  // after shutdown stayed registered (and kept the process alive retrying its keepalive for two
  // TTLs after etcd's client was closed).
  it('leaves no instance registered, even when its registration was still in flight', async () => {
    const etcd = new Etcd3({ hosts: stack.etcd.endpoint });
    try {
      for (let round = 0; round < 5; round++) {
        const rc = await startInstance(stack.etcd.endpoint, stack.redis.url, {
          INSTANCE_ID: `short-lived-${round}`,
        });
        await rc.close();
        // Give a registration that completes after close the time to land, if it is going to.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await etcd.getAll().prefix(INSTANCES).keys()).toEqual([]);
      }
    } finally {
      etcd.close();
    }
  });
});
