import { ServiceError, credentials, status } from '@grpc/grpc-js';
import Redis from 'ioredis';
import { loadService } from '../../src/transport/grpc/proto';
import { EtcdServer } from '../support/etcd-server';
import { RedisServer } from '../support/redis-server';
import { DecisionClient, DecideRequestMessage } from '../support/grpc-client';
import { Instance, bearer, migrateEtcd, startInstance } from '../support/app-instance';
import { sleep, waitFor } from '../support/ports';

const rule = (department: string, body: Record<string, unknown>) => ({
  department,
  grade: '2023',
  window: 'any',
  ...body,
});

describe('gRPC DecisionService (e2e, real etcd and Redis, two instances)', () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  let a: Instance;
  let b: Instance;
  let ca: DecisionClient;
  let cb: DecisionClient;
  let raw: Redis;

  /** Creates a rule through A, then waits until B has it too: right after start, B's watch may trail A's write. */
  const put = async (body: Record<string, unknown>) => {
    const res = await a
      .http()
      .post('/api/v1/rules')
      .set('Authorization', bearer('editor'))
      .send(body);
    expect(res.status).toBe(201);
    const key = `${body.department}/${body.grade}/${body.window}`;
    await waitFor(
      `B to see ${key}`,
      async () => {
        const seen = await b
          .http()
          .get(`/api/v1/rules/${key}`)
          .set('Authorization', bearer('viewer'));
        return seen.status === 200 && seen.body.revision === res.body.revision;
      },
      5000,
      2,
    );
    return res;
  };
  const grpcError = (promise: Promise<unknown>): Promise<ServiceError> =>
    promise.then(
      () => {
        throw new Error('expected a gRPC error');
      },
      (e: ServiceError) => e,
    );

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    redis = await RedisServer.start();
    await migrateEtcd(etcd.endpoint);
    const env = { REDIS_TIMEOUT_MS: '100', MAX_HITS: '50' };
    a = await startInstance(etcd.endpoint, redis.url, env);
    b = await startInstance(etcd.endpoint, redis.url, env);
    ca = a.grpc();
    cb = b.grpc();
    raw = new Redis(redis.url);
    await waitFor(
      'both ready',
      async () =>
        (await a.http().get('/readyz')).status === 200 &&
        (await b.http().get('/readyz')).status === 200,
      10_000,
      50,
    );
  });
  afterAll(async () => {
    ca.close();
    cb.close();
    await raw.quit().catch(() => raw.disconnect());
    await a.close();
    await b.close();
    await etcd.destroy();
    await redis.stop();
  });

  it('admits exactly 50 of 60 rapid calls spread over two instances, counting remaining down', async () => {
    await put(rule('cs', { limit: { qps: 50 } }));
    const answers = [];
    for (let i = 0; i < 60; i++)
      answers.push(
        await (i % 2 ? cb : ca).decide({ department: 'cs', grade: '2023', resource: 'enroll' }),
      );
    const allowed = answers.filter((r) => r.verdict === 'ALLOW');
    expect(allowed).toHaveLength(50);
    expect(
      allowed.every((r) => r.reason === 'OK' && r.rule === 'cs/2023/any' && r.limit === 50),
    ).toBe(true);
    expect(allowed.map((r) => r.remaining ?? 0)).toEqual(
      Array.from({ length: 50 }, (_, i) => 49 - i),
    );
    const rejected = answers.slice(50);
    expect(rejected.every((r) => r.verdict === 'REJECT' && r.reason === 'RATE_LIMITED')).toBe(true);
    expect(answers.every((r) => (r.rules_revision ?? 0) > 0)).toBe(true);

    const last = rejected[rejected.length - 1];
    expect(last.retry_after_ms).toBeGreaterThan(0);
    expect(last.retry_after_ms).toBeLessThanOrEqual(1000);
    await sleep((last.retry_after_ms ?? 0) + 1);
    expect((await ca.decide({ department: 'cs', grade: '2023' })).verdict).toBe('ALLOW');
  });

  it('applies a raised limit on both instances within moments, without resetting the count', async () => {
    await put(rule('ee', { limit: { qps: 10 } }));
    for (let i = 0; i < 10; i++)
      expect((await ca.decide({ department: 'ee', grade: '2023' })).verdict).toBe('ALLOW');
    expect((await cb.decide({ department: 'ee', grade: '2023' })).verdict).toBe('REJECT');
    const current = await a
      .http()
      .get('/api/v1/rules/ee/2023/any')
      .set('Authorization', bearer('viewer'));
    const written = await a
      .http()
      .put('/api/v1/rules/ee/2023/any')
      .set('Authorization', bearer('editor'))
      .set('If-Match', current.headers.etag)
      .send({ limit: { qps: 20 } });
    expect(written.status).toBe(200);
    const acknowledged = Date.now();
    await waitFor(
      'B to decide with the new rule',
      async () =>
        (
          await b
            .http()
            .get('/api/v1/explain?department=ee&grade=2023')
            .set('Authorization', bearer('viewer'))
        ).body.governing?.limit?.qps === 20,
      5000,
      2,
    );
    expect(Date.now() - acknowledged).toBeLessThan(2000);
    const onA = await ca.decide({ department: 'ee', grade: '2023' });
    const onB = await cb.decide({ department: 'ee', grade: '2023' });
    expect([onA.verdict, onA.limit, onA.remaining]).toEqual(['ALLOW', 20, 9]);
    expect([onB.verdict, onB.limit, onB.remaining]).toEqual(['ALLOW', 20, 8]);
  });

  it('counts per client separately and requires client_id for such a rule', async () => {
    await put(rule('pc', { limit: { qps: 2, per: 'client' } }));
    const s1 = [];
    for (let i = 0; i < 3; i++)
      s1.push(
        (await ca.decide({ department: 'pc', grade: '2023', client_id: 'student-1' })).verdict,
      );
    expect(s1).toEqual(['ALLOW', 'ALLOW', 'REJECT']);
    expect(
      (await cb.decide({ department: 'pc', grade: '2023', client_id: 'student-2' })).verdict,
    ).toBe('ALLOW');
    const error = await grpcError(ca.decide({ department: 'pc', grade: '2023' }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toBe(
      'client_id is required: the governing rule pc/2023/any counts per client',
    );
  });

  it('degrades non-core resources past the limit, keeps core ones up to the hard cap and rejects them beyond it', async () => {
    await put(rule('dg', { limit: { qps: 2 }, onExceed: 'degrade', coreResources: ['enroll'] }));
    const seq = [];
    for (const resource of ['browse', 'browse', 'browse', 'enroll', 'enroll', 'enroll']) {
      const r = await ca.decide({ department: 'dg', grade: '2023', resource });
      seq.push(`${r.verdict}/${r.reason}`);
    }
    expect(seq).toEqual([
      'ALLOW/OK',
      'ALLOW/OK',
      'DEGRADE/RATE_LIMITED',
      'ALLOW/RATE_LIMITED',
      'ALLOW/RATE_LIMITED',
      'REJECT/RATE_LIMITED',
    ]);
  });

  it('answers ALLOW/SHADOW for a shadow rule and says what it would have done', async () => {
    await put(rule('sh', { limit: { qps: 1 }, shadow: true }));
    await ca.decide({ department: 'sh', grade: '2023' });
    const second = await ca.decide({ department: 'sh', grade: '2023' });
    expect(second).toMatchObject({ verdict: 'ALLOW', reason: 'SHADOW' });
    expect(second.detail).toBe('shadow rule: would REJECT (RATE_LIMITED)');
  });

  it('answers NO_RULE when nothing governs', async () => {
    expect(await ca.decide({ department: 'nobody', grade: '1999' })).toMatchObject({
      verdict: 'ALLOW',
      reason: 'NO_RULE',
    });
  });

  it('uses at to choose the rule by time window, and refuses an at far from now', async () => {
    await a
      .http()
      .post('/api/v1/windows')
      .set('Authorization', bearer('editor'))
      .send({ name: 'peak', dateRanges: [{ from: '2026-12-28', to: '2027-01-08' }], priority: 5 })
      .expect(201);
    await put(rule('tw', { limit: { qps: 100 } }));
    await put({ ...rule('tw', { limit: { qps: 7 } }), window: 'peak' });
    const inPeak = { seconds: Date.UTC(2027, 0, 4) / 1000 };
    const outside = { seconds: Date.UTC(2026, 6, 1) / 1000 };
    expect((await ca.decide({ department: 'tw', grade: '2023', at: inPeak })).rule).toBe(
      'tw/2023/peak',
    );
    expect((await ca.decide({ department: 'tw', grade: '2023', at: outside })).rule).toBe(
      'tw/2023/any',
    );
    const far = await grpcError(
      ca.decide({ department: 'tw', grade: '2023', at: { seconds: Date.UTC(2031, 0, 1) / 1000 } }),
    );
    expect(far.code).toBe(status.INVALID_ARGUMENT);
    expect(far.details).toBe('at must be within 366 days of now');
  });

  describe('bad requests: INVALID_ARGUMENT naming the field, nothing counted', () => {
    const cases: [string, DecideRequestMessage, string][] = [
      ['missing department', { grade: '2023' }, 'department is required'],
      ['missing grade', { department: 'cs' }, 'grade is required'],
      ['a slash', { department: 'cs/x', grade: '2023' }, 'department must match'],
      ['upper case', { department: 'CS', grade: '2023' }, 'department must match'],
      ['65 characters', { department: 'a'.repeat(65), grade: '2023' }, 'department must match'],
      [
        'hits = 0',
        { department: 'cs', grade: '2023', hits: 0 },
        'hits must be between 1 and 50 (unset means 1); got 0',
      ],
      [
        'hits above the maximum',
        { department: 'cs', grade: '2023', hits: 51 },
        'hits must be between 1 and 50 (unset means 1); got 51',
      ],
      [
        'client_id over 256 bytes',
        { department: 'cs', grade: '2023', client_id: 'é'.repeat(129) },
        'client_id must be at most 256 bytes',
      ],
    ];
    it.each(cases)('%s', async (_what, request, message) => {
      const keysBefore = await raw.dbsize();
      const error = await grpcError(ca.decide(request));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain(message);
      expect(await raw.dbsize()).toBe(keysBefore);
    });
  });

  describe('DecideBatch', () => {
    it('decides many in one call, in order', async () => {
      await put(rule('bt', { limit: { qps: 3 } }));
      const answers = await ca.decideBatch([
        ...Array.from({ length: 5 }, () => ({ department: 'bt', grade: '2023' })),
        { department: 'nobody', grade: '2023' },
      ]);
      expect(answers.map((r) => r.verdict)).toEqual([
        'ALLOW',
        'ALLOW',
        'ALLOW',
        'REJECT',
        'REJECT',
        'ALLOW',
      ]);
      expect(answers[5].reason).toBe('NO_RULE');
    });

    it('refuses the whole batch when one item is bad, naming it, and counts nothing', async () => {
      await put(rule('bb', { limit: { qps: 3 } }));
      const error = await grpcError(
        ca.decideBatch([
          { department: 'bb', grade: '2023' },
          { department: 'bb', grade: 'X' },
        ]),
      );
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain('requests[1].grade must match');
      expect(await raw.exists('rc:{bb/2023/any}:sw')).toBe(0);
      const empty = await grpcError(ca.decideBatch([]));
      expect(empty.details).toBe('requests must hold at least one request');
    });
  });

  describe.each(['sliding_window', 'sliding_window_counter', 'fixed_window', 'token_bucket'])(
    'algorithm %s',
    (algorithm) => {
      const dept = `al-${algorithm.replace(/_/g, '')}`;
      const limit = { qps: 2, algorithm, windowMs: 60_000, burst: 2 };
      const budget = algorithm === 'token_bucket' ? 2 : 120;

      it('counts per client, then rejects with a retry hint', async () => {
        await put(rule(dept, { limit: { ...limit, per: 'client' } }));
        const seq = [];
        for (let i = 0; i < budget + 1; i++)
          seq.push(await ca.decide({ department: dept, grade: '2023', client_id: 's1' }));
        expect(seq.slice(0, budget).every((r) => r.verdict === 'ALLOW')).toBe(true);
        expect(seq[budget]).toMatchObject({
          verdict: 'REJECT',
          reason: 'RATE_LIMITED',
          limit: budget,
        });
        expect(seq[budget].retry_after_ms).toBeGreaterThan(0);
        // Another student has a budget of their own.
        expect(
          (await cb.decide({ department: dept, grade: '2023', client_id: 's2' })).verdict,
        ).toBe('ALLOW');
      });

      it('degrades past the limit, lets core resources through to the hard cap, and shadows', async () => {
        await put(rule(`${dept}-dg`, { limit, onExceed: 'degrade', coreResources: ['enroll'] }));
        for (let i = 0; i < budget; i++)
          await ca.decide({ department: `${dept}-dg`, grade: '2023' });
        expect(
          await ca.decide({ department: `${dept}-dg`, grade: '2023', resource: 'browse' }),
        ).toMatchObject({
          verdict: 'DEGRADE',
        });
        expect(
          await ca.decide({ department: `${dept}-dg`, grade: '2023', resource: 'enroll' }),
        ).toMatchObject({
          verdict: 'ALLOW',
          reason: 'RATE_LIMITED',
        });
        await put(rule(`${dept}-sh`, { limit, shadow: true }));
        for (let i = 0; i < budget; i++)
          await ca.decide({ department: `${dept}-sh`, grade: '2023' });
        expect(await ca.decide({ department: `${dept}-sh`, grade: '2023' })).toMatchObject({
          verdict: 'ALLOW',
          reason: 'SHADOW',
        });
      });
    },
  );

  describe('gRPC health', () => {
    it('reports SERVING while etcd and Redis are fine', async () => {
      const Health = loadService('grpc/health/v1/health.proto', 'grpc.health.v1.Health');
      const client = new Health(
        `127.0.0.1:${a.grpcPort}`,
        credentials.createInsecure(),
      ) as unknown as {
        Check(req: object, cb: (e: ServiceError | null, r: { status: string }) => void): void;
        close(): void;
      };
      const res = await new Promise<{ status: string }>((resolve, reject) =>
        client.Check({ service: '' }, (e, r) => (e ? reject(e) : resolve(r))),
      );
      expect(res.status).toBe('SERVING');
      client.close();
    });
  });

  describe('Redis down (docs/failure-behaviour.md)', () => {
    it('does not admit the budget again when Redis goes away in the middle of a window (fail-open share)', async () => {
      await put(rule('fx', { limit: { qps: 40, burst: 40 }, failMode: 'open' }));
      await waitFor(
        'both instances registered',
        async () => /^rulecenter_instances_known 2$/m.test((await a.http().get('/metrics')).text),
        5000,
        100,
      );
      const burst = async (n: number) => {
        const answers = await Promise.all(
          Array.from({ length: n }, (_, i) =>
            (i % 2 ? cb : ca).decide({ department: 'fx', grade: '2023' }),
          ),
        );
        return answers.filter((r) => r.verdict === 'ALLOW').length;
      };
      const started = Date.now();
      expect(await burst(40)).toBe(40); // the whole budget of this second, through Redis
      await redis.stop();
      const duringOutage = await burst(40);
      expect(Date.now() - started).toBeLessThan(1000); // still the same window
      // Each instance's share (20) was already used through Redis: before, each admitted 20 more.
      expect(duringOutage).toBeLessThanOrEqual(4);
      await redis.resume();
      await waitFor(
        'counting resumes',
        async () =>
          (await ca.decide({ department: 'fx', grade: '2023' })).reason !== 'STORE_UNAVAILABLE',
        10_000,
        50,
      );
    });

    it('answers per failMode within the timeout, enforces the local share when open, and resumes counting when Redis returns', async () => {
      await put(rule('fo', { limit: { qps: 4, burst: 4 }, failMode: 'open' }));
      await put(rule('fc', { limit: { qps: 4 }, failMode: 'closed' }));
      await waitFor(
        'both instances registered',
        async () => {
          const text = (await a.http().get('/metrics')).text;
          return /^rulecenter_instances_known 2$/m.test(text);
        },
        5000,
        100,
      );
      await redis.stop();

      const timed = async (req: DecideRequestMessage) => {
        const started = Date.now();
        const r = await ca.decide(req);
        return { r, ms: Date.now() - started };
      };
      const open = [
        await timed({ department: 'fo', grade: '2023' }),
        await timed({ department: 'fo', grade: '2023' }),
        await timed({ department: 'fo', grade: '2023' }),
      ];
      // Two instances known: this one may admit half of burst 4 on its own.
      expect(open.map((x) => `${x.r.verdict}/${x.r.reason}`)).toEqual([
        'ALLOW/STORE_UNAVAILABLE',
        'ALLOW/STORE_UNAVAILABLE',
        'REJECT/STORE_UNAVAILABLE',
      ]);
      const closed = await timed({ department: 'fc', grade: '2023' });
      expect(`${closed.r.verdict}/${closed.r.reason}`).toBe('REJECT/STORE_UNAVAILABLE');
      for (const x of [...open, closed]) expect(x.ms).toBeLessThan(1000);

      // Every instance shares Redis: its outage degrades an instance, never makes it unready.
      await waitFor(
        'readiness to report Redis',
        async () => (await a.http().get('/readyz?strict=true')).status === 503,
        5000,
        100,
      );
      const ready = await a.http().get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.degraded).toEqual([expect.stringMatching(/^redis: unreachable/)]);
      expect((await a.http().get('/readyz?strict=true')).body.message).toEqual([
        expect.stringMatching(/^redis: unreachable/),
      ]);

      await redis.resume();
      await waitFor(
        'counting resumes',
        async () => (await ca.decide({ department: 'fc', grade: '2023' })).reason === 'OK',
        10_000,
        50,
      );
    });

    it('shows decisions in /metrics by verdict and reason, with a latency histogram', async () => {
      const text = (await a.http().get('/metrics')).text;
      expect(text).toMatch(/^rulecenter_decisions_total\{verdict="ALLOW",reason="OK"\} \d+/m);
      expect(text).toMatch(
        /^rulecenter_decisions_total\{verdict="REJECT",reason="STORE_UNAVAILABLE"\} [1-9]/m,
      );
      expect(text).toMatch(/^rulecenter_decision_duration_seconds_bucket\{le="0.001"\} \d+/m);
      expect(text).toMatch(/^rulecenter_redis_errors_total\{operation="consume"\} [1-9]/m);
    });
  });
});
