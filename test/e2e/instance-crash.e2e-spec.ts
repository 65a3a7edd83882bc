import { EtcdServer } from '../support/etcd-server';
import { RedisServer } from '../support/redis-server';
import { decisionClient } from '../support/grpc-client';
import { ProcessInstance, spawnInstance } from '../support/process-instance';
import { TOKENS, migrateEtcd } from '../support/app-instance';
import { killChild, sleep, waitFor } from '../support/ports';

/** The most ALLOWs that certainly fell in one window: their whole [send, receive] spans fit in it. */
function worstCertainWindow(allows: [number, number][], windowMs: number): number {
  const bySend = [...allows].sort((x, y) => x[0] - y[0]);
  let worst = 0;
  for (let i = 0; i < bySend.length; i++) {
    let inside = 0;
    for (let j = i; j < bySend.length && bySend[j][0] < bySend[i][0] + windowMs; j++)
      if (bySend[j][1] < bySend[i][0] + windowMs) inside++;
    worst = Math.max(worst, inside);
  }
  return worst;
}

describe('fault drill: an instance is killed with SIGKILL mid-load', () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  let p1: ProcessInstance;
  let p2: ProcessInstance;

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    redis = await RedisServer.start();
    await migrateEtcd(etcd.endpoint);
    [p1, p2] = await Promise.all([
      spawnInstance(etcd.endpoint, redis.url, { INSTANCE_TTL_SECONDS: '2', INSTANCE_ID: 'p1' }),
      spawnInstance(etcd.endpoint, redis.url, { INSTANCE_TTL_SECONDS: '2', INSTANCE_ID: 'p2' }),
    ]);
  }, 90_000);
  afterAll(async () => {
    await killChild(p1?.child);
    await killChild(p2?.child);
    await etcd.destroy();
    await redis.stop();
  });

  it('the survivor carries on, no window is over-admitted, and the dead instance leaves the registry', async () => {
    const created = await fetch(p1.url('/api/v1/rules'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.editor}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ department: 'cr', grade: '2023', window: 'any', limit: { qps: 40 } }),
    });
    expect(created.status).toBe(201);
    await waitFor(
      'p2 has the rule',
      async () =>
        (
          await fetch(p2.url('/api/v1/rules/cr/2023/any'), {
            headers: { Authorization: `Bearer ${TOKENS.viewer}` },
          })
        ).status === 200,
    );
    await waitFor(
      'both registered',
      async () =>
        /^rulecenter_instances_known 2$/m.test(await (await fetch(p2.url('/metrics'))).text()),
      10_000,
      100,
    );

    const c1 = decisionClient(p1.grpcPort);
    const c2 = decisionClient(p2.grpcPort);
    const allows: [number, number][] = [];
    let survivorErrors = 0;
    let survivorAnswers = 0;
    const deadline = Date.now() + 4000;
    const drive = async (client: typeof c1, survivor: boolean) => {
      while (Date.now() < deadline) {
        const sent = Date.now();
        try {
          const r = await client.decide({ department: 'cr', grade: '2023' });
          if (r.verdict === 'ALLOW') allows.push([sent, Date.now()]);
          if (survivor) survivorAnswers++;
        } catch {
          // Calls to the killed instance fail, as they must; only the survivor's count.
          if (survivor) survivorErrors++;
        }
        await sleep(5);
      }
    };
    const load = Promise.all([
      drive(c1, false),
      drive(c1, false),
      drive(c2, true),
      drive(c2, true),
    ]);
    await sleep(1500);
    await killChild(p1.child); // SIGKILL: no drain, no deregistration
    await load;
    c1.close();
    c2.close();

    expect(survivorErrors).toBe(0);
    expect(survivorAnswers).toBeGreaterThan(200);
    expect(worstCertainWindow(allows, 1000)).toBeLessThanOrEqual(40);
    // The survivor keeps admitting its full budget after the crash (counts are in Redis, nothing lost).
    expect(allows.filter(([sent]) => sent > deadline - 1500).length).toBeGreaterThanOrEqual(35);
    // The dead instance's lease runs out, so the fail-open share is recomputed for one instance.
    await waitFor(
      'registry back to one instance',
      async () =>
        /^rulecenter_instances_known 1$/m.test(await (await fetch(p2.url('/metrics'))).text()),
      15_000,
      200,
    );
  }, 60_000);
});
