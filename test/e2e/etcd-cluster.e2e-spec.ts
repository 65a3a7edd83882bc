import { EtcdCluster } from '../support/etcd-cluster';
import { RedisServer } from '../support/redis-server';
import { Instance, bearer, startInstance } from '../support/app-instance';
import { migrate } from '../../src/services/schema-migrator';
import { EtcdConfigStore } from '../../src/adapters/etcd/etcd-config.store';
import { sleep, waitFor } from '../support/ports';

describe('fault drill: the etcd leader dies during rule writes and decisions', () => {
  let etcd: EtcdCluster;
  let redis: RedisServer;
  let rc: Instance;

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
    redis = await RedisServer.start();
    const store = new EtcdConfigStore({
      endpoints: etcd.endpoints,
      prefix: '/rulecenter/v1/',
      requestTimeoutMs: 3000,
    });
    await migrate(store, 'test');
    await store.close();
    rc = await startInstance(etcd.endpoints.join(','), redis.url, {
      ETCD_REQUEST_TIMEOUT_MS: '2000',
    });
  }, 60_000);
  afterAll(async () => {
    await rc.close();
    await etcd.stop();
    await redis.stop();
  });

  it('loses no acknowledged write, keeps deciding, and its watch resumes', async () => {
    const client = rc.grpc();
    let decisions = 0;
    let decisionErrors = 0;
    let deciding = true;
    const decider = (async () => {
      while (deciding) {
        try {
          await client.decide({ department: 'w0', grade: '2023' });
          decisions++;
        } catch {
          decisionErrors++;
        }
        await sleep(2);
      }
    })();

    const acknowledged: string[] = [];
    let refused = 0;
    let killed = '';
    for (let i = 0; i < 60; i++) {
      if (i === 20) killed = await etcd.killLeader();
      const res = await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .send({ department: `w${i}`, grade: '2023', window: 'any', limit: { qps: 5 } });
      if (res.status === 201) acknowledged.push(`w${i}`);
      else {
        // The only acceptable failure is a clear 503 or a 409 for a write that committed before its answer was lost.
        expect([503, 409]).toContain(res.status);
        refused++;
      }
    }
    deciding = false;
    await decider;
    client.close();

    expect(killed).not.toBe('');
    expect(acknowledged.length).toBeGreaterThan(40);
    expect(decisionErrors).toBe(0);
    expect(decisions).toBeGreaterThan(50);
    // Every acknowledged write is in etcd, as the surviving members see it …
    const keys = await etcd.ctl('get', '--prefix', '/rulecenter/v1/rules/', '--keys-only');
    for (const department of acknowledged)
      expect(keys).toContain(`/rulecenter/v1/rules/${department}/2023/any`);
    // … and the instance's watch resumed: a write made after the failure reaches its index.
    await etcd.ctl(
      'put',
      '/rulecenter/v1/rules/after/2023/any',
      JSON.stringify({ limit: { qps: 9 } }),
    );
    await waitFor(
      'index caught up',
      async () =>
        (await rc.http().get('/api/v1/rules/after/2023/any').set('Authorization', bearer('viewer')))
          .status === 200,
      15_000,
      50,
    );
    for (const department of acknowledged) {
      expect(
        (
          await rc
            .http()
            .get(`/api/v1/rules/${department}/2023/any`)
            .set('Authorization', bearer('viewer'))
        ).status,
      ).toBe(200);
    }
    expect(refused).toBeLessThan(20);
  }, 90_000);
});
