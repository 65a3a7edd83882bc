import { EtcdServer } from '../support/etcd-server';
import { RedisServer } from '../support/redis-server';
import { Instance, bearer, migrateEtcd, startInstance, storeFor } from '../support/app-instance';
import { sleep, waitFor } from '../support/ports';
import { migrate } from '../../src/services/schema-migrator';

const P = '/rulecenter/v1/';

describe('several instances on one etcd, and etcd outages (e2e)', () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    redis = await RedisServer.start();
    await migrateEtcd(etcd.endpoint);
    a = await startInstance(etcd.endpoint, redis.url);
    b = await startInstance(etcd.endpoint, redis.url);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await etcd.destroy();
    await redis.stop();
  });

  const explainQps = async (rc: Instance, department: string): Promise<number | undefined> => {
    const res = await rc
      .http()
      .get(`/api/v1/explain?department=${department}&grade=2023`)
      .set('Authorization', bearer('viewer'));
    return res.body.governing?.limit?.qps;
  };

  it('a rule written through A governs explain on B promptly', async () => {
    const written = await a
      .http()
      .post('/api/v1/rules')
      .set('Authorization', bearer('editor'))
      .send({ department: 'cs', grade: '2023', window: 'any', limit: { qps: 50 } });
    expect(written.status).toBe(201);
    const acknowledged = Date.now();
    await waitFor('B to see the rule', async () => (await explainQps(b, 'cs')) === 50, 5000, 2);
    const lagMs = Date.now() - acknowledged;
    // The hot-update bar is ≤ 100 ms; this bound only catches a broken watch, not a slow machine.
    expect(lagMs).toBeLessThan(2000);
  });

  it('during an etcd outage: reads and explain work, writes answer 503, restarts keep the rules, and changes made meanwhile arrive afterwards', async () => {
    await etcd.stop();
    await waitFor(
      'A not strictly ready',
      async () => (await a.http().get('/readyz?strict=true')).status === 503,
      5000,
      50,
    );
    const strict = await a.http().get('/readyz?strict=true');
    expect(strict.body.message[0]).toMatch(/^etcd: not synced/);
    // Every instance shares etcd: its outage degrades an instance, never makes it unready.
    const ready = await a.http().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.degraded[0]).toMatch(/^etcd: not synced/);

    expect(await explainQps(a, 'cs')).toBe(50);
    const list = await a.http().get('/api/v1/rules').set('Authorization', bearer('viewer'));
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);

    const write = await a
      .http()
      .post('/api/v1/rules')
      .set('Authorization', bearer('editor'))
      .send({ department: 'math', grade: '2023', window: 'any', limit: { qps: 5 } });
    expect(write.status).toBe(503);
    expect(write.body).toMatchObject({ statusCode: 503, code: 'STORE_UNAVAILABLE' });
    expect(write.body.message).toMatch(/etcd is unavailable/);

    // Restart B while etcd is down: it comes back with the rules from its snapshot.
    const snapshotPath = b.config.snapshotPath;
    await b.close();
    b = await startInstance(etcd.endpoint, redis.url, { SNAPSHOT_PATH: snapshotPath });
    expect(await explainQps(b, 'cs')).toBe(50);

    await etcd.resume();
    await etcd.put(`${P}rules/cs/2023/any`, JSON.stringify({ limit: { qps: 77 } }));
    await etcd.put(`${P}rules/math/2023/any`, JSON.stringify({ limit: { qps: 6 } }));
    for (const rc of [a, b]) {
      await waitFor(
        'etcdctl changes picked up',
        async () => (await explainQps(rc, 'cs')) === 77 && (await explainQps(rc, 'math')) === 6,
        15_000,
        100,
      );
      await waitFor(
        'strictly ready again',
        async () => (await rc.http().get('/readyz?strict=true')).status === 200,
        15_000,
        100,
      );
    }
  });

  it('counts failed etcd calls in /metrics', async () => {
    const metrics = await a.http().get('/metrics');
    const failures = [
      ...metrics.text.matchAll(/^rulecenter_etcd_errors_total\{[^}]*\} (\d+)$/gm),
    ].reduce((n, m) => n + Number(m[1]), 0);
    expect(failures).toBeGreaterThan(0);
  });
});

describe('migrations and schema versions (e2e)', () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  beforeAll(async () => {
    etcd = await EtcdServer.start();
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await etcd.destroy();
    await redis.stop();
  });

  it('applies once even when two runners race, and is idempotent', async () => {
    const s1 = storeFor(etcd.endpoint);
    const s2 = storeFor(etcd.endpoint);
    const results = await Promise.all([migrate(s1, 'one'), migrate(s2, 'two')]);
    expect(results.map((r) => r.to)).toEqual([1, 1]);
    expect(await migrate(s1, 'again')).toEqual({ from: 1, to: 1 });
    expect(await etcd.ctl('get', `${P}meta/schema_version`, '--print-value-only')).toBe('1\n');
    expect(await etcd.ctl('get', `${P}windows/any`, '--print-value-only')).toMatch(
      /"description":"Built-in window: always active"/,
    );
    await s1.close();
    await s2.close();
  });

  it('refuses to start on a schema newer than it knows, and on an unmigrated one', async () => {
    await etcd.put(`${P}meta/schema_version`, '99');
    await expect(startInstance(etcd.endpoint, redis.url)).rejects.toThrow(
      /schema version 99, newer than this build knows/,
    );
    await etcd.ctl('del', `${P}meta/schema_version`);
    await expect(startInstance(etcd.endpoint, redis.url)).rejects.toThrow(
      /run "npm run migrate" first/,
    );
    await sleep(10);
  });
});
