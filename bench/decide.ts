/**
 * Decision benchmark (issue 3): latency at fixed offered rates and at saturation against one
 * instance, then cluster accuracy of the sliding window with three instances. Prints Markdown
 * tables; BENCHMARKS.md records them with this command:
 *
 *   npm run bench:decide            (about 1.5 minutes)
 *   npm run bench:decide -- --quick (shorter runs)
 */
import {
  BENCH_RULE,
  createRule,
  BenchCluster,
  RuleCenterProcess,
  fmt,
  runWorker,
  startCluster,
  startFloor,
} from './lib/cluster';

const quick = process.argv.includes('--quick');
const RUN_MS = quick ? 2000 : 5000;

const LATENCY_ROWS: [string, Record<string, unknown>][] = [
  ['1,000/s', { mode: 'rate', rate: 1000 }],
  ['5,000/s', { mode: 'rate', rate: 5000 }],
  ['10,000/s', { mode: 'rate', rate: 10000 }],
  ['saturation (64 in flight)', { mode: 'saturate', concurrency: 64 }],
];

async function latencyRows(
  server: string,
  target: RuleCenterProcess,
  request: Record<string, unknown>,
): Promise<void> {
  for (const [label, job] of LATENCY_ROWS) {
    const cpuBefore = target.cpuSeconds();
    const r = await runWorker({
      ...job,
      ports: [target.grpcPort],
      channels: 4,
      durationMs: RUN_MS,
      request,
    });
    const serverCpu = target.cpuSeconds() - cpuBefore;
    const cpuPerDecisionUs = (serverCpu / Math.max(1, r.calls)) * 1e6;
    console.log(
      `| ${server} | ${label} | ${fmt(r.throughput, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.p999)} | ${fmt(r.max)} | ${r.errors} | ${fmt(cpuPerDecisionUs, 0)} | ${fmt(r.generatorCpuPct, 0)} | ${fmt(r.lagP99)} |`,
    );
  }
}

async function latency(): Promise<void> {
  const cluster = await startCluster(1);
  try {
    await createRule(cluster, BENCH_RULE);
    console.log(
      `\n### Decide latency: Rule Center (1 instance) and the floor (${RUN_MS / 1000} s per row, loopback)\n`,
    );
    console.log(
      '| server | offered | achieved/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | server CPU µs/decision | generator CPU % | generator lag p99 ms |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    await latencyRows('Rule Center', cluster.instances[0], {
      department: 'bench',
      grade: '2023',
      resource: 'enroll',
    });
    const floor = await startFloor(cluster.redis.url);
    try {
      await latencyRows('floor: bare grpc-js + same script', floor, {
        department: 'bench',
        grade: '2023',
      });
    } finally {
      floor.process.kill('SIGTERM');
    }
  } finally {
    await cluster.stop();
  }
}

/**
 * Over-admission is counted only where it is certain: a set of ALLOWs whose whole [send,
 * receive] spans fit inside one window must all have been admitted in it (every process reads
 * the same host clock that Redis's TIME reads).
 */
function worstCertainWindow(allows: [number, number][], windowMs: number): number {
  const bySend = [...allows].sort((x, y) => x[0] - y[0]);
  let worst = 0;
  for (let i = 0; i < bySend.length; i++) {
    const start = bySend[i][0];
    let inside = 0;
    for (let j = i; j < bySend.length && bySend[j][0] < start + windowMs; j++)
      if (bySend[j][1] < start + windowMs) inside++;
    worst = Math.max(worst, inside);
  }
  return worst;
}

async function accuracy(
  cluster: BenchCluster,
  offered: number,
  qps: number,
  windowMs: number,
): Promise<void> {
  const department = `acc${offered}`;
  await cluster.rest('/api/v1/rules', 'POST', {
    department,
    grade: '2023',
    window: 'any',
    limit: { qps, windowMs },
  });
  const budget = Math.floor((qps * windowMs) / 1000);
  const durationMs = quick ? 4000 : 8000;
  const ports = cluster.instances.map((i) => i.grpcPort);
  // Three generator processes, each spread over all three instances.
  const results = await Promise.all(
    [0, 1, 2].map(() =>
      runWorker({
        mode: 'accuracy',
        rate: offered / 3,
        ports,
        channels: 3,
        durationMs,
        request: { department, grade: '2023' },
      }),
    ),
  );
  const allows = results.flatMap((r) => r.allows ?? []);
  const worst = worstCertainWindow(allows, windowMs);
  // Steady state: a full budget in the first window, then `qps` per second.
  const ideal = Math.min(
    (offered * durationMs) / 1000,
    budget + (qps * (durationMs - windowMs)) / 1000,
  );
  const under = Math.max(0, (ideal - allows.length) / ideal) * 100;
  const calls = results.reduce((n, r) => n + r.calls, 0);
  console.log(
    `| ${offered}/s over 3 instances | ${qps} qps / ${windowMs} ms (budget ${budget}) | ${calls} | ${allows.length} | ${fmt(ideal, 0)} | ${worst} | ${Math.max(0, worst - budget)} | ${fmt(under)} % |`,
  );
}

async function main(): Promise<void> {
  await latency();
  if (process.argv.includes('--latency-only')) return;
  const cluster = await startCluster(3);
  try {
    console.log(
      `\n### Sliding-window accuracy, 3 instances sharing one Redis (${quick ? 4 : 8} s per row)\n`,
    );
    console.log(
      '| offered | rule | calls | admitted | ideal admitted | most admitted in one window (certain) | over-admission | under-admission |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    await accuracy(cluster, 300, 100, 1000);
    await accuracy(cluster, 1500, 500, 1000);
    await accuracy(cluster, 600, 50, 200);
  } finally {
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
