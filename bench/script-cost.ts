/**
 * Redis-side cost of one decision per algorithm, admitted and rejected: runs each script 10,000
 * times through the real adapter against a fresh Redis and prints Redis's own usec_per_call for
 * EVALSHA and the commands per call. Deterministic enough to compare script versions.
 *
 *   npx ts-node --transpile-only bench/script-cost.ts
 */
import Redis from 'ioredis';
import { RedisCounterStore } from '../src/adapters/redis/redis-counter.store';
import { CountPlan } from '../src/domain/decision';
import { LIMIT_ALGORITHMS, LimitAlgorithm } from '../src/domain/rule';
import { RedisServer } from '../test/support/redis-server';
import { waitFor } from '../test/support/ports';

async function main(): Promise<void> {
  const server = await RedisServer.start();
  const store = new RedisCounterStore({
    url: server.url,
    clusterNodes: [],
    timeoutMs: 1000,
    keyPrefix: 'rc:',
  });
  const raw = new Redis(server.url);
  await waitFor('connected', () =>
    store.ping().then(
      () => true,
      () => false,
    ),
  );
  const plan = (algorithm: LimitAlgorithm, limit: number): CountPlan => ({
    rule: `${algorithm}/b/c`,
    client: '',
    scope: `${algorithm}/b/c`,
    algorithm,
    hits: 1,
    limit,
    windowMs: 1000,
    refillPerMs: limit / 1000,
    overdraft: 0,
    breaker: { mode: 'disabled', openMs: 0, halfOpenMaxCalls: 0 },
  });
  console.log(
    "| algorithm | calls | Redis µs per call (EVALSHA, Redis's own) | Redis commands per call |",
  );
  console.log('| --- | --- | --- | --- |');
  // Admitted: a limit nobody reaches; rejected: a limit of 1 used up by the first call.
  for (const [label, limit] of [
    ['admitted', 1e7],
    ['rejected', 1],
  ] as const) {
    for (const algorithm of LIMIT_ALGORITHMS) {
      await raw.flushall();
      await store.consume(plan(algorithm, limit));
      await raw.config('RESETSTAT');
      const rounds = 500;
      for (let i = 0; i < rounds; i++)
        await Promise.all(Array.from({ length: 20 }, () => store.consume(plan(algorithm, limit))));
      const stats = await raw.info('commandstats');
      const evalsha = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(stats);
      let all = 0;
      for (const m of stats.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm))
        if (m[1] !== 'info' && m[1] !== 'config|resetstat' && m[1] !== 'ping') all += Number(m[2]);
      const calls = Number(evalsha?.[1] ?? 0);
      console.log(
        `| ${algorithm}, ${label} | ${calls} | ${(Number(evalsha?.[2]) / calls).toFixed(2)} | ${(all / calls).toFixed(2)} |`,
      );
    }
  }
  raw.disconnect();
  await store.close();
  await server.stop();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
