import { ServiceError, status } from '@grpc/grpc-js';
import { EtcdServer } from '../support/etcd-server';
import { RedisServer } from '../support/redis-server';
import { Instance, bearer, migrateEtcd, startInstance, storeFor } from '../support/app-instance';
import { EtcdConfigStore } from '../../src/adapters/etcd/etcd-config.store';
import { outcomeClient } from '../support/outcome-client';
import { waitFor } from '../support/ports';

/** A small deterministic PRNG, so a failing case can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BOUNDARY: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  0.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  '',
  ' ',
  '*',
  '..',
  '/',
  'a/b',
  'CS',
  'x'.repeat(65),
  'x'.repeat(70_000),
  '\u0000',
  '💥',
  '<script>',
  '{"a":1}',
  [],
  [1, 'a'],
  {},
  { limit: null },
  { qps: '5' },
  // Hostile shapes (issue "Hostile input and overload"): deep nesting, long arrays.
  JSON.parse(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`),
  JSON.parse(`${'['.repeat(3000)}${']'.repeat(3000)}`),
  Array.from({ length: 5000 }, (_, i) => i),
];

function value(r: () => number, depth = 0): unknown {
  const pick = r();
  if (pick < 0.45 || depth > 2) return BOUNDARY[Math.floor(r() * BOUNDARY.length)];
  if (pick < 0.6) return Math.floor(r() * 2_000_000) - 1_000_000;
  if (pick < 0.75) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  const keys = [
    'department',
    'grade',
    'window',
    'limit',
    'qps',
    'burst',
    'algorithm',
    'windowMs',
    'per',
    'breaker',
    'enabled',
    'timezone',
    'timeRanges',
    'start',
    'end',
    'name',
    'rules',
    'windows',
    'mode',
    'bogus',
  ];
  const o: Record<string, unknown> = {};
  for (let i = 0; i < 1 + Math.floor(r() * 5); i++)
    o[keys[Math.floor(r() * keys.length)]] = value(r, depth + 1);
  return o;
}

describe('fuzzing the REST and gRPC inputs (deterministic seeds)', () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  let rc: Instance;
  let store: EtcdConfigStore;

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    redis = await RedisServer.start();
    await migrateEtcd(etcd.endpoint);
    rc = await startInstance(etcd.endpoint, redis.url, { BODY_LIMIT_BYTES: '65536' });
    store = storeFor(etcd.endpoint);
    // The instance registers itself in etcd just after start; fuzz once that write is done.
    await waitFor(
      'instance registered',
      async () =>
        (await etcd.ctl('get', '--prefix', '/rulecenter/v1/instances/', '--keys-only')).trim() !==
        '',
      10_000,
      50,
    );
  });
  afterAll(async () => {
    await store.close();
    await rc.close();
    await etcd.destroy();
    await redis.stop();
  });

  it('answers 2,000 random REST writes with 2xx or a 4xx JSON body, never 5xx, and rejected writes change nothing', async () => {
    const r = rng(20261122);
    const routes: [string, string][] = [
      ['post', '/api/v1/rules'],
      ['put', '/api/v1/rules/cs/2023/any'],
      ['post', '/api/v1/windows'],
      ['put', '/api/v1/windows/fall'],
      ['post', '/api/v1/import?dryRun=false'],
      ['post', '/api/v1/breakers/cs/2023/any'],
      ['get', '/api/v1/explain?department=%00&grade=..&at=9999-99-99'],
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const [method, path] = routes[Math.floor(r() * routes.length)];
      const before = await store.ping(); // etcd's revision: any write moves it
      const agent = rc.http() as unknown as Record<string, (p: string) => import('supertest').Test>;
      const req = agent[method](path)
        .set('Authorization', bearer('admin'))
        .set('If-Match', r() < 0.5 ? '"1"' : String(value(r)).replace(/[^\x20-\x7e]/g, '?'));
      const body = value(r);
      // Any JSON value as the body; one in ten cut short (malformed JSON).
      const json = JSON.stringify(body) ?? '';
      const raw = r() < 0.1 ? json.slice(0, Math.floor(r() * json.length)) : json;
      const res = await req.set('Content-Type', 'application/json').send(raw);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['content-type']).toMatch(/json/);
      if (res.status >= 400) expect(await store.ping()).toBe(before);
    }
    // The fuzzer reached the validation paths, not only the router.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(500);
  }, 120_000);

  it('answers 2,000 random gRPC decisions and outcome reports with a verdict or INVALID_ARGUMENT, never INTERNAL or UNKNOWN', async () => {
    const r = rng(42);
    const decisions = rc.grpc();
    const outcomes = outcomeClient(rc.grpcPort);
    const codes = new Map<number, number>();
    const text = () => {
      const v = value(r);
      return typeof v === 'string'
        ? v
        : typeof v === 'number'
          ? String(v)
          : r() < 0.5
            ? 'cs'
            : '2023';
    };
    for (let i = 0; i < 2000; i++) {
      try {
        if (r() < 0.7) {
          const hits = r() < 0.3 ? Math.floor(r() * 5000) : undefined;
          const at =
            r() < 0.2
              ? { seconds: Math.floor(r() * 4e9), nanos: Math.floor(r() * 1e9) }
              : undefined;
          await decisions.decide({
            department: text(),
            grade: text(),
            resource: text().slice(0, 300),
            client_id: text().slice(0, 400),
            hits,
            at,
          });
        } else {
          const n = Math.floor(r() * 4);
          await outcomes.report(
            Array.from({ length: n }, () => ({
              department: text(),
              grade: text(),
              success: r() < 0.5,
              latency_ms: (r() - 0.2) * 1e6,
            })),
          );
        }
        codes.set(0, (codes.get(0) ?? 0) + 1);
      } catch (error) {
        const code = (error as ServiceError).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
        // RESOURCE_EXHAUSTED: a message over the configured size limit (BODY_LIMIT_BYTES).
        expect([status.INVALID_ARGUMENT, status.RESOURCE_EXHAUSTED]).toContain(code);
      }
    }
    expect(codes.get(status.INVALID_ARGUMENT) ?? 0).toBeGreaterThan(200);
    expect(codes.get(0) ?? 0).toBeGreaterThan(50);
    decisions.close();
    outcomes.close();
  }, 120_000);

  it('survives 300 random values written straight to etcd: rejected ones are counted, the instance keeps deciding and stays synced', async () => {
    const r = rng(7);
    const loadErrors = async () =>
      [
        ...(await rc.http().get('/metrics')).text.matchAll(
          /^rulecenter_config_load_errors_total\{[^}]*\} (\d+)$/gm,
        ),
      ].reduce((n, m) => n + Number(m[1]), 0);
    const before = await loadErrors();
    const prefixes = ['rules/fz{i}/2023/any', 'windows/fz{i}', 'breakers/fz{i}/2023/any'];
    for (let i = 0; i < 300; i++) {
      const key = prefixes[i % prefixes.length].replace('{i}', String(i));
      const v = value(r);
      const text = r() < 0.1 ? String(v) : (JSON.stringify(v) ?? 'undefined');
      await store.commit({ guards: [], writes: [{ key, value: text }] });
    }
    const revision = await store.ping();
    await waitFor(
      'every value seen',
      async () => (await rc.http().get('/readyz')).body.etcd?.revision >= revision,
      10_000,
      50,
    );
    expect((await rc.http().get('/readyz?strict=true')).status).toBe(200);
    expect(await loadErrors()).toBeGreaterThan(before + 100);
    const decisions = rc.grpc();
    expect((await decisions.decide({ department: 'cs', grade: '2023' })).verdict).toBe('ALLOW');
    decisions.close();
  }, 60_000);
});
