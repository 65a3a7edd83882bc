import { Instance, bearer, startInstance } from '../support/app-instance';
import { healthClient } from '../support/health-client';
import { sleep, waitFor } from '../support/ports';
import { useStack } from '../support/stack';

/**
 * Readiness (docs/failure-behaviour.md): ready while rules are loaded and not shutting down; a shared dependency
 * (etcd, Redis) in trouble only makes an instance degraded; `?strict=true` is for deploy gates.
 */
describe('readiness and gRPC health under etcd and Redis faults (e2e)', () => {
  const stack = useStack();
  let rc: Instance;

  const readyz = async (strict = false) => {
    const res = await rc.http().get(strict ? '/readyz?strict=true' : '/readyz');
    return { status: res.status, body: res.body as Record<string, unknown> };
  };

  beforeAll(async () => {
    rc = await startInstance(stack.etcd.endpoint, stack.redis.url, {
      ETCD_REQUEST_TIMEOUT_MS: '500',
      ETCD_WATCHDOG_MS: '300',
    });
  });
  afterAll(() => rc.close());

  it('is strictly ready when etcd and Redis are fine', async () => {
    await waitFor('strictly ready', async () => (await readyz(true)).status === 200, 5000, 50);
    expect((await readyz()).body).toMatchObject({ status: 'ready', degraded: [] });
    expect((await rc.http().get('/readyz?strict=yes')).status).toBe(400);
  });

  it('after etcd stalled long enough to fail a probe, is synced again once etcd answers (no sticky 503)', async () => {
    stack.etcd.freeze();
    await waitFor('degraded', async () => (await readyz(true)).status === 503, 5000, 50);
    expect((await readyz()).status).toBe(200);
    await sleep(1500);
    stack.etcd.thaw();
    const write = await rc
      .http()
      .post('/api/v1/rules')
      .set('Authorization', bearer('editor'))
      .send({ department: 'cs', grade: '2023', window: 'any', limit: { qps: 5 } });
    expect(write.status).toBe(201);
    const written = Date.now();
    await waitFor(
      'strictly ready again',
      async () => (await readyz(true)).status === 200,
      5000,
      50,
    );
    expect(Date.now() - written).toBeLessThan(2000);
  });

  it('stays ready and SERVING while Redis is down, says so in degraded and metrics, and is strict-ready again after', async () => {
    const health = healthClient(rc.grpcPort);
    try {
      await stack.redis.stop();
      await waitFor('redis degraded', async () => (await readyz(true)).status === 503, 5000, 50);
      const ready = await readyz();
      expect(ready.status).toBe(200);
      expect(ready.body.degraded).toEqual([expect.stringMatching(/^redis: unreachable/)]);
      expect(await health.check()).toBe('SERVING');
      const metrics = (await rc.http().get('/metrics')).text;
      expect(metrics).toMatch(/^rulecenter_degraded\{dependency="redis"\} 1$/m);
      expect(metrics).toMatch(/^rulecenter_ready 1$/m);
      await stack.redis.resume();
      await waitFor('strictly ready', async () => (await readyz(true)).status === 200, 5000, 50);
    } finally {
      health.close();
    }
  });

  it('stays ready and SERVING while etcd is down, deciding on the rules it has', async () => {
    const health = healthClient(rc.grpcPort);
    try {
      await stack.etcd.stop();
      await waitFor('etcd degraded', async () => (await readyz(true)).status === 503, 5000, 50);
      const ready = await readyz();
      expect(ready.status).toBe(200);
      expect(ready.body.degraded).toEqual([expect.stringMatching(/^etcd: not synced/)]);
      expect(await health.check()).toBe('SERVING');
      await stack.etcd.resume();
      await waitFor('strictly ready', async () => (await readyz(true)).status === 200, 15_000, 100);
    } finally {
      health.close();
    }
  });

  it('is not ready (and NOT_SERVING) only when it has no rules at all: etcd down at start and no snapshot file', async () => {
    await stack.etcd.stop();
    const lonely = await startInstance(stack.etcd.endpoint, stack.redis.url, {
      ETCD_REQUEST_TIMEOUT_MS: '300',
    });
    const health = healthClient(lonely.grpcPort);
    try {
      const res = await lonely.http().get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.message).toEqual([expect.stringMatching(/^no rules loaded/)]);
      expect(await health.check()).toBe('NOT_SERVING');
      await stack.etcd.resume();
      await waitFor(
        'ready',
        async () => (await lonely.http().get('/readyz')).status === 200,
        15_000,
        100,
      );
      expect(await health.check()).toBe('SERVING');
    } finally {
      health.close();
      await lonely.close();
    }
  });

  it('ends health Watch streams at shutdown instead of waiting out the grace period', async () => {
    const other = await startInstance(stack.etcd.endpoint, stack.redis.url, {
      SHUTDOWN_GRACE_MS: '10000',
    });
    const health = healthClient(other.grpcPort);
    const seen: string[] = [];
    const stream = health.watch();
    stream.on('data', (m: { status: string }) => seen.push(m.status));
    const ended = new Promise((resolve) => {
      stream.on('end', resolve);
      stream.on('error', resolve);
    });
    await waitFor('SERVING', () => seen.includes('SERVING'), 5000, 20);
    const started = Date.now();
    await other.close();
    await ended;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(seen.at(-1)).toBe('NOT_SERVING');
    health.close();
  });
});
