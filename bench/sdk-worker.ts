/**
 * The load generator of bench/sdk.ts, in its own process. Reads its job as JSON from argv[2] and
 * prints one JSON result line. `stream` and `unary` decide through the Node SDK (built CommonJS,
 * clients/node/dist) with that transport; `batch` sends DecideBatch calls of `batch` requests
 * through a plain grpc-js stub (the SDK decides one request at a time). Closed loop
 * (`concurrency` decisions or batches in flight) or open loop at `rate` decisions per second.
 */
import { ServiceError, credentials } from '@grpc/grpc-js';
import { createRequire } from 'node:module';
import { loadService } from '../src/transport/grpc/proto';
import { percentile } from './lib/percentiles';

type Sdk = typeof import('../clients/node/src');

interface Job {
  transport: 'stream' | 'unary' | 'batch';
  mode: 'saturate' | 'rate';
  port: number;
  concurrency: number;
  rate: number;
  batch: number;
  durationMs: number;
  request: { department: string; grade: string; resource?: string };
}

const job = JSON.parse(process.argv[2]) as Job;
const { createClient } = createRequire(__filename)('../clients/node/dist/cjs') as Sdk;
const rc =
  job.transport === 'batch'
    ? undefined
    : createClient({
        targets: [`127.0.0.1:${job.port}`],
        transport: job.transport,
        deadlineMs: 1000,
      });
type Batch = (req: unknown, cb: (e: ServiceError | null) => void) => void;
const stub =
  job.transport === 'batch'
    ? (new (loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService'))(
        `127.0.0.1:${job.port}`,
        credentials.createInsecure(),
      ) as unknown as { DecideBatch: Batch; close(): void })
    : undefined;

const latencies: number[] = [];
let decisions = 0;
let fallbacks = 0;
let errors = 0;

async function fire(): Promise<void> {
  const sent = performance.now();
  if (rc) {
    const d = await rc.decide(job.request);
    if (d.source === 'fallback') fallbacks++;
    decisions++;
  } else {
    const requests = Array.from({ length: job.batch }, () => job.request);
    await new Promise<void>((resolve) =>
      stub?.DecideBatch({ requests }, (e) => {
        if (e) errors++;
        else decisions += job.batch;
        resolve();
      }),
    );
  }
  latencies.push(performance.now() - sent);
}

async function run(): Promise<void> {
  const end = performance.now() + job.durationMs;
  if (job.mode === 'saturate') {
    const worker = async () => {
      while (performance.now() < end) await fire();
    };
    await Promise.all(Array.from({ length: job.concurrency }, worker));
    return;
  }
  const start = performance.now();
  const pending: Promise<void>[] = [];
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now >= end) return resolve();
      for (const due = Math.floor(((now - start) * job.rate) / 1000); sent <= due; sent++)
        pending.push(fire());
      setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(pending);
}

async function main(): Promise<void> {
  for (let i = 0; i < 50; i++) await fire(); // connections and JIT warm
  latencies.length = 0;
  decisions = fallbacks = errors = 0;
  const started = performance.now();
  await run();
  const elapsedMs = performance.now() - started;
  const sorted = Float64Array.from(latencies).sort();
  const pct = (p: number) => percentile(sorted, p);
  process.stdout.write(
    JSON.stringify({ decisions, fallbacks, errors, elapsedMs, p50: pct(0.5), p99: pct(0.99) }) +
      '\n',
  );
  await rc?.close(0);
  stub?.close();
}

main().catch((e) => {
  process.stderr.write(String(e));
  process.exit(1);
});
