import { ServiceError, credentials, status } from '@grpc/grpc-js';
import { loadService } from '../../src/transport/grpc/proto';
import { EtcdServer } from '../support/etcd-server';
import { RedisServer } from '../support/redis-server';
import { outcomeClient } from '../support/outcome-client';
import { Instance, bearer, migrateEtcd, startInstance } from '../support/app-instance';
import { waitFor } from '../support/ports';

interface Entry {
  key: string;
  value: string;
}
interface Descriptor {
  entries: Entry[];
  hits_addend?: { value: number };
  limit?: { requests_per_unit: number; unit: string };
}
interface Status {
  code: string;
  current_limit?: { name: string; requests_per_unit: number; unit: string };
  limit_remaining?: number;
  duration_until_reset?: { seconds?: number; nanos?: number };
}
interface Response {
  overall_code: string;
  statuses: Status[];
  response_headers_to_add?: Entry[];
  request_headers_to_add?: Entry[];
  raw_body?: Buffer;
}

const d = (
  department: string,
  extra: Entry[] = [],
  more: Partial<Descriptor> = {},
): Descriptor => ({
  entries: [{ key: 'department', value: department }, { key: 'grade', value: '2023' }, ...extra],
  ...more,
});

describe('Envoy RateLimitService/ShouldRateLimit (e2e)', () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  let rc: Instance;
  let client: {
    ShouldRateLimit(r: object, cb: (e: ServiceError | null, r: Response) => void): void;
    close(): void;
  };
  const ask = (request: object) =>
    new Promise<Response>((resolve, reject) =>
      client.ShouldRateLimit(request, (e, r) => (e ? reject(e) : resolve(r))),
    );
  const askError = (request: object) =>
    ask(request).then(
      () => {
        throw new Error('expected an error');
      },
      (e: ServiceError) => e,
    );
  const createRule = async (body: Record<string, unknown>) => {
    const res = await rc
      .http()
      .post('/api/v1/rules')
      .set('Authorization', bearer('editor'))
      .send({ grade: '2023', window: 'any', ...body });
    expect(res.status).toBe(201);
    return res;
  };

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    redis = await RedisServer.start();
    await migrateEtcd(etcd.endpoint);
    rc = await startInstance(etcd.endpoint, redis.url, { RLS_RATELIMIT_HEADERS: 'true' });
    const Service = loadService(
      'envoy/service/ratelimit/v3/rls.proto',
      'envoy.service.ratelimit.v3.RateLimitService',
    );
    client = new Service(
      `127.0.0.1:${rc.grpcPort}`,
      credentials.createInsecure(),
    ) as unknown as typeof client;
    await waitFor('ready', async () => (await rc.http().get('/readyz')).status === 200, 10_000, 50);
  });
  afterAll(async () => {
    client.close();
    await rc.close();
    await etcd.destroy();
    await redis.stop();
  });

  it('counts limit_remaining down, answers OVER_LIMIT at the right request, and reports the rule', async () => {
    await createRule({ department: 'cs', limit: { qps: 5 } });
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push(await ask({ domain: 'campus', descriptors: [d('cs')] }));
    expect(answers.map((a) => a.overall_code)).toEqual([
      'OK',
      'OK',
      'OK',
      'OK',
      'OK',
      'OVER_LIMIT',
    ]);
    expect(answers.slice(0, 5).map((a) => a.statuses[0].limit_remaining ?? 0)).toEqual([
      4, 3, 2, 1, 0,
    ]);
    expect(answers[0].statuses[0].current_limit).toEqual({
      name: 'cs/2023/any',
      requests_per_unit: 5,
      unit: 'SECOND',
    });
    expect(answers[5].raw_body?.toString()).toMatch(
      /^rate limited by rule cs\/2023\/any \(RATE_LIMITED\); retry after \d+ ms\n$/,
    );
    const headers = Object.fromEntries(
      (answers[5].response_headers_to_add ?? []).map((h) => [h.key, h.value]),
    );
    expect(headers).toMatchObject({ 'RateLimit-Limit': '5', 'RateLimit-Remaining': '0' });
    expect(Number(headers['Retry-After'])).toBeGreaterThanOrEqual(1);
  });

  it('answers OK with no current_limit for a descriptor no rule matches, and OVER_LIMIT overall if any descriptor is over', async () => {
    const unmatched = await ask({
      domain: 'campus',
      descriptors: [d('nobody'), { entries: [{ key: 'path', value: '/x' }] }],
    });
    expect(unmatched.overall_code).toBe('OK');
    expect(unmatched.statuses.map((s) => s.current_limit)).toEqual([undefined, undefined]);
    const mixed = await ask({ domain: 'campus', descriptors: [d('nobody'), d('cs')] });
    expect(mixed.overall_code).toBe('OVER_LIMIT');
    expect(mixed.statuses.map((s) => s.code)).toEqual(['OK', 'OVER_LIMIT']);
  });

  it('takes hits_addend from the request and the descriptor; 0 on a descriptor checks without counting', async () => {
    await createRule({ department: 'hh', limit: { qps: 10 } });
    expect(
      (await ask({ domain: 'campus', hits_addend: 4, descriptors: [d('hh')] })).statuses[0]
        .limit_remaining,
    ).toBe(6);
    expect(
      (
        await ask({
          domain: 'campus',
          hits_addend: 4,
          descriptors: [d('hh', [], { hits_addend: { value: 2 } })],
        })
      ).statuses[0].limit_remaining,
    ).toBe(4);
    expect(
      (await ask({ domain: 'campus', descriptors: [d('hh', [], { hits_addend: { value: 0 } })] }))
        .statuses[0].limit_remaining,
    ).toBe(4);
    expect(
      (await ask({ domain: 'campus', descriptors: [d('hh', [], { hits_addend: { value: 0 } })] }))
        .statuses[0].limit_remaining,
    ).toBe(4);
  });

  it('does not honour a descriptor limit override: the Rule Center rule governs', async () => {
    await createRule({ department: 'ov', limit: { qps: 3 } });
    const r = await ask({
      domain: 'campus',
      descriptors: [d('ov', [], { limit: { requests_per_unit: 1000, unit: 'SECOND' } })],
    });
    expect(r.statuses[0].current_limit?.requests_per_unit).toBe(3);
  });

  it('maps DEGRADE to OK plus the degrade request header', async () => {
    await createRule({
      department: 'dg',
      limit: { qps: 1 },
      onExceed: 'degrade',
      coreResources: ['enroll'],
    });
    await ask({ domain: 'campus', descriptors: [d('dg')] });
    const r = await ask({
      domain: 'campus',
      descriptors: [d('dg', [{ key: 'resource', value: 'browse' }])],
    });
    expect(r.overall_code).toBe('OK');
    expect(r.request_headers_to_add).toEqual([{ key: 'x-rulecenter-degrade', value: '1' }]);
  });

  it('maps an open breaker to OVER_LIMIT with the circuit header and body', async () => {
    await createRule({
      department: 'br',
      limit: { qps: 100 },
      breaker: { enabled: true, minRequests: 5, errorRateThreshold: 0.5 },
    });
    const reporter = outcomeClient(rc.grpcPort);
    await reporter.report(
      Array.from({ length: 5 }, () => ({
        department: 'br',
        grade: '2023',
        success: false,
        latency_ms: 1,
      })),
    );
    reporter.close();
    const r = await ask({ domain: 'campus', descriptors: [d('br')] });
    expect(r.overall_code).toBe('OVER_LIMIT');
    expect(r.response_headers_to_add).toEqual(
      expect.arrayContaining([{ key: 'x-rulecenter-circuit', value: 'open' }]),
    );
    expect(r.raw_body?.toString()).toBe('circuit breaker open for rule br/2023/any\n');
  });

  it('sees a rule changed through REST take effect', async () => {
    await createRule({ department: 'ch', limit: { qps: 2 } });
    await ask({ domain: 'campus', descriptors: [d('ch')] });
    await ask({ domain: 'campus', descriptors: [d('ch')] });
    expect((await ask({ domain: 'campus', descriptors: [d('ch')] })).overall_code).toBe(
      'OVER_LIMIT',
    );
    const current = await rc
      .http()
      .get('/api/v1/rules/ch/2023/any')
      .set('Authorization', bearer('viewer'));
    await rc
      .http()
      .put('/api/v1/rules/ch/2023/any')
      .set('Authorization', bearer('editor'))
      .set('If-Match', current.headers.etag)
      .send({ limit: { qps: 10 } })
      .expect(200);
    const after = await ask({ domain: 'campus', descriptors: [d('ch')] });
    expect(after.overall_code).toBe('OK');
    expect(after.statuses[0]).toMatchObject({
      current_limit: { requests_per_unit: 10 },
      limit_remaining: 7,
    });
  });

  it.each([
    ['an empty domain', { domain: '', descriptors: [d('cs')] }, 'domain must not be empty'],
    [
      'no descriptors',
      { domain: 'campus', descriptors: [] },
      'descriptors must hold at least one descriptor',
    ],
    [
      'a bad department value',
      { domain: 'campus', descriptors: [d('cs'), d('CS')] },
      'descriptors[1].department must match',
    ],
  ])('refuses %s with INVALID_ARGUMENT', async (_what, request, message) => {
    const error = await askError(request);
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain(message);
  });
});
