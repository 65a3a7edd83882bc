/**
 * Side by side (issue 8): the Rule Center, the floor (bare grpc-js + the same sliding-window
 * script) and the usual alternative (bare grpc-js + rate-limiter-flexible's RateLimiterRedis),
 * against the same Redis, driven by the same load generator process. Then DecideBatch and Envoy
 * ShouldRateLimit with 10 items per call, and memory. Prints Markdown tables.
 *
 *   npm run bench:compare            (about 3 minutes)
 *   npm run bench:compare -- --quick
 */
import Redis from 'ioredis';
import { readFileSync } from 'node:fs';
import {
  BENCH_RULE,
  RuleCenterProcess,
  fmt,
  runWorker,
  startCluster,
  startReference,
} from './lib/cluster';

const quick = process.argv.includes('--quick');
const RUN_MS = quick ? 2000 : 5000;
const REQUEST = { department: 'bench', grade: '2023', resource: 'enroll' };

interface Row {
  server: string;
  load: string;
  throughput: number;
  p50: number;
  p99: number;
  p999: number;
  cpuPer10k: number;
  redisCallsPerDecision: number;
  redisCommandsPerDecision: number;
  generatorCpu: number;
}

/**
 * Redis's own counters: `calls` counts every command, also those run inside scripts; `roundTrips`
 * counts what clients sent (scripts, and the commands rate-limiter-flexible sends itself).
 */
async function commandStats(redis: Redis): Promise<{ calls: number; scripts: number }> {
  const text = await redis.info('commandstats');
  let calls = 0;
  let sent = 0;
  const stats = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) stats.set(m[1], Number(m[2]));
  for (const [name, n] of stats) {
    if (name === 'info' || name === 'keys' || name === 'memory|usage') continue;
    calls += n;
  }
  // Commands a client sends: EVALSHA/EVAL for scripts, and plain commands when no script ran them.
  const scripted = (stats.get('evalsha') ?? 0) + (stats.get('eval') ?? 0);
  sent = scripted > 0 ? scripted + (stats.get('ping') ?? 0) : calls;
  return { calls, scripts: sent };
}

async function measure(
  server: string,
  target: RuleCenterProcess,
  redis: Redis,
  load: string,
  job: Record<string, unknown>,
  perCall = 1,
): Promise<Row> {
  const cpuBefore = target.cpuSeconds();
  const statsBefore = await commandStats(redis);
  const r = await runWorker({
    ports: [target.grpcPort],
    channels: 4,
    durationMs: RUN_MS,
    request: REQUEST,
    ...job,
  });
  const statsAfter = await commandStats(redis);
  const decisions = Math.max(1, r.calls * perCall);
  return {
    server,
    load,
    throughput: r.throughput * perCall,
    p50: r.p50,
    p99: r.p99,
    p999: r.p999,
    cpuPer10k: ((target.cpuSeconds() - cpuBefore) / decisions) * 10_000,
    redisCallsPerDecision: (statsAfter.scripts - statsBefore.scripts) / decisions,
    redisCommandsPerDecision: (statsAfter.calls - statsBefore.calls) / decisions,
    generatorCpu: r.generatorCpuPct,
  };
}

const printRows = (rows: Row[]) => {
  console.log(
    '| server | load | decisions/s | p50 ms | p99 ms | p99.9 ms | server CPU s / 10k decisions | Redis calls / decision | Redis commands / decision (incl. inside scripts) | generator CPU % |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.server} | ${r.load} | ${fmt(r.throughput, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.p999)} | ${fmt(r.cpuPer10k)} | ${fmt(r.redisCallsPerDecision)} | ${fmt(r.redisCommandsPerDecision)} | ${fmt(r.generatorCpu, 0)} |`,
    );
  }
};

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const usedMemory = async (redis: Redis) =>
  Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);

type Rest = (path: string, method?: string, body?: unknown) => Promise<globalThis.Response>;

/** V8 heap in use (prom-client's default metric), after a moment for garbage to go. */
async function heapMb(rest: Rest): Promise<number> {
  await new Promise((r) => setTimeout(r, 2000));
  const text = await (await rest('/metrics')).text();
  return Number(/^nodejs_heap_size_used_bytes (\d+)/m.exec(text)?.[1] ?? NaN) / 1024 / 1024;
}

async function latencyTables(
  rc: RuleCenterProcess,
  floor: RuleCenterProcess,
  alternative: RuleCenterProcess,
  redis: Redis,
): Promise<void> {
  const loads: [string, Record<string, unknown>][] = [
    ['1,000/s', { mode: 'rate', rate: 1000 }],
    ['5,000/s', { mode: 'rate', rate: 5000 }],
    ['saturation (64 in flight)', { mode: 'saturate', concurrency: 64 }],
  ];
  const servers = [
    ['Rule Center', rc],
    ['floor: bare grpc-js + same script', floor],
    ['alternative: grpc-js + rate-limiter-flexible', alternative],
  ] as const;
  const rows: Row[] = [];
  for (const [name, target] of servers) {
    for (const [load, job] of loads) rows.push(await measure(name, target, redis, load, job));
  }
  console.log(`\n### Decide, side by side (${RUN_MS / 1000} s per row, loopback, one Redis)\n`);
  printRows(rows);
  const sat = (server: string) =>
    rows.find((r) => r.server.startsWith(server) && r.load.startsWith('saturation'))?.throughput ??
    NaN;
  console.log(
    `\nRule Center / floor at saturation: ${fmt((sat('Rule Center') / sat('floor')) * 100, 0)} %; Rule Center / alternative: ${fmt((sat('Rule Center') / sat('alternative')) * 100, 0)} %`,
  );
  console.log(`\n### Batches: 10 decisions per call, Rule Center (${RUN_MS / 1000} s per row)\n`);
  printRows([
    await measure(
      'Rule Center DecideBatch ×10',
      rc,
      redis,
      'saturation (16 calls in flight)',
      { mode: 'saturate', concurrency: 16, batch: 10 },
      10,
    ),
    await measure(
      'Rule Center ShouldRateLimit ×10 descriptors',
      rc,
      redis,
      'saturation (16 calls in flight)',
      { mode: 'saturate', concurrency: 16, rls: 10 },
      10,
    ),
  ]);
}

async function memoryTable(rest: Rest, rc: RuleCenterProcess, redis: Redis): Promise<void> {
  const pid = rc.process.pid ?? 0;
  const idle = rssMb(pid);
  const idleHeap = await heapMb(rest);
  for (let chunk = 0; chunk < 10; chunk++) {
    const rules = Array.from({ length: 1000 }, (_, i) => ({
      department: `m${chunk}x${i}`,
      grade: '2023',
      window: 'any',
      limit: { qps: 100 },
    }));
    const res = await rest('/api/v1/import', 'POST', { rules });
    if (res.status !== 200) throw new Error(`import answered ${res.status}: ${await res.text()}`);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const withRules = rssMb(pid);
  const withRulesHeap = await heapMb(rest);
  // A one-minute window keeps every client's keys alive through the run (keys expire after window + 1 s).
  await rest('/api/v1/rules', 'POST', {
    department: 'pc',
    grade: '2023',
    window: 'any',
    limit: { qps: 1, windowMs: 60_000, per: 'client' },
  });
  await rest('/api/v1/rules', 'POST', {
    department: 'tb',
    grade: '2023',
    window: 'any',
    limit: { qps: 1, burst: 60, per: 'client', algorithm: 'token_bucket' },
  });
  const before = await usedMemory(redis);
  await runWorker({
    mode: 'saturate',
    concurrency: 64,
    ports: [rc.grpcPort],
    channels: 4,
    durationMs: quick ? 8000 : 25_000,
    request: { department: 'pc', grade: '2023' },
    clientIds: 100_000,
  });
  const underLoad = rssMb(pid);
  const underLoadHeap = await heapMb(rest);
  const clients = (await redis.keys('rc:{pc/2023/any}:c:*:sw')).length;
  const after = await usedMemory(redis);
  await runWorker({
    mode: 'saturate',
    concurrency: 64,
    ports: [rc.grpcPort],
    channels: 4,
    durationMs: 1000,
    request: { department: 'tb', grade: '2023' },
    clientIds: 1000,
  });
  const sample = async (pattern: string) => {
    const [key] = await redis.keys(pattern);
    return key ? Number(await redis.memory('USAGE', key)) : NaN;
  };
  console.log('\n### Memory\n');
  console.log('| what | value |');
  console.log('| --- | --- |');
  console.log(
    `| Rule Center before loading more rules: RSS / V8 heap used | ${fmt(idle, 0)} / ${fmt(idleHeap, 0)} MiB |`,
  );
  console.log(
    `| Rule Center with 10,000 more rules loaded: RSS / V8 heap used | ${fmt(withRules, 0)} / ${fmt(withRulesHeap, 0)} MiB |`,
  );
  console.log(
    `| Rule Center after load over ${clients} distinct per-client keys: RSS / V8 heap used | ${fmt(underLoad, 0)} / ${fmt(underLoadHeap, 0)} MiB |`,
  );
  console.log(
    `| Redis: sliding window, one client with 1 admission (ZSET + meta hash, MEMORY USAGE) | ${(await sample('rc:{pc/2023/any}:c:*:sw')) + (await sample('rc:{pc/2023/any}:c:*:swm'))} bytes |`,
  );
  console.log(
    `| Redis: sliding window, used_memory growth per client over the run | ${fmt((after - before) / Math.max(1, clients), 0)} bytes |`,
  );
  console.log(
    `| Redis: token bucket, one client (hash, MEMORY USAGE) | ${await sample('rc:{tb/2023/any}:c:*:tb')} bytes |`,
  );
}

async function main(): Promise<void> {
  const cluster = await startCluster(1, { ETCD_MAX_TXN_OPS: '1024', MAX_BATCH: '1000' });
  const redis = new Redis(cluster.redis.url);
  const rc = cluster.instances[0];
  const floor = await startReference('bench/floor-server.ts', cluster.redis.url);
  const alternative = await startReference('bench/alternative-server.ts', cluster.redis.url);
  try {
    await cluster.rest('/api/v1/rules', 'POST', BENCH_RULE);
    if (!process.argv.includes('--memory-only')) await latencyTables(rc, floor, alternative, redis);
    await memoryTable(cluster.rest, rc, redis);
  } finally {
    redis.disconnect();
    floor.process.kill('SIGTERM');
    alternative.process.kill('SIGTERM');
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
