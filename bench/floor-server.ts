/**
 * The floor (BENCHMARKS.md, "Side by side"): a bare @grpc/grpc-js server whose Decide handler runs the same
 * sliding-window script once per call through the same Redis adapter, with no rule lookup,
 * validation, metrics or framework. What this design cannot beat on this machine.
 * Usage: node -r ts-node/register/transpile-only bench/floor-server.ts <grpcPort> <redisUrl>
 */
import { Server, ServerCredentials, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { RedisCounterStore } from '../src/adapters/redis/redis-counter.store';
import { loadService } from '../src/transport/grpc/proto';

const [port, redisUrl] = process.argv.slice(2);
const counters = new RedisCounterStore({
  url: redisUrl,
  clusterNodes: [],
  timeoutMs: 1000,
  keyPrefix: 'floor:',
});
const plan = {
  rule: 'floor/1/any',
  client: '',
  breaker: { mode: 'disabled' as const, openMs: 0, halfOpenMaxCalls: 0 },
  scope: 'floor/1/any',
  algorithm: 'sliding_window' as const,
  hits: 1,
  limit: 10_000_000,
  windowMs: 1000,
  refillPerMs: 0,
  overdraft: 0,
};

const server = new Server();
server.addService(
  loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService').service,
  {
    Decide(_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      counters.consume(plan).then(
        (r) =>
          callback(null, {
            verdict: r.admitted ? 'ALLOW' : 'REJECT',
            reason: 'OK',
            remaining: r.remaining,
          }),
        (e: Error) => callback({ code: 14, details: e.message }),
      );
    },
    DecideBatch(_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      callback(null, { responses: [] });
    },
  },
);
server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error) => {
  if (error) throw error;
  process.stdout.write('ready\n');
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
