import { EtcdServer } from '../support/etcd-server';
import { sleep, waitFor } from '../support/ports';
import { storeFor } from '../support/app-instance';

const P = '/rulecenter/v1/';

describe('instance registration on an etcd lease (real etcd)', () => {
  // A frozen etcd (SIGSTOP) expires the lease when it wakes and is covered by the fault harness;
  // a killed one renews every lease's TTL at restart, so the client must notice on its own.
  it('is written again under a new lease after etcd was down for four TTLs', async () => {
    const etcd = await EtcdServer.start();
    const store = storeFor(etcd.endpoint);
    /** The lease the key is bound to, or undefined when the key is missing. */
    const leaseOf = async (): Promise<string | undefined> => {
      // Lease ids are 64-bit: read the digits, JSON.parse would round them.
      const out = await etcd.ctl('get', `${P}instances/a`, '-w', 'json');
      return /"lease":(\d+)/.exec(out)?.[1];
    };
    try {
      const registration = await store.registerEphemeral('instances/a', '{"host":"h"}', 2);
      const first = await leaseOf();
      expect(first).toBeDefined();

      await etcd.stop();
      await sleep(8000); // four TTLs: the lease is lost while etcd is still away
      await etcd.resume();
      const back = Date.now();
      await waitFor(
        'registered under a new lease',
        async () => ![first, undefined].includes(await leaseOf()),
        10_000,
        100,
      );
      expect(Date.now() - back).toBeLessThan(2000);
      // Still there three TTLs later: the new lease is kept alive.
      const second = await leaseOf();
      await sleep(6000);
      expect(await leaseOf()).toBe(second);

      await registration.close();
      expect(await leaseOf()).toBeUndefined();
    } finally {
      await store.close();
      await etcd.destroy();
    }
  }, 40_000);
});
