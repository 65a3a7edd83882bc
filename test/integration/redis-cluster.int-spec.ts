import { Cluster } from 'ioredis';
import { CountPlan } from '../../src/domain/decision';
import { RedisCounterStore } from '../../src/adapters/redis/redis-counter.store';
import { RedisClusterServer } from '../support/redis-cluster';
import { acceptanceBreaker } from '../support/fixtures';
import { waitFor } from '../support/ports';

const plan = (rule: string, extra: Partial<CountPlan> = {}): CountPlan => ({
  rule,
  client: '',
  scope: rule,
  algorithm: 'sliding_window',
  hits: 1,
  limit: 3,
  windowMs: 1000,
  refillPerMs: 0,
  overdraft: 0,
  breaker: { mode: 'auto', openMs: 30_000, halfOpenMaxCalls: 3 },
  ...extra,
});

describe('counting and breakers on a real 3-master Redis Cluster', () => {
  let cluster: RedisClusterServer;
  let store: RedisCounterStore;
  let raw: Cluster;

  beforeAll(async () => {
    cluster = await RedisClusterServer.start();
    store = new RedisCounterStore({
      url: '',
      clusterNodes: cluster.nodes,
      timeoutMs: 1000,
      keyPrefix: 'rc:',
    });
    raw = new Cluster(
      cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
    );
    await waitFor(
      'cluster client ready',
      () =>
        store.consume(plan('warm/1/any')).then(
          () => true,
          () => false,
        ),
      20_000,
      100,
    );
  }, 60_000);
  afterAll(async () => {
    raw.disconnect();
    await store.close();
    await cluster.stop();
  });

  it('runs every algorithm on rules whose keys land on different masters', async () => {
    // Rules spread over the 16384 slots: with three masters, some land on each.
    const rules = Array.from({ length: 12 }, (_, i) => `d${i}/2023/any`);
    const slots = new Set(
      await Promise.all(
        rules.map(async (r) => Number(await raw.cluster('KEYSLOT', `rc:{${r}}:sw`))),
      ),
    );
    expect(slots.size).toBeGreaterThan(1);
    for (const rule of rules) {
      const verdicts = [];
      for (let i = 0; i < 4; i++) verdicts.push((await store.consume(plan(rule))).admitted);
      expect(verdicts).toEqual([true, true, true, false]);
    }
    const bucket = await store.consume(
      plan('tb/2023/any', { algorithm: 'token_bucket', limit: 2, refillPerMs: 0.001 }),
    );
    expect(bucket.admitted).toBe(true);
  });

  it('keeps per-client counters and the breaker of a rule in the rule’s slot', async () => {
    const rule = 'pc/2023/any';
    await store.consume(plan(rule, { client: 'student-1', scope: `${rule}|c:student-1` }));
    await store.report(rule, acceptanceBreaker(30_000, 3), { total: 1, failures: 0, slow: 0 });
    const keys = [
      'rc:{pc/2023/any}:c:student-1:sw',
      'rc:{pc/2023/any}:c:student-1:swm',
      'rc:{pc/2023/any}:br',
      'rc:{pc/2023/any}:bs',
    ];
    const slots = await Promise.all(keys.map(async (k) => Number(await raw.cluster('KEYSLOT', k))));
    expect(new Set(slots).size).toBe(1);
    expect(await raw.exists(keys[0])).toBe(1);
  });

  it('opens a breaker and blocks decisions, in one script call, on the cluster', async () => {
    const rule = 'br/2023/any';
    expect(
      await store.report(rule, acceptanceBreaker(30_000, 3), { total: 20, failures: 20, slow: 0 }),
    ).toMatchObject({ to: 'OPEN' });
    expect((await store.consume(plan(rule))).breaker).toMatchObject({
      blocked: true,
      state: 'OPEN',
    });
  });

  it('decides a batch spread over several masters', async () => {
    const plans = Array.from({ length: 30 }, (_, i) => plan(`batch${i % 10}/2023/any`));
    const results = await store.consumeMany(plans);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.admitted)).toHaveLength(30);
  });

  it('tells breaker transitions to the other instances through the cluster, and not to the sender', async () => {
    const peer = new RedisCounterStore({
      url: '',
      clusterNodes: cluster.nodes,
      timeoutMs: 1000,
      keyPrefix: 'rc:',
    });
    const heardByPeer: string[] = [];
    const heardBySender: string[] = [];
    peer.onPeerTransition((e) => heardByPeer.push(`${e.rule} ${e.from}->${e.to}`));
    store.onPeerTransition((e) => heardBySender.push(e.rule));
    try {
      const event = {
        rule: 'pub/2023/any',
        from: 'CLOSED' as const,
        to: 'OPEN' as const,
        total: 20,
        errorRate: 1,
        slowRate: 0,
        at: new Date().toISOString(),
      };
      await waitFor(
        'a published transition heard by the peer',
        async () => {
          await store.publishTransition(event);
          return heardByPeer.length > 0;
        },
        10_000,
        200,
      );
      expect(heardByPeer[0]).toBe('pub/2023/any CLOSED->OPEN');
      expect(heardBySender).toEqual([]);
    } finally {
      await peer.close();
    }
  });

  it('bounds a whole call by the timeout while the cluster is down (no redirect or retry loop past it)', async () => {
    await cluster.kill(2);
    await waitFor(
      'cluster down',
      async () => (await raw.cluster('INFO')).includes('cluster_state:fail'),
      10_000,
      100,
    );
    const timings = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      await expect(store.consume(plan(`down${i}/2023/any`))).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
      timings.push(Date.now() - started);
    }
    // timeoutMs is 1000 here; ioredis alone retries CLUSTERDOWN 16 times 100 ms apart.
    expect(Math.max(...timings)).toBeLessThan(1000 + 50);
  });
});
