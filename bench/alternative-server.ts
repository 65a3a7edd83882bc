/**
 * The usual alternative (BENCHMARKS.md, "Side by side"): a bare @grpc/grpc-js server whose Decide
 * handler uses rate-limiter-flexible with the same limit — what a Node team would build instead of
 * adopting the Rule Center (limits in code, no rules, no breakers). Requests for department
 * "bursty" go through its BurstyRateLimiter (a fixed window backed by a second, longer one, which
 * it asks only when the first refuses); every other request through RateLimiterRedis (a fixed
 * window: one Lua call of SET NX + INCRBY + PTTL).
 * Usage: node -r ts-node/register/transpile-only bench/alternative-server.ts <grpcPort> <redisUrl>
 */
import { Server, ServerCredentials, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import Redis from 'ioredis';
import { BurstyRateLimiter, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { loadService } from '../src/transport/grpc/proto';

const [port, redisUrl] = process.argv.slice(2);
const redis = new Redis(redisUrl, {
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  commandTimeout: 1000,
});
const fixed = (keyPrefix: string, points: number, duration: number) =>
  new RateLimiterRedis({ storeClient: redis, points, duration, keyPrefix });
const plain = fixed('alt', 100_000, 1);
const bursty = new BurstyRateLimiter(fixed('alt-b', 100_000, 1), fixed('alt-burst', 200_000, 10));

const server = new Server();
server.addService(
  loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService').service,
  {
    Decide(
      call: ServerUnaryCall<{ department?: string; grade?: string }, unknown>,
      callback: sendUnaryData<unknown>,
    ) {
      const { department, grade } = call.request;
      const limiter = department === 'bursty' ? bursty : plain;
      limiter.consume(`${department}/${grade}`).then(
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
