import { ServiceError, status } from '@grpc/grpc-js';
import { EtcdServer } from '../support/etcd-server';
import { RedisServer } from '../support/redis-server';
import { DecisionClient } from '../support/grpc-client';
import { OutcomeMessage, outcomeClient } from '../support/outcome-client';
import { Instance, bearer, migrateEtcd, startInstance } from '../support/app-instance';
import { acceptanceBreaker } from '../support/fixtures';
import { sleep, waitFor } from '../support/ports';
import { TestWatcher } from '../support/watch-client';

const breaker = acceptanceBreaker(800, 3);
const failures = (department: string, n: number): OutcomeMessage[] =>
  Array.from({ length: n }, () => ({
    department,
    grade: '2023',
    resource: 'enroll',
    success: false,
    latency_ms: 12,
  }));
const successes = (department: string, n: number, latency = 5): OutcomeMessage[] =>
  Array.from({ length: n }, () => ({
    department,
    grade: '2023',
    success: true,
    latency_ms: latency,
  }));

describe('circuit breakers (e2e, two instances, real etcd and Redis)', () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  let a: Instance;
  let b: Instance;
  let da: DecisionClient;
  let db: DecisionClient;
  let oa: ReturnType<typeof outcomeClient>;

  /** Creates the rule through A and waits until B has it too. */
  const createRule = async (department: string, extra: Record<string, unknown> = {}) => {
    const res = await a
      .http()
      .post('/api/v1/rules')
      .set('Authorization', bearer('editor'))
      .send({
        department,
        grade: '2023',
        window: 'any',
        limit: { qps: 100_000 },
        breaker,
        ...extra,
      });
    expect(res.status).toBe(201);
    await waitFor(
      'B to see the rule',
      async () =>
        (
          await b
            .http()
            .get(`/api/v1/rules/${department}/2023/any`)
            .set('Authorization', bearer('viewer'))
        ).status === 200,
      5000,
      2,
    );
  };
  const grpcError = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected an error');
      },
      (e: ServiceError) => e,
    );

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    redis = await RedisServer.start();
    await migrateEtcd(etcd.endpoint);
    a = await startInstance(etcd.endpoint, redis.url, { MAX_OUTCOMES: '100' });
    b = await startInstance(etcd.endpoint, redis.url, { MAX_OUTCOMES: '100' });
    da = a.grpc();
    db = b.grpc();
    oa = outcomeClient(a.grpcPort);
    await waitFor('ready', async () => (await b.http().get('/readyz')).status === 200, 10_000, 50);
  });
  afterAll(async () => {
    da.close();
    db.close();
    oa.close();
    await a.close();
    await b.close();
    await etcd.destroy();
    await redis.stop();
  });

  it('30 failures reported through A open the breaker for B at once; after openMs exactly halfOpenMaxCalls probes pass across both; successes close it', async () => {
    await createRule('cs');
    expect((await db.decide({ department: 'cs', grade: '2023' })).breaker_state).toBe('CLOSED');
    expect(await oa.report(failures('cs', 30))).toMatchObject({ accepted: 30 });
    const onB = await db.decide({ department: 'cs', grade: '2023' });
    expect(onB).toMatchObject({ verdict: 'REJECT', reason: 'CIRCUIT_OPEN', breaker_state: 'OPEN' });
    expect(onB.retry_after_ms).toBeGreaterThan(0);
    expect(onB.retry_after_ms).toBeLessThanOrEqual(800);

    await sleep(onB.retry_after_ms ?? 0);
    const probes = [];
    for (let i = 0; i < 10; i++)
      probes.push(await (i % 2 ? db : da).decide({ department: 'cs', grade: '2023' }));
    expect(probes.filter((r) => r.verdict === 'ALLOW')).toHaveLength(3);
    expect(probes.filter((r) => r.reason === 'CIRCUIT_OPEN')).toHaveLength(7);
    expect(probes.every((r) => r.breaker_state === 'HALF_OPEN')).toBe(true);

    expect(await oa.report(successes('cs', 3))).toMatchObject({ accepted: 3 });
    expect(await db.decide({ department: 'cs', grade: '2023' })).toMatchObject({
      verdict: 'ALLOW',
      reason: 'OK',
      breaker_state: 'CLOSED',
    });

    const metrics = (await a.http().get('/metrics')).text;
    expect(metrics).toMatch(/^rulecenter_breaker_transitions_total\{from="CLOSED",to="OPEN"\} 1$/m);
    expect(metrics).toMatch(
      /^rulecenter_breaker_transitions_total\{from="HALF_OPEN",to="CLOSED"\} 1$/m,
    );
    expect(metrics).toMatch(/^rulecenter_breaker_state\{rule="cs\/2023\/any"\} 0$/m);
  });

  it('answers DEGRADE instead of REJECT while open when the rule degrades', async () => {
    await createRule('dg', { onExceed: 'degrade', coreResources: ['enroll'] });
    await oa.report(failures('dg', 20));
    expect(await da.decide({ department: 'dg', grade: '2023', resource: 'enroll' })).toMatchObject({
      verdict: 'DEGRADE',
      reason: 'CIRCUIT_OPEN',
    });
  });

  it('opens on "P99 above 50 ms" (slowCallMs 50, slowCallRateThreshold 0.01) and not below it', async () => {
    await createRule('sl', { breaker: { ...breaker, minRequests: 100 } });
    expect(await oa.report(successes('sl', 100, 49))).toMatchObject({ accepted: 100 });
    expect(await oa.report(successes('sl', 100, 49.9))).toMatchObject({ accepted: 100 });
    expect((await da.decide({ department: 'sl', grade: '2023' })).breaker_state).toBe('CLOSED');
    // 3 of 300 calls at 60 ms: 1 % are slow, P99 is above 50 ms.
    await oa.report([...successes('sl', 97, 10), ...successes('sl', 3, 60)]);
    expect(await da.decide({ department: 'sl', grade: '2023' })).toMatchObject({
      reason: 'CIRCUIT_OPEN',
    });
  });

  it('forced open stays open whatever the outcomes until set back to auto, and the audit log says who', async () => {
    await createRule('fo');
    const forced = await a
      .http()
      .post('/api/v1/breakers/fo/2023/any')
      .set('Authorization', bearer('admin'))
      .send({ mode: 'open' });
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({
      rule: 'fo/2023/any',
      mode: 'open',
      state: 'OPEN',
      override: { by: 'root' },
    });
    await waitFor(
      'B to see the override',
      async () => (await db.decide({ department: 'fo', grade: '2023' })).reason === 'CIRCUIT_OPEN',
      5000,
      5,
    );
    expect((await db.decide({ department: 'fo', grade: '2023' })).detail).toBe(
      'circuit breaker forced open by an admin',
    );
    await oa.report(successes('fo', 50));
    await sleep(900);
    expect((await da.decide({ department: 'fo', grade: '2023' })).reason).toBe('CIRCUIT_OPEN');

    const audit = await a.http().get('/api/v1/audit?limit=1').set('Authorization', bearer('admin'));
    expect(audit.body.items[0]).toMatchObject({
      actor: 'root',
      key: 'breakers/fo/2023/any',
      after: { mode: 'open', by: 'root' },
    });

    const auto = await a
      .http()
      .post('/api/v1/breakers/fo/2023/any')
      .set('Authorization', bearer('admin'))
      .send({ mode: 'auto' });
    expect(auto.body).toMatchObject({ mode: 'auto', state: 'CLOSED' });
    await waitFor(
      'B back to auto',
      async () => (await db.decide({ department: 'fo', grade: '2023' })).reason === 'OK',
      5000,
      5,
    );
  });

  it('lists breakers with their figures', async () => {
    const res = await a.http().get('/api/v1/breakers').set('Authorization', bearer('viewer'));
    expect(res.status).toBe(200);
    const cs = res.body.items.find((i: { rule: string }) => i.rule === 'cs/2023/any');
    expect(cs).toMatchObject({ state: 'CLOSED', mode: 'auto', settings: { minRequests: 20 } });
    const dg = res.body.items.find((i: { rule: string }) => i.rule === 'dg/2023/any');
    expect(dg).toMatchObject({ state: 'OPEN', automaticState: 'OPEN' });
  });

  it('refuses forcing an unknown rule (404), a wrong role (403) and a wrong mode (400)', async () => {
    expect(
      (
        await a
          .http()
          .post('/api/v1/breakers/none/2023/any')
          .set('Authorization', bearer('admin'))
          .send({ mode: 'open' })
      ).status,
    ).toBe(404);
    expect(
      (
        await a
          .http()
          .post('/api/v1/breakers/cs/2023/any')
          .set('Authorization', bearer('editor'))
          .send({ mode: 'open' })
      ).status,
    ).toBe(403);
    const bad = await a
      .http()
      .post('/api/v1/breakers/cs/2023/any')
      .set('Authorization', bearer('admin'))
      .send({ mode: 'half' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(['mode must be one of open, closed, auto']);
  });

  it('refuses forcing a rule with no breaker (409), and a deleted rule takes its override with it', async () => {
    await createRule('nobr', { breaker: { enabled: false } });
    const refused = await a
      .http()
      .post('/api/v1/breakers/nobr/2023/any')
      .set('Authorization', bearer('admin'))
      .send({ mode: 'open' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('BREAKER_DISABLED');

    await createRule('gone');
    await a
      .http()
      .post('/api/v1/breakers/gone/2023/any')
      .set('Authorization', bearer('admin'))
      .send({ mode: 'open' })
      .expect(200);
    const rule = await a
      .http()
      .get('/api/v1/rules/gone/2023/any')
      .set('Authorization', bearer('viewer'));
    await a
      .http()
      .delete('/api/v1/rules/gone/2023/any')
      .set('Authorization', bearer('editor'))
      .set('If-Match', String(rule.body.revision))
      .expect(204);
    // Recreated under the same key, the rule does not inherit the old forced-open breaker.
    await createRule('gone');
    expect((await da.decide({ department: 'gone', grade: '2023' })).reason).toBe('OK');
  });

  it('ignores and counts outcomes no breaker watches, and takes a client stream of batches', async () => {
    await a
      .http()
      .post('/api/v1/rules')
      .set('Authorization', bearer('editor'))
      .send({ department: 'nb', grade: '2023', window: 'any', limit: { qps: 10 } })
      .expect(201);
    await waitFor(
      'A has nb',
      async () =>
        (await a.http().get('/api/v1/rules/nb/2023/any').set('Authorization', bearer('viewer')))
          .status === 200,
    );
    expect(
      await oa.report([...failures('nobody', 2), ...failures('nb', 3), ...successes('cs', 1)]),
    ).toMatchObject({ accepted: 1, ignored_no_rule: 2, ignored_breaker_disabled: 3 });
    expect(await oa.stream([successes('cs', 2), failures('nobody', 1)])).toMatchObject({
      accepted: 2,
      ignored_no_rule: 1,
    });
  });

  it('carries a transition caused through A to watchers of B, and drops its state series with the rule', async () => {
    await createRule('xw');
    const onB = new TestWatcher(b.grpcPort, { department: 'xw' });
    try {
      await onB.until('snapshot end', (x) => x.events.some((e) => e.type === 'SNAPSHOT_END'));
      await oa.report(failures('xw', 30));
      await onB.until('breaker event on B', (x) => x.changes.some((e) => e.type === 'BREAKER'));
      expect(onB.changes.find((e) => e.type === 'BREAKER')?.breaker).toMatchObject({
        from: 'CLOSED',
        to: 'OPEN',
      });
      const series = /^rulecenter_breaker_state\{rule="xw\/2023\/any"\} 1$/m;
      expect((await a.http().get('/metrics')).text).toMatch(series);
      expect((await b.http().get('/metrics')).text).toMatch(series);
      const current = await a
        .http()
        .get('/api/v1/rules/xw/2023/any')
        .set('Authorization', bearer('viewer'));
      await a
        .http()
        .delete('/api/v1/rules/xw/2023/any')
        .set('Authorization', bearer('editor'))
        .set('If-Match', String(current.body.revision))
        .expect(204);
      for (const rc of [a, b])
        await waitFor(
          'series dropped',
          async () =>
            !/rulecenter_breaker_state\{rule="xw/.test((await rc.http().get('/metrics')).text),
          5000,
          50,
        );
    } finally {
      onB.cancel();
    }
  });

  describe('bad outcome reports: INVALID_ARGUMENT naming the field, nothing recorded', () => {
    it.each([
      ['an empty batch', [], 'outcomes must hold at least one outcome'],
      [
        'a batch over MAX_OUTCOMES',
        successes('cs', 101),
        'outcomes may hold at most 100 outcomes (MAX_OUTCOMES); got 101',
      ],
      [
        'a negative latency',
        [{ department: 'cs', grade: '2023', success: true, latency_ms: -1 }],
        'outcomes[0].latency_ms must be between 0 and 600000 (MAX_LATENCY_MS); got -1',
      ],
      [
        'an absurd latency',
        [...successes('cs', 1), { department: 'cs', grade: '2023', latency_ms: 1e9 }],
        'outcomes[1].latency_ms must be between 0 and 600000',
      ],
      ['a missing grade', [{ department: 'cs', success: true }], 'outcomes[0].grade is required'],
    ] as [string, OutcomeMessage[], string][])('%s', async (_what, outcomes, message) => {
      const error = await grpcError(oa.report(outcomes));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain(message);
    });
  });
});
