/**
 * One "instance" of the accuracy benchmark (bench/accuracy.ts), in its own process: the same
 * Redis adapter an instance uses, calling the counting script on an open-loop schedule (calls are
 * sent on time, not after the previous answer) and printing, as JSON, every answer's Redis time
 * and verdict. Patterns: `steady` (evenly spaced) and `boundary` (bursts just before and just after
 * each window boundary of the Redis clock: the worst case of the bucketed algorithms).
 */
import Redis from 'ioredis';
import { RedisCounterStore } from '../../src/adapters/redis/redis-counter.store';
import { CountPlan } from '../../src/domain/decision';
import { LimitAlgorithm } from '../../src/domain/rule';

export interface AccuracyJob {
  redisUrl: string;
  rule: string;
  algorithm: LimitAlgorithm;
  /** Window budget (windowed algorithms) or bucket capacity (token bucket). */
  limit: number;
  windowMs: number;
  qps: number;
  /** Calls per second this worker sends. */
  rate: number;
  durationMs: number;
  pattern: 'steady' | 'boundary';
}

export interface AccuracySample {
  /** Redis time of the decision, µs. */
  atUs: number;
  admitted: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as AccuracyJob;
  const store = new RedisCounterStore({
    url: job.redisUrl,
    clusterNodes: [],
    timeoutMs: 2000,
    keyPrefix: 'acc:',
  });
  const raw = new Redis(job.redisUrl);
  const [seconds, micros] = await raw.time();
  // Redis clock minus ours, so bursts can be aimed at Redis's window boundaries.
  const offsetMs = Number(seconds) * 1000 + Number(micros) / 1000 - Date.now();
  raw.disconnect();
  const plan: CountPlan = {
    rule: job.rule,
    client: '',
    scope: job.rule,
    algorithm: job.algorithm,
    hits: 1,
    limit: job.limit,
    windowMs: job.windowMs,
    refillPerMs: job.qps / 1000,
    overdraft: 0,
    breaker: { mode: 'disabled', openMs: 0, halfOpenMaxCalls: 0 },
  };
  const samples: AccuracySample[] = [];
  const pending: Promise<void>[] = [];
  const send = () =>
    pending.push(
      store.consume(plan).then(
        (r) => void samples.push({ atUs: r.atUs ?? 0, admitted: r.admitted }),
        () => undefined,
      ),
    );
  const start = Date.now();
  if (job.pattern === 'steady') {
    const every = 1000 / job.rate;
    for (let i = 0; Date.now() - start < job.durationMs; i++) {
      await sleep(start + i * every - Date.now());
      send();
    }
  } else {
    // Per window, the calls of a window's share, half in the 50 ms before a boundary and half in
    // the 50 ms after it.
    const perWindow = Math.round((job.rate * job.windowMs) / 1000);
    const redisNow = () => Date.now() + offsetMs;
    let boundary = Math.ceil(redisNow() / job.windowMs) * job.windowMs + job.windowMs;
    while (Date.now() - start < job.durationMs) {
      const from = boundary - 50;
      for (let i = 0; i < perWindow; i++) {
        await sleep(from + (i * 100) / perWindow - redisNow());
        send();
      }
      boundary += job.windowMs;
    }
  }
  await Promise.all(pending);
  await store.close();
  process.stdout.write(JSON.stringify(samples));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
