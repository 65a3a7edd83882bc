/**
 * The one result line both load generators (bench/load-worker.ts, bench/h2-worker.ts) print:
 * throughput, latency percentiles, how late calls left against the schedule, and the
 * generator's own CPU.
 */
import type { WorkerResult } from './cluster';

import { percentile } from './percentiles';

/** Runs one measured stretch of load; its wall time and the generator's CPU over it. */
export async function timed(
  run: () => Promise<void>,
): Promise<{ elapsedMs: number; cpu: NodeJS.CpuUsage }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await run();
  return { elapsedMs: performance.now() - started, cpu: process.cpuUsage(cpuBefore) };
}

export function summarize(run: {
  calls: number;
  errors: number;
  elapsedMs: number;
  /** ms from send to answer, of the calls that succeeded. */
  latencies: number[];
  /** ms each call left after its due time (open loop only). */
  lags: number[];
  cpu: NodeJS.CpuUsage;
}): WorkerResult {
  const sorted = Float64Array.from(run.latencies).sort();
  return {
    calls: run.calls,
    errors: run.errors,
    elapsedMs: run.elapsedMs,
    // Answered calls only: a server that fails fast must not look fast.
    throughput: (run.latencies.length * 1000) / run.elapsedMs,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    lagP99: run.lags.length ? percentile(Float64Array.from(run.lags).sort(), 0.99) : 0,
    generatorCpuPct: ((run.cpu.user + run.cpu.system) / 1000 / run.elapsedMs) * 100,
  };
}
