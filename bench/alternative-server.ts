/**
 * The usual alternative (BENCHMARKS.md, "Side by side"): a bare @grpc/grpc-js server whose Decide handler uses
 * rate-limiter-flexible's RateLimiterRedis with the same limit — what a Node team would build
 * instead of adopting the Rule Center (fixed windows, limits in code, no rules, no breakers).
 * Usage: node -r ts-node/register/transpile-only bench/alternative-server.ts <grpcPort> <redisUrl>
 */
import { Server, ServerCredentials, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { loadService } from '../src/transport/grpc/proto';

const [port, redisUrl] = process.argv.slice(2);
const redis = new Redis(redisUrl, {
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  commandTimeout: 1000,
});
const limiter = new RateLimiterRedis({
  storeClient: redis,
  points: 10_000_000,
  duration: 1,
  keyPrefix: 'alt',
});

const server = new Server();
server.addService(
  loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService').service,
  {
    Decide(
      call: ServerUnaryCall<{ department?: string; grade?: string }, unknown>,
      callback: sendUnaryData<unknown>,
    ) {
      limiter.consume(`${call.request.department}/${call.request.grade}`).then(
        (r: RateLimiterRes) =>
          callback(null, { verdict: 'ALLOW', reason: 'OK', remaining: r.remainingPoints }),
        (r: unknown) =>
          r instanceof RateLimiterRes
            ? callback(null, {
                verdict: 'REJECT',
                reason: 'RATE_LIMITED',
                retry_after_ms: r.msBeforeNext,
              })
            : callback({ code: 14, details: String(r) }),
      );
    },
    DecideBatch(_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      callback(null, { responses: [] });
    },
  },
);
redis.once('ready', () =>
  server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error) => {
    if (error) throw error;
    process.stdout.write('ready\n');
  }),
);
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
