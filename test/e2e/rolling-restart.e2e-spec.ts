import { ServiceError, credentials } from '@grpc/grpc-js';
import { loadService } from '../../src/transport/grpc/proto';
import { Instance, bearer, startInstance } from '../support/app-instance';
import { sleep, waitFor } from '../support/ports';
import { useStack } from '../support/stack';

type Unary = (req: object, cb: (e: ServiceError | null, r: { verdict?: string }) => void) => void;

describe('fault drill: rolling restart of two instances under load (SIGTERM drain)', () => {
  const stack = useStack();

  it('fails no call at a round-robin client while each instance in turn drains and restarts', async () => {
    let a: Instance = await startInstance(stack.etcd.endpoint, stack.redis.url);
    let b: Instance = await startInstance(stack.etcd.endpoint, stack.redis.url);
    const ports = [a.grpcPort, b.grpcPort];
    await a
      .http()
      .post('/api/v1/rules')
      .set('Authorization', bearer('editor'))
      .send({ department: 'rr', grade: '2023', window: 'any', limit: { qps: 100_000 } })
      .expect(201);
    await waitFor(
      'B has the rule',
      async () =>
        (await b.http().get('/api/v1/rules/rr/2023/any').set('Authorization', bearer('viewer')))
          .status === 200,
    );

    const Service = loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService');
    const client = new Service(
      `ipv4:${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
      credentials.createInsecure(),
      {
        'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
        // Reconnect to a restarted instance quickly (the default first backoff is 1 s).
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 500,
      },
    ) as unknown as { Decide: Unary; close(): void };
    let ok = 0;
    const failures: string[] = [];
    let running = true;
    const loop = async () => {
      while (running) {
        await new Promise<void>((resolve) =>
          client.Decide({ department: 'rr', grade: '2023' }, (e, r) => {
            if (e) failures.push(`${e.code}: ${e.details}`);
            else if (r.verdict === 'ALLOW') ok++;
            resolve();
          }),
        );
      }
    };
    const loops = Array.from({ length: 8 }, loop);

    // As an orchestrator does: stop one instance (SIGTERM drain), start its replacement, wait
    // until it serves traffic again, then the next.
    const decisionsOf = async (instance: Instance) => {
      const text = (await instance.http().get('/metrics')).text;
      return [...text.matchAll(/^rulecenter_decisions_total\{[^}]*\} (\d+)/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    };
    await sleep(300);
    await a.close(); // what SIGTERM runs: not ready, drain gRPC, release etcd and Redis
    a = await startInstance(stack.etcd.endpoint, stack.redis.url, { GRPC_PORT: String(ports[0]) });
    await waitFor('the new A to serve', async () => (await decisionsOf(a)) > 20, 10_000, 50);
    await b.close();
    b = await startInstance(stack.etcd.endpoint, stack.redis.url, { GRPC_PORT: String(ports[1]) });
    await waitFor('the new B to serve', async () => (await decisionsOf(b)) > 20, 10_000, 50);
    running = false;
    await Promise.all(loops);
    client.close();
    await a.close();
    await b.close();

    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(200);
  }, 60_000);
});
