import Redis from 'ioredis';
import { RedisTrafficStore } from '../../src/adapters/redis/redis-traffic.store';
import { zeroCounts } from '../../src/domain/traffic';
import { TrafficService } from '../../src/services/traffic.service';
import { Instance, bearer, startInstance } from '../support/app-instance';
import { RedisClusterServer } from '../support/redis-cluster';
import { waitFor } from '../support/ports';
import { useStack } from '../support/stack';

/** Calls per command since the last CONFIG RESETSTAT, from INFO commandstats. */
async function commandCalls(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const calls: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) calls[m[1]] = Number(m[2]);
  return calls;
}

const TRAFFIC_COMMANDS = ['hincrby', 'expireat'];

describe('traffic aggregation cost (INFO commandstats, real Redis)', () => {
  const stack = useStack();
  let redis: Redis;
  beforeAll(() => (redis = new Redis(stack.redis.url)));
  afterAll(() => redis?.quit());

  /** Decisions from `load` single Decide calls, then what Redis executed, per decision. */
  async function measure(rc: Instance, decisions: number): Promise<Record<string, number>> {
    const grpc = rc.grpc();
    // Flushed by hand around the run (as the 1 s timer would), so no sleep waits for a flush.
    const traffic = rc.app.get(TrafficService);
    await traffic.flush();
    await redis.config('RESETSTAT');
    try {
      for (let i = 0; i < decisions; i += 50)
        await Promise.all(
          Array.from({ length: 50 }, () => grpc.decide({ department: 'cs', grade: '2023' })),
        );
    } finally {
      grpc.close();
    }
    await traffic.flush();
    const calls = await commandCalls(redis);
    delete calls.config;
    delete calls.info;
    return calls;
  }

  it('adds no command to a decision: the flush costs per second, not per decision', async () => {
    const off = await startInstance(stack.etcd.endpoint, stack.redis.url, {
      TRAFFIC_FLUSH_MS: '0',
    });
    const rule = { department: 'cs', grade: '2023', window: 'any', limit: { qps: 100_000 } };
    await off
      .http()
      .post('/api/v1/rules')
      .set('Authorization', bearer('editor'))
      .send(rule)
      .expect(201);
    const before = await measure(off, 400);
    await off.close();

    const on = await startInstance(stack.etcd.endpoint, stack.redis.url);
    const started = Date.now();
    const after = await measure(on, 400);
    const afterMore = await measure(on, 1200);
    const seconds = (Date.now() - started) / 1000;
    await on.close();

    const perDecision = (calls: Record<string, number>, n: number) =>
      Object.fromEntries(Object.entries(calls).map(([c, k]) => [c, +(k / n).toFixed(4)]));
    process.stdout.write(
      `commands per decision, traffic off: ${JSON.stringify(perDecision(before, 400))}\n` +
        `commands per decision, traffic on (400 decisions): ${JSON.stringify(perDecision(after, 400))}\n` +
        `commands per decision, traffic on (1,200 decisions): ${JSON.stringify(perDecision(afterMore, 1200))}\n`,
    );
    // The decisions' own calls are the counting script, at most one per decision (decisions of
    // one rule asked in the same turn share one) and one TIME each, with or without traffic; each
    // admission is one ZADD either way (the scripts' other commands are per call).
    const scripts = (calls: Record<string, number>) => (calls.evalsha ?? 0) + (calls.eval ?? 0);
    for (const [calls, n] of [
      [before, 400],
      [after, 400],
      [afterMore, 1200],
    ] as const) {
      expect(scripts(calls)).toBeGreaterThan(0);
      expect(scripts(calls)).toBeLessThanOrEqual(n);
      expect(calls.time).toBe(scripts(calls));
    }
    expect([before.zadd, after.zadd, afterMore.zadd]).toEqual([400, 400, 1200]);
    const traffic = (calls: Record<string, number>) =>
      TRAFFIC_COMMANDS.reduce((n, c) => n + (calls[c] ?? 0), 0);
    // One HINCRBY per rule and outcome seen and one EXPIREAT per second, per flush: bounded by
    // time (one rule, one outcome here), not by the number of decisions.
    expect(traffic(after)).toBeGreaterThan(0);
    expect(traffic(after) + traffic(afterMore)).toBeLessThanOrEqual(Math.ceil(seconds + 4) * 2);
  });
});

describe('traffic store on Redis Cluster', () => {
  let cluster: RedisClusterServer;
  let store: RedisTrafficStore;
  beforeAll(async () => {
    cluster = await RedisClusterServer.start();
    store = new RedisTrafficStore({
      url: '',
      clusterNodes: cluster.nodes,
      timeoutMs: 200,
      keyPrefix: 'rc:',
      retentionSeconds: 900,
    });
    // The cluster client takes a moment to learn the slots; calls fail fast until then.
    await waitFor(
      'traffic store on the cluster',
      () =>
        store.read(0, 0).then(
          () => true,
          () => false,
        ),
      10_000,
      50,
    );
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
  });

  it('flushes and reads many rules and seconds in one pipeline, all keys in one slot', async () => {
    const now = Math.floor(Date.now() / 1000);
    const rules = ['cs/2023/any', 'ee/*/night', '*/*/any', 'math/2022/fall'];
    const entries = rules.flatMap((rule, i) =>
      [now - 2, now - 1, now].map((second) => ({
        second,
        rule,
        counts: { ...zeroCounts(), allowed: 10 + i, rejected: i },
      })),
    );
    await store.add(entries);
    await store.add(entries.slice(0, 1));
    const read = await store.read(now - 5, now);
    expect(read).toHaveLength(12);
    expect(read.find((e) => e.rule === 'cs/2023/any' && e.second === now - 2)?.counts).toEqual({
      ...zeroCounts(),
      allowed: 20,
    });
    expect(read.find((e) => e.rule === 'math/2022/fall' && e.second === now)?.counts).toMatchObject(
      {
        allowed: 13,
        rejected: 3,
      },
    );
    const node = new Redis(cluster.ports[0]);
    try {
      const slots = new Set(
        await Promise.all([now - 2, now].map((s) => node.cluster('KEYSLOT', `rc:{traffic}:${s}`))),
      );
      expect(slots.size).toBe(1);
    } finally {
      node.disconnect();
    }
  });
});
