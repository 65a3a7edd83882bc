/**
 * The floor (BENCHMARKS.md, "Side by side"): a bare @grpc/grpc-js server whose Decide handler runs the same
 * counting script once per call through the same Redis adapter, with no rule lookup, validation,
 * metrics or framework. What this design cannot beat on this machine. The algorithm is the
 * request's department when it names one (e.g. "sliding_window_counter"), else the exact log.
 * Usage: node -r ts-node/register/transpile-only bench/floor-server.ts <grpcPort> <redisUrl>
 */
import { Server, ServerCredentials, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { RedisCounterStore } from '../src/adapters/redis/redis-counter.store';
import { CountPlan } from '../src/domain/decision';
import { LIMIT_ALGORITHMS, LimitAlgorithm } from '../src/domain/rule';
import { loadService } from '../src/transport/grpc/proto';

const [port, redisUrl] = process.argv.slice(2);
const counters = new RedisCounterStore({
  url: redisUrl,
  clusterNodes: [],
  timeoutMs: 1000,
  keyPrefix: 'floor:',
});
/** The same limit as the benchmark rule: 100,000 per second (bucket of 100,000 for token_bucket). */
const planFor = (algorithm: LimitAlgorithm): CountPlan => ({
  rule: `floor/${algorithm}/any`,
  client: '',
  breaker: { mode: 'disabled', openMs: 0, halfOpenMaxCalls: 0 },
  scope: `floor/${algorithm}/any`,
  algorithm,
  hits: 1,
  limit: 100_000,
  windowMs: 1000,
  refillPerMs: 100,
  overdraft: 0,
});
const plans = new Map(LIMIT_ALGORITHMS.map((a) => [a as string, planFor(a)]));
const exact = planFor('sliding_window');

const server = new Server();
server.addService(
  loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService').service,
  {
    Decide(
      call: ServerUnaryCall<{ department?: string }, unknown>,
      callback: sendUnaryData<unknown>,
    ) {
      counters.consume(plans.get(call.request.department ?? '') ?? exact).then(
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
