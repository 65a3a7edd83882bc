import { Metadata, ServiceError, credentials, status } from '@grpc/grpc-js';
import request from 'supertest';
import { loadService } from '../../src/transport/grpc/proto';
import { EtcdServer } from '../support/etcd-server';
import { RedisServer } from '../support/redis-server';
import { makeTestPki } from '../support/certificates';
import { Instance, bearer, migrateEtcd, startInstance } from '../support/app-instance';

type Unary = (
  req: object,
  metadata: Metadata,
  cb: (e: ServiceError | null, r: { verdict?: string; status?: string }) => void,
) => void;
const GRPC_TOKEN = 'gateway-shared-token-0123456789abcdef0123';

describe('security (e2e): TLS and mTLS, gRPC caller token, login limiter', () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  let rc: Instance;
  const pki = makeTestPki();
  const Decision = loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService');
  const Health = loadService('grpc/health/v1/health.proto', 'grpc.health.v1.Health');
  const call = (fn: Unary, req: object, metadata = new Metadata()) =>
    new Promise<{ verdict?: string; status?: string }>((resolve, reject) =>
      fn(req, metadata, (e, r) => (e ? reject(e) : resolve(r))),
    );
  const withToken = () => {
    const m = new Metadata();
    m.set('authorization', `Bearer ${GRPC_TOKEN}`);
    return m;
  };

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    redis = await RedisServer.start();
    await migrateEtcd(etcd.endpoint);
    rc = await startInstance(etcd.endpoint, redis.url, {
      TLS_CERT_FILE: pki.serverCert,
      TLS_KEY_FILE: pki.serverKey,
      GRPC_CLIENT_CA_FILE: pki.caFile,
      GRPC_TOKEN,
      AUTH_FAILURES_PER_MINUTE: '3',
    });
  });
  afterAll(async () => {
    await rc.close();
    await etcd.destroy();
    await redis.stop();
  });

  it('serves REST over TLS', async () => {
    const res = await request(rc.app.getHttpServer()).get('/healthz').ca(pki.ca);
    expect(res.status).toBe(200);
  });

  it('requires a client certificate and the caller token on gRPC, but not for health checks', async () => {
    const mtls = credentials.createSsl(pki.ca, pki.clientKey, pki.clientCert);
    const client = new Decision(`127.0.0.1:${rc.grpcPort}`, mtls) as unknown as {
      Decide: Unary;
      close(): void;
    };
    const decide = client.Decide.bind(client);
    expect((await call(decide, { department: 'cs', grade: '2023' }, withToken())).verdict).toBe(
      'ALLOW',
    );
    const noToken = await call(decide, { department: 'cs', grade: '2023' }).catch(
      (e: ServiceError) => e,
    );
    expect(noToken).toMatchObject({ code: status.UNAUTHENTICATED });
    expect((noToken as ServiceError).details).toMatch(/caller token/);
    const health = new Health(`127.0.0.1:${rc.grpcPort}`, mtls) as unknown as {
      Check: Unary;
      close(): void;
    };
    expect((await call(health.Check.bind(health), { service: '' })).status).toMatch(/SERVING/);
    client.close();
    health.close();

    const noCert = new Decision(
      `127.0.0.1:${rc.grpcPort}`,
      credentials.createSsl(pki.ca),
    ) as unknown as { Decide: Unary; close(): void };
    const refused = await call(
      noCert.Decide.bind(noCert),
      { department: 'cs', grade: '2023' },
      withToken(),
    ).catch((e: ServiceError) => e);
    expect((refused as ServiceError).code).toBe(status.UNAVAILABLE);
    noCert.close();
  });

  it('answers 429 after too many failed logins from one address, but never to a right token', async () => {
    const http = () => request(rc.app.getHttpServer());
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await http().get('/api/v1/rules').ca(pki.ca).set('Authorization', 'Bearer wrong-token-xx'))
          .status,
      );
    expect(statuses).toEqual([401, 401, 401, 429]);
    const right = await http()
      .get('/api/v1/rules')
      .ca(pki.ca)
      .set('Authorization', bearer('viewer'));
    expect(right.status).toBe(200);
    const wrong = await http()
      .get('/api/v1/rules')
      .ca(pki.ca)
      .set('Authorization', 'Bearer wrong-token-xx');
    expect(wrong.status).toBe(429);
    expect(wrong.body.message).toBe('too many failed logins from this address; wait a minute');
    expect((await http().get('/healthz').ca(pki.ca)).status).toBe(200);
  });
});
