/**
 * Side by side (issues 8 and 14): the Rule Center with each counting algorithm, the floor (bare
 * grpc-js + the same counting script, exact log and counter) and the usual alternative (bare
 * grpc-js + rate-limiter-flexible's RateLimiterRedis and BurstyRateLimiter), against one Redis.
 *
 * Fair by construction: every server process is pinned to CPU 0, and Redis, etcd and the load
 * generator to CPU 1 (`taskset`); the generator is bench/h2-worker.ts (raw HTTP/2, pre-encoded
 * frames), not a grpc-js client; servers run in interleaved rounds (A B C … A B C …) so machine
 * drift lands in every server alike, and the tables give the median and spread over rounds.
 * Then DecideBatch and Envoy ShouldRateLimit with 10 items per call, and memory. Prints Markdown
 * tables and writes SVG plots to docs/bench/.
 *
 *   npm run bench:compare                  (about 9 minutes)
 *   npm run bench:compare -- --quick       (one short round)
 *   npm run bench:compare -- --rounds 5
 *   npm run bench:compare -- --memory-only
 */
import Redis from 'ioredis';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  BenchCluster,
  RuleCenterProcess,
  createRule,
  fmt,
  pinToCpu,
  runH2Worker,
  runWorker,
  startCluster,
  startReference,
} from './lib/cluster';
import { writePlot } from './lib/plot';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'memory-only': { type: 'boolean', default: false },
  },
  strict: true,
});
const quick = args.quick;
const ROUNDS = args.rounds === undefined ? (quick ? 1 : 3) : Number(args.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 20)
  throw new Error(`--rounds must be a whole number from 1 to 20; got "${args.rounds}"`);
const SATURATION_MS = quick ? 2000 : 5000;
const RATE_MS = quick ? 2000 : 4000;
/** Every server under test runs here … */
const SERVER_CPU = 0;
/** … and Redis, etcd and the load generator here. */
const SIDE_CPU = 1;
const LIMIT = { qps: 100_000, windowMs: 1000 };

interface Target {
  name: string;
  process: RuleCenterProcess;
  request: Record<string, unknown>;
}

/** Redis's own accounting: process CPU, and per-command call counts (also those inside scripts). */
interface RedisStats {
  cpuSeconds: number;
  calls: Map<string, number>;
}

const IGNORED_COMMANDS = new Set(['info', 'config|resetstat', 'keys', 'memory|usage', 'ping']);

async function redisStats(redis: Redis): Promise<RedisStats> {
  const cpu = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  const calls = new Map<string, number>();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm))
    if (!IGNORED_COMMANDS.has(m[1])) calls.set(m[1], Number(m[2]));
  return { cpuSeconds: field('used_cpu_user') + field('used_cpu_sys'), calls };
}

interface Sample {
  server: string;
  round: number;
  throughput: number;
  p50: number;
  p99: number;
  p999: number;
  lagP99: number;
  errors: number;
  serverCpuUs: number;
  redisCpuUs: number;
  redisCommands: number;
  commandMix: string;
  generatorCpu: number;
}

async function measure(
  target: Target,
  redis: Redis,
  round: number,
  job: Record<string, unknown>,
): Promise<Sample> {
  const cpuBefore = target.process.cpuSeconds();
  const before = await redisStats(redis);
  const r = await runH2Worker(
    { port: target.process.grpcPort, connections: 4, request: target.request, ...job },
    SIDE_CPU,
  );
  const after = await redisStats(redis);
  const decisions = Math.max(1, r.calls);
  const delta = [...after.calls].map(
    ([name, n]) => [name, n - (before.calls.get(name) ?? 0)] as const,
  );
  const commands = delta.reduce((sum, [, n]) => sum + n, 0);
  // The warm-up calls count in the server's CPU and in Redis too, not in `calls`.
  const served = decisions + (r.warmupCalls ?? 0);
  return {
    server: target.name,
    round,
    throughput: r.throughput,
    p50: r.p50,
    p99: r.p99,
    p999: r.p999,
    lagP99: r.lagP99,
    errors: r.errors,
    serverCpuUs: ((target.process.cpuSeconds() - cpuBefore) / served) * 1e6,
    redisCpuUs: ((after.cpuSeconds - before.cpuSeconds) / served) * 1e6,
    redisCommands: commands / served,
    commandMix: delta
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${fmt(n / served, 1)}`)
      .join(', '),
    generatorCpu: r.generatorCpuPct,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs: number[], digits = 2) =>
  xs.length > 1 ? `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}` : '-';

/** Each round starts one server later, so no server always runs first (or right after another). */
const inRoundOrder = <T>(items: T[], round: number): T[] => {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
};

async function saturation(targets: Target[], redis: Redis, baseline: string): Promise<void> {
  const samples: Sample[] = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const target of inRoundOrder(targets, round))
      samples.push(
        await measure(target, redis, round, {
          mode: 'saturate',
          concurrency: 64,
          durationMs: SATURATION_MS,
        }),
      );
  console.log(
    `\n### Saturation (64 in flight), ${ROUNDS} interleaved rounds of ${SATURATION_MS / 1000} s; servers on CPU ${SERVER_CPU}, Redis and generator on CPU ${SIDE_CPU}\n`,
  );
  console.log(
    `| server | decisions/s (median) | ÷ ${baseline} per round: median (spread) | server CPU µs / decision | Redis CPU µs / decision | Redis commands / decision | generator CPU % | errors |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const rows: Record<string, number | string>[] = [];
  for (const target of targets) {
    const own = samples.filter((s) => s.server === target.name);
    const ratios = own.map(
      (s) =>
        s.throughput /
        (samples.find((b) => b.server === baseline && b.round === s.round)?.throughput ?? NaN),
    );
    const row = {
      server: target.name,
      throughput: median(own.map((s) => s.throughput)),
      serverCpuUs: median(own.map((s) => s.serverCpuUs)),
      redisCpuUs: median(own.map((s) => s.redisCpuUs)),
    };
    rows.push(row);
    console.log(
      `| ${target.name} | ${fmt(row.throughput, 0)} | ${fmt(median(ratios))} (${spread(ratios)}) | ${fmt(row.serverCpuUs, 1)} | ${fmt(row.redisCpuUs, 1)} | ${fmt(median(own.map((s) => s.redisCommands)), 1)} | ${fmt(median(own.map((s) => s.generatorCpu)), 0)} | ${own.reduce((n, s) => n + s.errors, 0)} |`,
    );
  }
  console.log('\nRedis commands per decision, by command (last round):\n');
  for (const target of targets) {
    const last = samples.filter((s) => s.server === target.name).at(-1);
    console.log(`- ${target.name}: ${last?.commandMix}`);
  }
  await writePlot('docs/bench/compare-throughput.svg', rows, {
    title: `Decide at saturation, median of ${ROUNDS} interleaved rounds`,
    x: { field: 'server', title: '' },
    y: { field: 'throughput', title: 'decisions / s' },
    mark: 'bar',
  });
  await writePlot(
    'docs/bench/compare-cpu.svg',
    rows.flatMap((r) => [
      { server: r.server, where: 'server process', us: r.serverCpuUs },
      { server: r.server, where: 'Redis', us: r.redisCpuUs },
    ]),
    {
      title: 'CPU per decision at saturation (median over rounds)',
      x: { field: 'server', title: '' },
      y: { field: 'us', title: 'CPU µs / decision' },
      series: 'where',
      mark: 'bar',
    },
  );
}

async function latency(targets: Target[], redis: Redis): Promise<void> {
  const rates = [1000, 2000, 5000];
  const samples: (Sample & { rate: number })[] = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const rate of rates)
      for (const target of inRoundOrder(targets, round))
        samples.push({
          ...(await measure(target, redis, round, { mode: 'rate', rate, durationMs: RATE_MS })),
          rate,
        });
  console.log(
    `\n### Decide latency, open loop, ${ROUNDS} interleaved rounds of ${RATE_MS / 1000} s (median over rounds; worst round in brackets)\n`,
  );
  console.log(
    '| server | offered/s | p50 ms | p99 ms | p99.9 ms | generator lag p99 ms | generator CPU % | server CPU µs / decision | errors |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const rows: Record<string, number | string>[] = [];
  for (const target of targets)
    for (const rate of rates) {
      const own = samples.filter((s) => s.server === target.name && s.rate === rate);
      const p = (pick: (s: Sample) => number) =>
        `${fmt(median(own.map(pick)))} (${fmt(Math.max(...own.map(pick)))})`;
      console.log(
        `| ${target.name} | ${rate.toLocaleString('en')} | ${p((s) => s.p50)} | ${p((s) => s.p99)} | ${p((s) => s.p999)} | ${p((s) => s.lagP99)} | ${fmt(median(own.map((s) => s.generatorCpu)), 0)} | ${fmt(median(own.map((s) => s.serverCpuUs)), 0)} | ${own.reduce((n, s) => n + s.errors, 0)} |`,
      );
      for (const [percentile, pick] of [
        ['p50', (s: Sample) => s.p50],
        ['p99', (s: Sample) => s.p99],
      ] as const)
        rows.push({ series: `${target.name} ${percentile}`, rate, ms: median(own.map(pick)) });
    }
  await writePlot('docs/bench/latency.svg', rows, {
    title: 'Decide latency by offered rate (median over rounds)',
    x: { field: 'rate', title: 'offered decisions / s' },
    y: { field: 'ms', title: 'ms', log: true },
    series: 'series',
  });
}

const printBatchRows = (
  rows: { server: string; throughput: number; p50: number; p99: number; cpuUs: number }[],
) => {
  console.log('| server | decisions/s | p50 ms | p99 ms | server CPU µs / decision |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(
      `| ${r.server} | ${fmt(r.throughput, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.cpuUs, 1)} |`,
    );
};

async function batches(rc: RuleCenterProcess): Promise<void> {
  const rows = [];
  for (const [server, job] of [
    ['Rule Center DecideBatch ×10', { batch: 10 }],
    ['Rule Center ShouldRateLimit ×10 descriptors', { rls: 10 }],
  ] as const) {
    const cpuBefore = rc.cpuSeconds();
    const r = await runWorker(
      {
        mode: 'saturate',
        concurrency: 16,
        ports: [rc.grpcPort],
        channels: 4,
        durationMs: SATURATION_MS,
        request: { department: 'bench', grade: '2023', resource: 'enroll' },
        ...job,
      },
      SIDE_CPU,
    );
    const decisions = Math.max(1, r.calls * 10);
    rows.push({
      server,
      throughput: r.throughput * 10,
      p50: r.p50,
      p99: r.p99,
      cpuUs: ((rc.cpuSeconds() - cpuBefore) / decisions) * 1e6,
    });
  }
  console.log(
    `\n### Batches: 10 decisions per call, 16 calls in flight (${SATURATION_MS / 1000} s, grpc-js generator)\n`,
  );
  printBatchRows(rows);
}

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
    `| Redis: token bucket (GCRA), one client (one string, MEMORY USAGE) | ${await sample('rc:{tb/2023/any}:c:*:tat')} bytes |`,
  );
}

/** The Rule Center with each algorithm, the floor, and rate-limiter-flexible's two limiters. */
async function startTargets(cluster: BenchCluster): Promise<{ targets: Target[]; stop(): void }> {
  const rc = cluster.instances[0];
  const floor = await startReference('bench/floor-server.ts', cluster.redis.url);
  const alternative = await startReference('bench/alternative-server.ts', cluster.redis.url);
  for (const server of [rc, floor, alternative]) pinToCpu(server.process.pid, SERVER_CPU);
  for (const side of [cluster.redis.pid, cluster.etcd.pid]) pinToCpu(side, SIDE_CPU);
  const targets: Target[] = [];
  for (const algorithm of [
    'sliding_window',
    'sliding_window_counter',
    'fixed_window',
    'token_bucket',
  ]) {
    const department = `cmp-${algorithm.replaceAll('_', '-')}`;
    await createRule(cluster, {
      department,
      grade: '2023',
      window: 'any',
      limit: { ...LIMIT, algorithm },
    });
    targets.push({
      name: `Rule Center ${algorithm}`,
      process: rc,
      request: { department, grade: '2023', resource: 'enroll' },
    });
  }
  for (const algorithm of ['sliding_window', 'sliding_window_counter'])
    targets.push({
      name: `floor ${algorithm}`,
      process: floor,
      request: { department: algorithm, grade: '2023' },
    });
  targets.push(
    { name: RLF, process: alternative, request: { department: 'plain', grade: '2023' } },
    {
      name: 'rate-limiter-flexible BurstyRateLimiter',
      process: alternative,
      request: { department: 'bursty', grade: '2023' },
    },
  );
  return {
    targets,
    stop: () => {
      floor.process.kill('SIGTERM');
      alternative.process.kill('SIGTERM');
    },
  };
}

const RLF = 'rate-limiter-flexible RateLimiterRedis';

async function main(): Promise<void> {
  const cluster = await startCluster(1, { ETCD_MAX_TXN_OPS: '1024', MAX_BATCH: '1000' });
  const redis = new Redis(cluster.redis.url);
  const { targets, stop } = await startTargets(cluster);
  try {
    await createRule(cluster, { department: 'bench', grade: '2023', window: 'any', limit: LIMIT });
    if (!args['memory-only']) {
      await saturation(targets, redis, RLF);
      const latencyTargets = [
        'Rule Center sliding_window_counter',
        'Rule Center sliding_window',
        'floor sliding_window',
        RLF,
      ];
      await latency(
        targets.filter((t) => latencyTargets.includes(t.name)),
        redis,
      );
      await batches(cluster.instances[0]);
    }
    await memoryTable(cluster.rest, cluster.instances[0], redis);
  } finally {
    redis.disconnect();
    stop();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
