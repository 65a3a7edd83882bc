import { EtcdServer } from '../support/etcd-server';
import { RedisClusterServer } from '../support/redis-cluster';
import { Instance, bearer, migrateEtcd, startInstance } from '../support/app-instance';
import { waitFor } from '../support/ports';

describe('the service on a Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let etcd: EtcdServer;
  let cluster: RedisClusterServer;
  let rc: Instance;

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    cluster = await RedisClusterServer.start();
    await migrateEtcd(etcd.endpoint);
    rc = await startInstance(etcd.endpoint, 'redis://unused:6379', {
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
    });
    await waitFor(
      'ready on the cluster',
      async () => (await rc.http().get('/readyz')).status === 200,
      20_000,
      100,
    );
  }, 60_000);
  afterAll(async () => {
    await rc.close();
    await etcd.destroy();
    await cluster.stop();
  });

  it('decides and batches exactly as on a single Redis', async () => {
    for (const department of ['cs', 'math', 'bio', 'phys']) {
      await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .send({ department, grade: '2023', window: 'any', limit: { qps: 2 } })
        .expect(201);
    }
    const client = rc.grpc();
    for (const department of ['cs', 'math', 'bio', 'phys']) {
      const verdicts = [];
      for (let i = 0; i < 3; i++)
        verdicts.push((await client.decide({ department, grade: '2023' })).verdict);
      expect(verdicts).toEqual(['ALLOW', 'ALLOW', 'REJECT']);
    }
    const batch = await client.decideBatch(
      ['cs', 'math', 'bio', 'phys'].map((department) => ({ department, grade: '2023' })),
    );
    expect(batch.map((r) => r.reason)).toEqual([
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);
    client.close();
  });
});
