import Redis from 'ioredis';
import { bearer } from '../../../test/support/app-instance';
import { freePort, killChild, sleep, waitFor } from '../../../test/support/ports';
import { ProcessInstance, spawnInstance } from '../../../test/support/process-instance';
import { useStack } from '../../../test/support/stack';
import { DecisionResult, RuleCenterClient, WatchEvent, createClient } from '../src';

describe('SDK streams, failover and local fallback (two instance processes, real etcd and Redis)', () => {
  const stack = useStack();
  const ports: { httpPort: number; grpcPort: number }[] = [];
  const procs: (ProcessInstance | undefined)[] = [];
  const clients: RuleCenterClient[] = [];
  let redis: Redis;
  const targets = () => ports.map((p) => `127.0.0.1:${p.grpcPort}`);
  const client = (options: Partial<Parameters<typeof createClient>[0]> = {}) => {
    const rc = createClient({ targets: targets(), ...options });
    clients.push(rc);
    return rc;
  };
  const start = async (i: number) => {
    procs[i] = await spawnInstance(
      stack.etcd.endpoint,
      stack.redis.url,
      { REDIS_TIMEOUT_MS: '1000', SHUTDOWN_GRACE_MS: '3000', DECIDE_STREAM_MAX_IN_FLIGHT: '16' },
      undefined,
      ports[i],
    );
  };
  const putRule = async (via: ProcessInstance, rule: Record<string, unknown>) => {
    const res = await fetch(via.url('/api/v1/rules'), {
      method: 'POST',
      headers: { authorization: bearer('editor'), 'content-type': 'application/json' },
      body: JSON.stringify({ grade: '2023', window: 'any', ...rule }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { revision: number }).revision;
  };
  const synced = (revision: number) =>
    waitFor('every instance to have the rules', async () => {
      for (const p of procs) {
        const body = (await (await fetch(p!.url('/readyz'))).json()) as {
          etcd: { revision: number };
        };
        if (body.etcd.revision < revision) return false;
      }
      return true;
    });

  beforeAll(async () => {
    for (let i = 0; i < 2; i++)
      ports.push({ httpPort: await freePort(), grpcPort: await freePort() });
    await Promise.all([start(0), start(1)]);
    redis = new Redis(stack.redis.url);
    let revision = 0;
    for (const rule of [
      { department: 'fo', limit: { qps: 100_000 } },
      { department: 'op', limit: { qps: 10 }, failMode: 'open' },
      { department: 'cl', limit: { qps: 10 }, failMode: 'closed' },
    ])
      revision = await putRule(procs[0]!, rule);
    await synced(revision);
  }, 120_000);
  afterEach(async () => {
    for (const rc of clients.splice(0)) await rc.close(0);
  });
  afterAll(async () => {
    await redis?.quit();
    for (const p of procs) await killChild(p?.child);
  });

  it('matches answers to requests by id, in whatever order they come', async () => {
    const rc = createClient({ targets: [targets()[0]], deadlineMs: 2000 });
    clients.push(rc);
    await rc.decide({ department: 'fo', grade: '2023' }); // the stream is open
    const order: string[] = [];
    await redis.call('CLIENT', 'PAUSE', '300', 'WRITE');
    const slow = rc
      .decide({ department: 'fo', grade: '2023' })
      .then((d) => (order.push('slow'), d));
    const fast = rc
      .decide({ department: 'nr', grade: '2023' })
      .then((d) => (order.push('fast'), d));
    const [s, f] = await Promise.all([slow, fast]);
    expect(order).toEqual(['fast', 'slow']);
    expect(s).toMatchObject({ source: 'center', reason: 'OK', rule: 'fo/2023/any' });
    expect(f).toMatchObject({ source: 'center', reason: 'NO_RULE' });
  });

  it('rides the server back-pressure: 2,000 decisions at once on one stream all get their own answer', async () => {
    const rc = createClient({ targets: [targets()[0]], deadlineMs: 10_000 });
    clients.push(rc);
    const results = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        rc.decide({ department: i % 2 ? 'fo' : 'nr', grade: '2023' }),
      ),
    );
    expect(results.every((d) => d.source === 'center')).toBe(true);
    results.forEach((d, i) => expect(d.reason).toBe(i % 2 ? 'OK' : 'NO_RULE'));
  });

  it('fails no decision when one instance is stopped (SIGTERM) and restarted under load', async () => {
    const rc = client({ deadlineMs: 250 });
    let running = true;
    const failures: string[] = [];
    let ok = 0;
    const loop = async () => {
      while (running) {
        try {
          const d = await rc.decide({ department: 'fo', grade: '2023' });
          if (d.source === 'center' && d.verdict === 'ALLOW') ok++;
          else failures.push(`${d.source} ${d.verdict} ${d.detail}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    await sleep(300);
    const stopped = new Promise((r) => procs[1]!.child.once('exit', r));
    procs[1]!.child.kill('SIGTERM');
    await stopped;
    await sleep(300);
    await start(1);
    const decided = () => rc.stats().decisions;
    const before = decided();
    await waitFor('decisions to go on', () => decided() > before + 200, 10_000, 20);
    running = false;
    await Promise.all(loops);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(200);
    expect(rc.stats().reconnects).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('watch() resumes on another instance from the last revision: nothing missed, nothing twice', async () => {
    const rc = client();
    const events: WatchEvent[] = [];
    const errors: Error[] = [];
    const watcher = rc.watch({
      department: 'wa',
      onEvent: (e) => events.push(e),
      onError: (e) => errors.push(e),
    });
    await waitFor('the snapshot', () => events.some((e) => e.type === 'SNAPSHOT_END'));
    const first = await putRule(procs[1]!, { department: 'wa', limit: { qps: 10 } });
    await waitFor('the first change', () => events.some((e) => e.revision === first));
    await killChild(procs[0]!.child); // the watcher's first target
    const second = await putRule(procs[1]!, {
      department: 'wa',
      grade: '2024',
      limit: { qps: 10 },
    });
    await waitFor(
      'the change made while it reconnected',
      () => events.some((e) => e.revision === second),
      10_000,
    );
    const changes = events.filter((e) => !e.snapshot && e.type === 'PUT').map((e) => e.revision);
    expect(changes).toEqual([first, second]);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(watcher.lastRevision).toBe(second);
    watcher.close();
    await start(0);
  }, 60_000);

  it('decides locally when every instance is killed — never hanging — and goes back to the center when they return', async () => {
    const deadlineMs = 50;
    const rc = client({ deadlineMs });
    await waitFor('answers counting both instances', async () => {
      const d = await rc.decide({ department: 'op', grade: '2023', hits: 1 });
      return (
        d.source === 'center' &&
        d.detail === '' &&
        (await rc.decide({ department: 'cl', grade: '2023' })).source === 'center'
      );
    });
    await sleep(1100); // a fresh window: the local share starts full
    await Promise.all(procs.map((p) => killChild(p!.child)));
    const latencies: number[] = [];
    const outage: DecisionResult[] = [];
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      const started = performance.now();
      outage.push(await rc.decide({ department: 'op', grade: '2023' }));
      latencies.push(performance.now() - started);
      await sleep(2);
    }
    latencies.sort((x, y) => x - y);
    const p99 = latencies[Math.floor(latencies.length * 0.99)];
    expect(p99).toBeLessThan(deadlineMs + 5);
    expect(outage.every((d) => d.source === 'fallback' && d.reason === 'UNREACHABLE')).toBe(true);
    // failMode open: this process's share of 10/s over the two instances the answers named.
    const admitted = outage.filter((d) => d.verdict === 'ALLOW').length;
    expect(admitted).toBeGreaterThanOrEqual(5);
    expect(admitted).toBeLessThanOrEqual(11);
    expect(await rc.decide({ department: 'cl', grade: '2023' })).toMatchObject({
      source: 'fallback',
      verdict: 'REJECT',
    });
    expect(rc.stats().fallbacks).toBeGreaterThanOrEqual(outage.length);

    await Promise.all([start(0), start(1)]);
    await waitFor(
      'decisions from the center again',
      async () => (await rc.decide({ department: 'op', grade: '2023' })).source === 'center',
      15_000,
      50,
    );
  }, 120_000);
});
