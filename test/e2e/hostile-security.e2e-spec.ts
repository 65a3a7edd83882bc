import { Metadata, ServiceError, credentials, status } from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import request from 'supertest';
import { EtcdConfigStore } from '../../src/adapters/etcd/etcd-config.store';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/app-config';
import { ReadinessService } from '../../src/services/readiness.service';
import { migrate } from '../../src/services/schema-migrator';
import { loadService } from '../../src/transport/grpc/proto';
import { POLICY, checkLockfile } from '../../scripts/lib/lockfile-policy';
import { makeTestPki } from '../support/certificates';
import { acceptanceBreaker } from '../support/fixtures';
import { Instance, TOKENS, bearer, startInstance } from '../support/app-instance';
import { EtcdServer } from '../support/etcd-server';
import { freePort, killOnExit, waitFor } from '../support/ports';
import { useStack } from '../support/stack';
import { capturedLogs } from '../support/captured-logs';

/**
 * The issue "Hostile input and overload", items 6–10, each reproduced as an attacker or a careless
 * deployment would meet it: real etcd, Redis, TLS handshakes and gRPC calls.
 */

type Callback<R> = (e: ServiceError | null, r: R) => void;
type Reply = Record<string, unknown>;
interface AnyClient {
  close(): void;
  [method: string]: unknown;
}

const GATEWAY = 'gw-decide-4f1c9a7e2b6d8035c1e9f47a2d6b803c';
const REPORTER = 'gw-report-9b2e7d4c1a6f8035e2c9d47b1a6e903f';
const WATCHER = 'dashboard-5c8a1e3f7b2d9046a1c8e35f7b2d9046';
const LEGACY = 'legacy-grpc-token-7e1d4c9b2a6f80357e1d4c9b2a6f';

const withToken = (token?: string): Metadata => {
  const m = new Metadata();
  if (token) m.set('authorization', `Bearer ${token}`);
  return m;
};

const unary = (client: AnyClient, method: string, req: object, token?: string) =>
  new Promise<Reply>((resolve, reject) =>
    (client[method] as (r: object, m: Metadata, cb: Callback<Reply>) => void).call(
      client,
      req,
      withToken(token),
      (e, r) => (e ? reject(e) : resolve(r)),
    ),
  );
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: ServiceError) => ({ code: e.code, details: e.details }),
  );

/** The first event of a WatchRules stream, or its error. */
const firstWatchEvent = (client: AnyClient, token?: string) =>
  new Promise<Reply>((resolve, reject) => {
    const call = (
      client.WatchRules as (
        r: object,
        m: Metadata,
      ) => NodeJS.EventEmitter & {
        cancel(): void;
      }
    )({}, withToken(token));
    call.on('data', (event: Reply) => {
      resolve(event);
      call.cancel();
    });
    call.on('error', (e: ServiceError) => (e.code === status.CANCELLED ? undefined : reject(e)));
  });

/** A TLS handshake with the given client options: the negotiated cipher, or why it failed. */
const handshake = (port: number, ca: Buffer, options: Record<string, unknown>) =>
  new Promise<string>((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca,
      servername: 'localhost',
      ALPNProtocols: ['h2', 'http/1.1'],
      ...options,
    });
    socket.once('secureConnect', () => {
      resolve(`${socket.getProtocol()} ${socket.getCipher().name}`);
      socket.destroy();
    });
    socket.once('error', () => resolve('refused'));
  });

/** A root logger whose JSON lines the test can read. */
describe('hostile (e2e): issue "Hostile input and overload", items 6–10', () => {
  const stack = useStack();
  const pki = makeTestPki();

  describe('6. failed logins: limit the failures, never a right token', () => {
    let behindProxy: Instance;
    let direct: Instance;
    const rules = (rc: Instance, from: string, token?: string) => {
      const req = rc.http().get('/api/v1/rules').set('X-Forwarded-For', from);
      return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
    };

    beforeAll(async () => {
      behindProxy = await startInstance(stack.etcd.endpoint, stack.redis.url, {
        TRUST_PROXY: 'loopback',
        AUTH_FAILURES_PER_MINUTE: '20',
        AUTH_FAILURE_MAX_TRACKED: '50',
      });
      direct = await startInstance(stack.etcd.endpoint, stack.redis.url, {
        AUTH_FAILURES_PER_MINUTE: '3',
      });
    });
    afterAll(async () => {
      await behindProxy.close();
      await direct.close();
    });

    it('25 wrong tokens from one address do not lock out a right token from that address', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++)
        statuses.push((await rules(behindProxy, '203.0.113.10', `guess-${i}`)).status);
      expect(statuses).toEqual([...Array(20).fill(401), ...Array(5).fill(429)]);
      const limited = await rules(behindProxy, '203.0.113.10', 'one-more-guess');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await rules(behindProxy, '203.0.113.10', TOKENS.viewer)).status).toBe(200);
      expect((await rules(behindProxy, '203.0.113.10', TOKENS.admin)).status).toBe(200);
    });

    it('requests without a token are not guesses and never count towards the limit', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await rules(behindProxy, '203.0.113.11')).status);
      expect(new Set(statuses)).toEqual(new Set([401]));
      expect((await rules(behindProxy, '203.0.113.11', 'first-guess')).status).toBe(401);
    });

    it('behind a trusted proxy each client address is limited on its own', async () => {
      expect((await rules(behindProxy, '203.0.113.10', 'guess')).status).toBe(429);
      expect((await rules(behindProxy, '203.0.113.12', 'guess')).status).toBe(401);
    });

    it('counts IPv6 clients by /64, so rotating addresses inside one network gains nothing', async () => {
      for (let i = 1; i <= 20; i++)
        expect((await rules(behindProxy, `2001:db8:1:2::${i.toString(16)}`, 'guess')).status).toBe(
          401,
        );
      expect((await rules(behindProxy, '2001:db8:1:2:ffff::1', 'guess')).status).toBe(429);
      expect((await rules(behindProxy, '2001:db8:1:3::1', 'guess')).status).toBe(401);
    });

    it('a full table forgets the least recently failed address, not everyone', async () => {
      for (const address of ['198.51.100.2', '198.51.100.3']) {
        for (let i = 0; i < 20; i++) await rules(behindProxy, address, 'guess');
        expect((await rules(behindProxy, address, 'guess')).status).toBe(429);
      }
      // 49 more addresses take the table (AUTH_FAILURE_MAX_TRACKED=50) past its size.
      for (let i = 0; i < 49; i++) await rules(behindProxy, `192.0.2.${i + 1}`, 'guess');
      // The oldest failures were forgotten; the newer lockout was not cleared with them.
      expect((await rules(behindProxy, '198.51.100.3', 'guess')).status).toBe(429);
      expect((await rules(behindProxy, '198.51.100.2', 'guess')).status).toBe(401);
    });

    it('without TRUST_PROXY a forged X-Forwarded-For buys no fresh budget', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await rules(direct, `10.9.8.${i}`, 'wrong-token')).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect((await rules(direct, '10.9.8.1', TOKENS.editor)).status).toBe(200);
    });
  });

  describe('6 + 7. refusing weak or missing credentials at boot', () => {
    it('exits with code 2 naming a short admin token and an open gRPC bind', async () => {
      const child = spawn('node', ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
        env: {
          PATH: process.env.PATH,
          ETCD_ENDPOINTS: stack.etcd.endpoint,
          REDIS_URL: stack.redis.url,
          AUTH_TOKENS: 'admin:admin:dev-admin-token',
          GRPC_HOST: '0.0.0.0',
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: '0',
          GRPC_PORT: '0',
          LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      killOnExit(child);
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 20_000);
        child.on('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      child.kill('SIGKILL');
      expect(code).toBe(2);
      expect(stderr).toContain(
        'AUTH_TOKENS entry 1 (admin): token is 15 characters; at least 32 random characters are required',
      );
      expect(stderr).toContain('GRPC_HOST=0.0.0.0 would let anyone who reaches this port');
    });
  });

  describe('7. one credential per job on gRPC', () => {
    let rc: Instance;
    const Decision = loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService');
    const Watch = loadService('rulecenter/v1/watch.proto', 'rulecenter.v1.RuleWatchService');
    const Rls = loadService(
      'envoy/service/ratelimit/v3/rls.proto',
      'envoy.service.ratelimit.v3.RateLimitService',
    );
    const Health = loadService('grpc/health/v1/health.proto', 'grpc.health.v1.Health');
    const clients: AnyClient[] = [];
    const client = (Service: typeof Decision): AnyClient => {
      const c = new Service(
        `127.0.0.1:${rc.grpcPort}`,
        credentials.createInsecure(),
      ) as unknown as AnyClient;
      clients.push(c);
      return c;
    };
    const forgedFailures = Array.from({ length: 100 }, () => ({
      department: 'victim',
      grade: '2023',
      success: false,
      latency_ms: 5,
    }));

    beforeAll(async () => {
      rc = await startInstance(stack.etcd.endpoint, stack.redis.url, {
        GRPC_TOKENS: `gateway:decide:${GATEWAY},reporter:report:${REPORTER},dashboard:watch:${WATCHER}`,
        GRPC_TOKEN: LEGACY,
        MAX_OUTCOMES: '1000',
      });
      const res = await rc
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .send({
          department: 'victim',
          grade: '2023',
          window: 'any',
          limit: { qps: 100_000 },
          breaker: acceptanceBreaker(60_000, 3),
        });
      expect(res.status).toBe(201);
    });
    afterAll(async () => {
      for (const c of clients) c.close();
      await rc.close();
    });

    it('a deciding gateway cannot forge outcomes to open another scope’s breaker', async () => {
      const decision = client(Decision);
      const ask = { department: 'victim', grade: '2023' };
      expect(await unary(decision, 'Decide', ask, GATEWAY)).toMatchObject({ verdict: 'ALLOW' });
      expect(
        await failure(unary(decision, 'ReportOutcomes', { outcomes: forgedFailures }, GATEWAY)),
      ).toEqual({
        code: status.PERMISSION_DENIED,
        details: 'caller gateway lacks scope "report" (it has decide)',
      });
      expect(await unary(decision, 'Decide', ask, GATEWAY)).toMatchObject({
        verdict: 'ALLOW',
        breaker_state: 'CLOSED',
      });
      expect(await failure(unary(decision, 'Decide', ask, REPORTER))).toMatchObject({
        code: status.PERMISSION_DENIED,
      });
      // The credential made for reporting does report (and may open the breaker: its job).
      expect(
        await unary(decision, 'ReportOutcomes', { outcomes: forgedFailures }, REPORTER),
      ).toMatchObject({ accepted: 100 });
    });

    it('reading every rule through WatchRules needs the watch scope', async () => {
      const watch = client(Watch);
      expect(await failure(firstWatchEvent(watch, GATEWAY))).toMatchObject({
        code: status.PERMISSION_DENIED,
      });
      expect(await failure(firstWatchEvent(watch))).toMatchObject({
        code: status.UNAUTHENTICATED,
      });
      expect(await firstWatchEvent(watch, WATCHER)).toMatchObject({ type: 'PUT', snapshot: true });
    });

    it('Envoy’s ShouldRateLimit is a decision; health checks stay open; GRPC_TOKEN holds every scope', async () => {
      const rls = client(Rls);
      const ask = {
        domain: 'campus',
        descriptors: [
          {
            entries: [
              { key: 'department', value: 'victim' },
              { key: 'grade', value: '2023' },
            ],
          },
        ],
      };
      expect(await unary(rls, 'ShouldRateLimit', ask, GATEWAY)).toMatchObject({
        overall_code: expect.anything(),
      });
      expect(await failure(unary(rls, 'ShouldRateLimit', ask, WATCHER))).toMatchObject({
        code: status.PERMISSION_DENIED,
      });
      expect(await failure(unary(rls, 'ShouldRateLimit', ask, 'not-a-token'))).toMatchObject({
        code: status.UNAUTHENTICATED,
        details: 'unknown gRPC caller token: send metadata "authorization: Bearer <token>"',
      });
      expect(await unary(client(Health), 'Check', { service: '' })).toMatchObject({
        status: 'SERVING',
      });
      const decision = client(Decision);
      await unary(decision, 'Decide', { department: 'cs', grade: '2023' }, LEGACY);
      const outcome = { department: 'cs', grade: '2023', success: true, latency_ms: 1 };
      expect(
        await unary(decision, 'ReportOutcomes', { outcomes: [outcome] }, LEGACY),
      ).toMatchObject({ ignored_no_rule: 1 });
      expect(await firstWatchEvent(client(Watch), LEGACY)).toHaveProperty('type');
    });

    it('docker-compose publishes ports on loopback only and commits no token', () => {
      const compose = readFileSync('docker-compose.yml', 'utf8');
      const published = [...compose.matchAll(/^\s*ports:\s*\[(.*)\]/gm)].flatMap((m) =>
        m[1].split(',').map((p) => p.trim().replace(/"/g, '')),
      );
      expect(published.length).toBeGreaterThanOrEqual(2);
      for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:/);
      expect(compose).not.toMatch(/dev-(admin|editor|viewer)-token/);
      expect(compose).toMatch(/AUTH_TOKENS: "\$\{RC_AUTH_TOKENS:\?/);
      expect(compose).toMatch(/GRPC_TOKENS: "\$\{RC_GRPC_TOKENS:\?/);
    });
  });

  describe('8. TLS: forward secrecy and AEAD only, client certificates, etcd over TLS', () => {
    let rc: Instance;
    let mutual: Instance;

    beforeAll(async () => {
      rc = await startInstance(stack.etcd.endpoint, stack.redis.url, {
        TLS_CERT_FILE: pki.serverCert,
        TLS_KEY_FILE: pki.serverKey,
        GRPC_TOKEN: LEGACY,
      });
      mutual = await startInstance(stack.etcd.endpoint, stack.redis.url, {
        TLS_CERT_FILE: pki.serverCert,
        TLS_KEY_FILE: pki.serverKey,
        HTTP_CLIENT_CA_FILE: pki.caFile,
      });
    });
    afterAll(async () => {
      await rc.close();
      await mutual.close();
    });

    it.each([
      ['AES128-SHA', 'static RSA key exchange, CBC'],
      ['AES256-SHA256', 'static RSA key exchange, CBC'],
      ['ECDHE-RSA-AES128-SHA', 'CBC'],
      ['ECDHE-RSA-AES256-SHA384', 'CBC'],
    ])('refuses TLS 1.2 with %s (%s) on REST and gRPC', async (cipher) => {
      const weak = { maxVersion: 'TLSv1.2', ciphers: cipher };
      expect(await handshake(rc.app.getHttpServer().address().port, pki.ca, weak)).toBe('refused');
      expect(await handshake(rc.grpcPort, pki.ca, weak)).toBe('refused');
    });

    it('refuses TLS 1.1 and accepts ECDHE + AEAD on TLS 1.2 and TLS 1.3', async () => {
      const httpPort = rc.app.getHttpServer().address().port;
      for (const port of [httpPort, rc.grpcPort]) {
        expect(
          await handshake(port, pki.ca, {
            minVersion: 'TLSv1',
            maxVersion: 'TLSv1.1',
            ciphers: 'DEFAULT@SECLEVEL=0',
          }),
        ).toBe('refused');
        expect(
          await handshake(port, pki.ca, {
            maxVersion: 'TLSv1.2',
            ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
          }),
        ).toBe('TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256');
        expect(
          await handshake(port, pki.ca, {
            maxVersion: 'TLSv1.2',
            ciphers: 'ECDHE-RSA-CHACHA20-POLY1305',
          }),
        ).toBe('TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305');
        expect(await handshake(port, pki.ca, {})).toMatch(/^TLSv1\.3 TLS_/);
      }
    });

    it('HTTP_CLIENT_CA_FILE makes REST require a client certificate', async () => {
      const port = mutual.app.getHttpServer().address().port;
      expect(await handshake(port, pki.ca, { maxVersion: 'TLSv1.2' })).toBe('refused');
      const anonymous = await request(mutual.app.getHttpServer())
        .get('/api/v1/rules')
        .ca(pki.ca)
        .set('Authorization', bearer('viewer'))
        .then(
          (r) => r.status,
          (e: NodeJS.ErrnoException) => e.code ?? 'failed',
        );
      expect(anonymous).not.toBe(200);
      const withCert = await request(mutual.app.getHttpServer())
        .get('/api/v1/rules')
        .ca(pki.ca)
        .cert(pki.clientCert)
        .key(pki.clientKey)
        .set('Authorization', bearer('viewer'));
      expect(withCert.status).toBe(200);
    });

    it('warns at boot when the etcd password would travel in clear text', async () => {
      const { root, lines, text } = capturedLogs();
      const config = loadConfig({
        ETCD_ENDPOINTS: stack.etcd.endpoint,
        REDIS_URL: stack.redis.url,
        GRPC_HOST: '127.0.0.1',
        ETCD_USERNAME: 'root',
        ETCD_PASSWORD: 'etcd-password',
      });
      const app = await createApp(config, root);
      await app.close();
      const warning = lines.find((l) => l.component === 'config');
      expect(warning).toMatchObject({
        level: 40,
        msg: 'ETCD_PASSWORD is sent to etcd in clear text over http:// endpoints; use https:// endpoints (and ETCD_CA_FILE)',
      });
      expect(text()).not.toContain('etcd-password');
    });

    it('talks to an etcd that speaks only TLS and wants a client certificate', async () => {
      const secure = await EtcdServer.start({
        cert: pki.serverCert,
        key: pki.serverKey,
        ca: pki.caFile,
        clientCert: pki.clientCertFile,
        clientKey: pki.clientKeyFile,
      });
      const tls = {
        ca: pki.ca,
        cert: readFileSync(pki.clientCertFile),
        key: readFileSync(pki.clientKeyFile),
      };
      const store = new EtcdConfigStore({
        endpoints: [secure.endpoint],
        prefix: '/rulecenter/v1/',
        requestTimeoutMs: 2000,
        tls,
      });
      let instance: Instance | undefined;
      try {
        await migrate(store, 'test');
        const plain = new EtcdConfigStore({
          endpoints: [secure.endpoint],
          prefix: '/rulecenter/v1/',
          requestTimeoutMs: 1000,
        });
        await expect(plain.get('meta/schema_version')).rejects.toThrow(/etcd is unavailable/);
        await plain.close();
        instance = await startInstance(secure.endpoint, stack.redis.url, {
          ETCD_CA_FILE: pki.caFile,
          ETCD_CERT_FILE: pki.clientCertFile,
          ETCD_KEY_FILE: pki.clientKeyFile,
        });
        const created = await instance
          .http()
          .post('/api/v1/rules')
          .set('Authorization', bearer('editor'))
          .send({ department: 'tls', grade: '2023', window: 'any', limit: { qps: 5 } });
        expect(created.status).toBe(201);
        expect(
          await secure.ctl('get', '/rulecenter/v1/rules/tls/2023/any', '--print-value-only'),
        ).toContain('"qps":5');
      } finally {
        await instance?.close();
        await store.close();
        await secure.destroy();
      }
    });
  });

  describe('9. exposure: ops endpoints on their own listener, headers, quiet readiness', () => {
    let rc: Instance;
    let opsPort: number;
    const ops = () => request(`http://127.0.0.1:${opsPort}`);

    beforeAll(async () => {
      opsPort = await freePort();
      rc = await startInstance(stack.etcd.endpoint, stack.redis.url, {
        OPS_HOST: '127.0.0.1',
        OPS_PORT: String(opsPort),
      });
    });
    afterAll(() => rc.close());

    it('serves /metrics, /readyz, /healthz and the docs only on OPS_PORT', async () => {
      for (const path of ['/metrics', '/readyz', '/healthz', '/api/docs', '/api/docs-json']) {
        const onMain = await rc.http().get(path);
        expect([path, onMain.status]).toEqual([path, 404]);
        expect(onMain.body.message).toBe(`Cannot GET ${path}`);
      }
      expect((await ops().get('/metrics')).text).toContain('rulecenter_decisions_total');
      expect((await ops().get('/readyz')).status).toBe(200);
      expect((await ops().get('/healthz')).body).toEqual({ status: 'ok' });
      expect((await ops().get('/api/docs')).text).toContain('swagger-ui');
      expect((await ops().get('/api/v1/rules').set('Authorization', bearer('viewer'))).status).toBe(
        404,
      );
      expect(
        (await rc.http().get('/api/v1/rules').set('Authorization', bearer('viewer'))).status,
      ).toBe(200);
    });

    it('answers with nosniff, no framing and a Content-Security-Policy', async () => {
      for (const res of [
        await rc.http().get('/api/v1/rules').set('Authorization', bearer('viewer')),
        await rc.http().get('/api/v1/rules'),
        await rc.http().get('/nowhere'),
      ]) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['content-security-policy']).toContain("default-src 'none'");
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      }
      const docs = await ops().get('/api/docs');
      expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
      expect(docs.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      // Swagger UI's page loads only its own scripts: the policy above does not break it.
      expect(docs.text).not.toMatch(/<script>(?!\s*<\/script>)/);
    });
  });

  describe('9. a failing /readyz (no OPS_PORT: where it is today)', () => {
    let rc: Instance;
    const { root, lines } = capturedLogs();

    beforeAll(async () => {
      rc = await startInstance(stack.etcd.endpoint, stack.redis.url, {}, root);
    });
    afterAll(() => rc.close());

    it('is logged once per change, as a warning, never as an unhandled error with a stack', async () => {
      await waitFor(
        'strictly ready',
        async () => (await rc.http().get('/readyz?strict=true')).status === 200,
        5000,
        50,
      );
      rc.app.get(ReadinessService).markShuttingDown();
      for (let i = 0; i < 5; i++) expect((await rc.http().get('/readyz')).status).toBe(503);
      expect(lines.filter((l) => /unhandled/.test(String(l.msg)))).toEqual([]);
      expect(lines.filter((l) => l.err !== undefined && l.component === 'http')).toEqual([]);
      await waitFor('the log line', () => lines.some((l) => l.msg === 'instance not ready'), 2000);
      const notReady = lines.filter((l) => l.msg === 'instance not ready');
      expect(notReady).toHaveLength(1);
      expect(notReady[0]).toMatchObject({ level: 40, component: 'readiness' });
      expect(JSON.stringify(notReady[0].problems)).toContain('shutting down');
    });
  });

  describe('10. supply chain', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));

    it('the lockfile pins every package by sha512 from the npm registry, with reviewed install scripts', () => {
      expect(checkLockfile(lock)).toEqual([]);
      expect(lock.packages['node_modules/etcd3'].version).toBe('1.1.2');
      expect(lock.packages['node_modules/etcd3/node_modules/@grpc/proto-loader'].version).toMatch(
        /^0\.7\./,
      );
      expect(Object.keys(POLICY.toleratedDuplicates)).toEqual([
        `@grpc/proto-loader@${lock.packages['node_modules/etcd3/node_modules/@grpc/proto-loader'].version}`,
      ]);
    });

    it('flags a git dependency, a missing hash, an unreviewed install script and a new duplicate', () => {
      const doctored = structuredClone(lock);
      doctored.packages['node_modules/left-pad'] = {
        version: '1.3.0',
        resolved: 'git+ssh://git@example.invalid/left-pad.git#abc',
        integrity: 'sha1-deadbeef',
        hasInstallScript: true,
      };
      doctored.packages['node_modules/some/node_modules/@grpc/grpc-js'] = {
        version: '1.8.0',
        integrity: 'sha512-x',
      };
      expect(checkLockfile(doctored)).toEqual([
        'left-pad@1.3.0: no sha512 integrity hash in the lockfile',
        'left-pad@1.3.0: resolved from git+ssh://git@example.invalid/left-pad.git#abc, not from https://registry.npmjs.org/',
        'left-pad@1.3.0: has an install script that nobody reviewed (see scripts/lib/lockfile-policy.ts)',
        expect.stringMatching(/^@grpc\/grpc-js is installed 2 times/),
      ]);
    });
  });
});
