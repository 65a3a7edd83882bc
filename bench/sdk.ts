/**
 * Issue 13's bar: decisions per second and server CPU per decision for unary Decide, DecideBatch
 * (10 per call) and DecideStream, the first and last through the Node SDK, against one instance
 * built from dist/, the same generator process (bench/sdk-worker.ts), rounds interleaved so drift
 * on a shared machine hits every transport alike. Then p50/p99 of a decision through the SDK at
 * 1,000/s (open loop). The instance is pinned to CPU 0, the generator, Redis and etcd to CPU 1
 * (`taskset`), so they do not queue for one core. Prints Markdown tables.
 *
 *   npm run bench:sdk                  (about 2 minutes)
 *   npm run bench:sdk -- --quick       (a smoke run: short rounds)
 */
import { BENCH_RULE, createRule, fmt, pinToCpu, runGenerator, startCluster } from './lib/cluster';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 3;
const RUN_MS = quick ? 1500 : 5000;
const CONCURRENCY = 64;
const REQUEST = { department: 'bench', grade: '2023', resource: 'enroll' };

interface Result {
  decisions: number;
  fallbacks: number;
  errors: number;
  elapsedMs: number;
  p50: number;
  p99: number;
}

/** bench/sdk-worker.ts on CPU 1 (the instance is on CPU 0). */
const worker = (job: Record<string, unknown>): Promise<Result> =>
  runGenerator<Result>('bench/sdk-worker.ts', job, 1);

async function main(): Promise<void> {
  const cluster = await startCluster(1, { MAX_IN_FLIGHT: '10000' });
  try {
    await createRule(cluster, BENCH_RULE);
    const instance = cluster.instances[0];
    pinToCpu(instance.process.pid, 0);
    for (const side of [cluster.redis.pid, cluster.etcd.pid]) pinToCpu(side, 1);
    const base = { port: instance.grpcPort, request: REQUEST, batch: 10, concurrency: CONCURRENCY };
    const transports = ['unary', 'batch', 'stream'] as const;
    const totals = new Map(
      transports.map((t) => [t, { decisions: 0, ms: 0, cpu: 0, fallbacks: 0 }]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (const transport of transports) {
        // A batch call carries 10 decisions: fewer calls in flight for the same decisions.
        const concurrency = transport === 'batch' ? CONCURRENCY / 10 : CONCURRENCY;
        const cpuBefore = instance.cpuSeconds();
        const r = await worker({
          ...base,
          transport,
          concurrency,
          mode: 'saturate',
          durationMs: RUN_MS,
        });
        const total = totals.get(transport)!;
        total.cpu += instance.cpuSeconds() - cpuBefore;
        total.decisions += r.decisions;
        total.ms += r.elapsedMs;
        total.fallbacks += r.fallbacks + r.errors;
      }
    }
    console.log(
      `\n### Throughput, one instance, ${ROUNDS} interleaved rounds of ${RUN_MS / 1000} s\n`,
    );
    console.log(
      '| transport | decisions/s | server CPU ms per 1,000 decisions | decisions per server CPU second | fallbacks + errors |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: |');
    const unaryPerCpu = perCpu(totals.get('unary')!);
    for (const t of transports) {
      const x = totals.get(t)!;
      const label = {
        unary: 'Decide (SDK, unary)',
        batch: 'DecideBatch ×10 (grpc-js)',
        stream: 'DecideStream (SDK)',
      }[t];
      console.log(
        `| ${label} | ${fmt((x.decisions * 1000) / x.ms, 0)} | ${fmt((x.cpu * 1e6) / x.decisions, 1)} | ${fmt(perCpu(x), 0)} (${fmt(perCpu(x) / unaryPerCpu, 1)}×) | ${x.fallbacks} |`,
      );
    }
    console.log('\n### Latency through the SDK at 1,000 decisions/s (open loop)\n');
    console.log('| transport | p50 ms | p99 ms |');
    console.log('| --- | ---: | ---: |');
    for (const transport of ['unary', 'stream'] as const) {
      const r = await worker({ ...base, transport, mode: 'rate', rate: 1000, durationMs: RUN_MS });
      console.log(`| ${transport} | ${fmt(r.p50)} | ${fmt(r.p99)} |`);
    }
  } finally {
    await cluster.stop();
  }
}

const perCpu = (x: { decisions: number; cpu: number }) => x.decisions / Math.max(1e-9, x.cpu);

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
