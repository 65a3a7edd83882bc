/**
 * Accuracy per algorithm (issue "Ahead of rate-limiter-flexible", item 2): three worker processes
 * stand for three instances sharing one Redis (the counting is all in Redis; the gRPC layer in
 * front does not change who is admitted) and send steady load at 1.5×, 3× and 10× the limit, then
 * bursts aimed at window boundaries. Every decision carries its Redis time, so the measurement is
 * exact: no client clock, no network jitter.
 *
 * For each algorithm and load it reports the most admitted in any sliding interval of the window
 * (÷ budget: the exact log must stay at 1.00), the mean and worst over-admission over intervals
 * anchored at each admission, under-admission at steady load (admitted vs what the limit allows
 * for the offered load), and Redis memory per key. Writes docs/bench/accuracy.svg.
 *
 *   npm run bench:accuracy              (about 3 minutes)
 *   npm run bench:accuracy -- --quick   (shorter rows)
 */
import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { LIMIT_ALGORITHMS, LimitAlgorithm } from '../src/domain/rule';
import { RedisServer } from '../test/support/redis-server';
import { AccuracyJob, AccuracySample } from './lib/accuracy-worker';
import { fmt } from './lib/cluster';
import { writePlot } from './lib/plot';

const quick = process.argv.includes('--quick');
const DURATION_MS = quick ? 4000 : 10_000;
const QPS = 200;
const WINDOW_MS = 1000;
const BUDGET = (QPS * WINDOW_MS) / 1000;
const INSTANCES = 3;
const LOADS: { label: string; factor: number; pattern: AccuracyJob['pattern'] }[] = [
  { label: '1.5× steady', factor: 1.5, pattern: 'steady' },
  { label: '3× steady', factor: 3, pattern: 'steady' },
  { label: '10× steady', factor: 10, pattern: 'steady' },
  { label: 'bursts at boundaries (2×)', factor: 2, pattern: 'boundary' },
];

function runWorker(job: AccuracyJob): Promise<AccuracySample[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'node',
      [
        '-r',
        'ts-node/register/transpile-only',
        'bench/lib/accuracy-worker.ts',
        JSON.stringify(job),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as AccuracySample[])
        : reject(new Error(`worker exited ${code}`)),
    );
  });
}

interface Row {
  algorithm: LimitAlgorithm;
  load: string;
  maxRatio: number;
  /** The same, leaving out the first two windows (the burst right after a quiet spell). */
  warmMaxRatio: number;
  meanOver: number;
  worstOver: number;
  under: number;
  memoryBytes: number;
  admitted: number[];
}

/** Admissions in [t, t + window) for every admission t (two pointers over sorted times). */
function perInterval(times: number[], windowUs: number): number[] {
  const counts: number[] = [];
  let end = 0;
  for (let start = 0; start < times.length; start++) {
    while (end < times.length && times[end] < times[start] + windowUs) end++;
    counts.push(end - start);
  }
  return counts;
}

async function measure(
  redis: RedisServer,
  algorithm: LimitAlgorithm,
  load: (typeof LOADS)[number],
): Promise<Row> {
  const rule = `acc-${algorithm}/${load.factor}/${load.pattern}`;
  const job: AccuracyJob = {
    redisUrl: redis.url,
    rule,
    algorithm,
    limit: BUDGET,
    windowMs: WINDOW_MS,
    qps: QPS,
    rate: (QPS * load.factor) / INSTANCES,
    durationMs: DURATION_MS,
    pattern: load.pattern,
  };
  const results = (
    await Promise.all(Array.from({ length: INSTANCES }, () => runWorker(job)))
  ).flat();
  const admitted = results
    .filter((s) => s.admitted)
    .map((s) => s.atUs)
    .sort((a, b) => a - b);
  const counts = perInterval(admitted, WINDOW_MS * 1000);
  const over = counts.map((c) => Math.max(0, c - BUDGET) / BUDGET);
  // After a quiet spell every bucketed algorithm lets one budget through at once, then counts on
  // top of it: measured separately from the steady state, which starts after two windows.
  const first = admitted[0] ?? 0;
  const warm = first + 2 * WINDOW_MS * 1000;
  const warmCounts = perInterval(
    admitted.filter((t) => t >= warm),
    WINDOW_MS * 1000,
  );
  // Under-admission: whole windows of the steady part against the budget they allow.
  const last = admitted[admitted.length - 1] ?? 0;
  const windows = Math.floor((last - warm) / (WINDOW_MS * 1000));
  const steadyAdmitted = admitted.filter(
    (t) => t >= warm && t < warm + windows * WINDOW_MS * 1000,
  ).length;
  const allowed = windows * BUDGET;
  const raw = new Redis(redis.url);
  const keys = await raw.keys(`acc:{${rule}}*`);
  let memoryBytes = 0;
  for (const key of keys) memoryBytes += Number(await raw.memory('USAGE', key)) || 0;
  raw.disconnect();
  return {
    algorithm,
    load: load.label,
    maxRatio: Math.max(0, ...counts) / BUDGET,
    warmMaxRatio: Math.max(0, ...warmCounts) / BUDGET,
    meanOver: over.reduce((a, b) => a + b, 0) / Math.max(1, over.length),
    worstOver: Math.max(0, ...over),
    under:
      load.pattern === 'steady' && allowed > 0 ? Math.max(0, 1 - steadyAdmitted / allowed) : NaN,
    memoryBytes,
    admitted,
  };
}

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const rows: Row[] = [];
  try {
    for (const load of LOADS)
      for (const algorithm of LIMIT_ALGORITHMS) rows.push(await measure(redis, algorithm, load));
  } finally {
    await redis.stop();
  }
  console.log(
    `\n### Accuracy: ${INSTANCES} instances, limit ${QPS}/s, window ${WINDOW_MS} ms (budget ${BUDGET}), ${DURATION_MS / 1000} s per row\n`,
  );
  console.log(
    '| algorithm | load | most admitted in any window ÷ budget | mean over-admission | worst over-admission | under-admission (steady) | Redis memory per key |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.algorithm} | ${r.load} | ${fmt(r.maxRatio, 2)} | ${fmt(r.meanOver * 100, 2)} % | ${fmt(r.worstOver * 100, 1)} % | ${Number.isNaN(r.under) ? '—' : `${fmt(r.under * 100, 2)} %`} | ${r.memoryBytes} B |`,
    );
  console.log(
    '\nThe token bucket is not a window algorithm: with burst = qps it may admit a full bucket plus a second of refill in one window (up to 2× by design); its row is for comparison.',
  );
  await writePlot(
    'docs/bench/accuracy.svg',
    rows.map((r) => ({ algorithm: r.algorithm, load: r.load, ratio: r.maxRatio })),
    {
      title: `Most admitted in any ${WINDOW_MS} ms window ÷ budget (${INSTANCES} instances)`,
      x: { field: 'load', title: 'load' },
      y: { field: 'ratio', title: 'most admitted ÷ budget' },
      series: 'algorithm',
      mark: 'bar',
    },
  );
  // Over time, for the boundary bursts: admitted in the trailing window at each admission.
  const timeline = rows
    .filter((r) => r.load.startsWith('bursts'))
    .flatMap((r) => {
      const start = r.admitted[0] ?? 0;
      const counts = perInterval(r.admitted, WINDOW_MS * 1000);
      return r.admitted
        .map((t, i) => ({
          algorithm: r.algorithm,
          seconds: (t - start) / 1e6,
          ratio: counts[i] / BUDGET,
        }))
        .filter((_, i) => i % 5 === 0);
    });
  await writePlot('docs/bench/accuracy-over-time.svg', timeline, {
    title: 'Bursts at window boundaries: admitted in the next window ÷ budget',
    x: { field: 'seconds', title: 'seconds' },
    y: { field: 'ratio', title: 'admitted in [t, t + window) ÷ budget' },
    series: 'algorithm',
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
