import { EtcdConfigStore } from '../../src/adapters/etcd/etcd-config.store';
import { DomainError } from '../../src/domain/errors';
import { ChangeEvent } from '../../src/ports/config-store.port';
import { EtcdServer } from '../support/etcd-server';
import { waitFor } from '../support/ports';
import { storeFor } from '../support/app-instance';

describe('EtcdConfigStore against a real etcd', () => {
  let etcd: EtcdServer;
  let store: EtcdConfigStore;

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    store = storeFor(etcd.endpoint, '/t/');
  });
  afterAll(async () => {
    await store.close();
    await etcd.destroy();
  });

  it('writes under the prefix and reads back with revisions', async () => {
    const result = await store.commit({
      guards: [{ key: 'a/1', expect: { kind: 'absent' } }],
      writes: [{ key: 'a/1', value: 'one' }],
    });
    expect(result.committed).toBe(true);
    expect(await etcd.ctl('get', '/t/a/1', '--print-value-only')).toBe('one\n');
    const entry = await store.get('a/1');
    expect(entry).toEqual({
      key: 'a/1',
      value: 'one',
      modRevision: result.committed ? result.revision : -1,
    });
  });

  it('commits nothing when any guard fails', async () => {
    const first = await store.commit({ guards: [], writes: [{ key: 'b/1', value: 'x' }] });
    const stale = await store.commit({
      guards: [
        {
          key: 'b/1',
          expect: { kind: 'revision', revision: first.committed ? first.revision - 1 : 0 },
        },
      ],
      writes: [
        { key: 'b/1', value: 'y' },
        { key: 'b/2', value: 'y' },
      ],
    });
    expect(stale.committed).toBe(false);
    expect((await store.get('b/1'))?.value).toBe('x');
    expect(await store.get('b/2')).toBeUndefined();
    const present = await store.commit({
      guards: [{ key: 'b/missing', expect: { kind: 'present' } }],
      writes: [{ key: 'b/3', value: 'z' }],
    });
    expect(present.committed).toBe(false);
  });

  it('guards a whole prefix against changes since a revision', async () => {
    const listed = await store.list('c/');
    const unchanged = await store.commit({
      guards: [],
      unchangedPrefixes: [{ prefix: 'c/', revision: listed.revision }],
      writes: [{ key: 'd/1', value: '1' }],
    });
    expect(unchanged.committed).toBe(true);
    await store.commit({ guards: [], writes: [{ key: 'c/new', value: 'n' }] });
    const changed = await store.commit({
      guards: [],
      unchangedPrefixes: [{ prefix: 'c/', revision: listed.revision }],
      writes: [{ key: 'd/2', value: '2' }],
    });
    expect(changed.committed).toBe(false);
  });

  it('lists a prefix in order, descending with a cursor, and keys only', async () => {
    for (const k of ['e/1', 'e/2', 'e/3', 'e/4'])
      await store.commit({ guards: [], writes: [{ key: k, value: k }] });
    expect((await store.list('e/')).entries.map((e) => e.key)).toEqual([
      'e/1',
      'e/2',
      'e/3',
      'e/4',
    ]);
    const page = await store.list('e/', { descending: true, limit: 2, below: 'e/4' });
    expect(page.entries.map((e) => e.key)).toEqual(['e/3', 'e/2']);
    expect((await store.list('e/', { keysOnly: true })).entries[0].value).toBe('');
  });

  it('lists a prefix larger than one gRPC message, in pages, as one consistent snapshot', async () => {
    const big = 'x'.repeat(4000);
    for (let chunk = 0; chunk < 12; chunk++) {
      const writes = Array.from({ length: 100 }, (_, i) => ({
        key: `big/${String(chunk * 100 + i).padStart(5, '0')}`,
        value: big,
      }));
      await store.commit({ guards: [], writes });
    }
    const listed = await store.list('big/');
    expect(listed.entries).toHaveLength(1200); // 1,200 × 4 kB ≈ 4.8 MB: more than one 4 MB message
    expect(listed.entries[1199].key).toBe('big/01199');
    expect(new Set(listed.entries.map((e) => e.key)).size).toBe(1200);
  });

  it('watches changes in revision order', async () => {
    const seen: ChangeEvent[] = [];
    const from = (await store.ping()) + 1;
    const feed = await store.watch(from, {
      onChanges: (e) => seen.push(...e),
      onLost: () => undefined,
      onConnectionChange: () => undefined,
    });
    await store.commit({ guards: [], writes: [{ key: 'f/1', value: 'a' }] });
    await store.commit({ guards: [], writes: [{ key: 'f/1', value: null }] });
    await waitFor('two events', () => seen.length >= 2);
    expect(seen.map((e) => [e.key, e.value])).toEqual([
      ['f/1', 'a'],
      ['f/1', null],
    ]);
    expect(seen[1].modRevision).toBeGreaterThan(seen[0].modRevision);
    await feed.close();
  });

  it('reports a watch from a compacted revision as lost', async () => {
    const old = await store.ping();
    await store.commit({ guards: [], writes: [{ key: 'g/1', value: '1' }] });
    await etcd.compact();
    let lost = '';
    const feed = await store.watch(old, {
      onChanges: () => undefined,
      onLost: (r) => (lost = r),
      onConnectionChange: () => undefined,
    });
    await waitFor('onLost', () => lost !== '');
    expect(lost).toMatch(/canceled/i);
    await feed.close();
  });

  it('fails fast with STORE_UNAVAILABLE when etcd is down, and recovers', async () => {
    await etcd.stop();
    const started = Date.now();
    await expect(store.get('a/1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(
      store.commit({ guards: [], writes: [{ key: 'h/1', value: '1' }] }),
    ).rejects.toBeInstanceOf(DomainError);
    expect(Date.now() - started).toBeLessThan(10_000);
    await etcd.resume();
    await waitFor(
      'etcd reachable again',
      async () => (await store.get('a/1').catch(() => undefined)) !== undefined,
      15_000,
      200,
    );
  });
});
