import { Etcd3 } from 'etcd3';
import { EtcdConfigStore } from '../../src/adapters/etcd/etcd-config.store';
import { ChangeEvent, ChangeFeed } from '../../src/ports/config-store.port';
import { EtcdServer } from '../support/etcd-server';
import { waitFor } from '../support/ports';
import { TcpProxy } from '../support/tcp-proxy';

const P = '/feed-test/';

/** Writes `count` revisions (one put each), `parallel` at a time. */
async function writeRevisions(client: Etcd3, prefix: string, count: number, parallel = 64) {
  for (let i = 0; i < count; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - i) }, (_, j) =>
      client.put(`${P}${prefix}/${i + j}`).value(String(i + j)),
    );
    await Promise.all(batch);
  }
}

describe('EtcdChangeFeed against a real etcd', () => {
  let etcd: EtcdServer;
  let proxy: TcpProxy;
  let direct: Etcd3;
  let store: EtcdConfigStore;
  let feed: ChangeFeed | undefined;

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    proxy = await TcpProxy.start(etcd.clientPort);
    direct = new Etcd3({ hosts: etcd.endpoint });
    store = new EtcdConfigStore({ endpoints: [proxy.endpoint], prefix: P, requestTimeoutMs: 1000 });
  });
  afterEach(async () => {
    await feed?.close();
    feed = undefined;
  });
  afterAll(async () => {
    await store.close();
    direct.close();
    await proxy.stop();
    await etcd.destroy();
  });

  it('a connection lost in the middle of a catch-up resumes from the last revision delivered, skipping nothing', async () => {
    const from = (await etcd.revision()) + 1;
    // More than etcd sends to a lagging watcher in one round (1,000 revisions every ~100 ms).
    await writeRevisions(direct, 'catch-up', 3000);
    const last = await etcd.revision();
    const seen: ChangeEvent[] = [];
    let cut = false;
    feed = await store.watch(from, {
      onChanges: (events) => {
        seen.push(...events);
        if (!cut) {
          cut = true;
          // After the first round only: the rest of the catch-up is still to come.
          setImmediate(() => proxy.cut());
        }
      },
      onLost: (reason) => {
        throw new Error(`lost: ${reason}`);
      },
      onConnectionChange: () => undefined,
    });
    await waitFor('every revision', () => seen.at(-1)?.modRevision === last, 15_000, 20);
    expect(cut).toBe(true);
    const revisions = seen.map((e) => e.modRevision);
    expect(revisions).toEqual(Array.from({ length: last - from + 1 }, (_, i) => from + i));
  });

  it('resumes after a reconnect from the last revision delivered when writes continue meanwhile', async () => {
    const seen: ChangeEvent[] = [];
    const from = (await etcd.revision()) + 1;
    const states: boolean[] = [];
    feed = await store.watch(from, {
      onChanges: (events) => seen.push(...events),
      onLost: () => undefined,
      onConnectionChange: (connected) => states.push(connected),
    });
    await waitFor('connected', () => states.includes(true));
    await writeRevisions(direct, 'before', 10);
    await waitFor('first writes', () => seen.length === 10);
    proxy.refuse();
    await writeRevisions(direct, 'during', 2500);
    proxy.accept();
    const last = await etcd.revision();
    await waitFor(
      'every revision after the outage',
      () => seen.at(-1)?.modRevision === last,
      15_000,
      20,
    );
    expect(seen.map((e) => e.modRevision)).toEqual(
      Array.from({ length: last - from + 1 }, (_, i) => from + i),
    );
    expect(states).toEqual(expect.arrayContaining([true, false, true]));
  });

  it('reports a watch lost when the revision to resume from was compacted while disconnected', async () => {
    const from = (await etcd.revision()) + 1;
    let lost = '';
    proxy.refuse();
    feed = await store.watch(from, {
      onChanges: () => undefined,
      onLost: (reason) => (lost = reason),
      onConnectionChange: () => undefined,
    });
    await writeRevisions(direct, 'compacted', 5);
    await etcd.compact();
    proxy.accept();
    await waitFor('lost', () => lost !== '', 10_000);
    expect(lost).toMatch(/canceled/i);
  });
});
