/**
 * A gRPC load generator process for bench/decide.ts. Reads its job as JSON from argv[2], prints
 * one JSON result line. Several channels (distinct channel options = distinct HTTP/2
 * connections), so one connection's limit is not what gets measured.
 *
 *  - mode "rate": open loop at a fixed offered rate (calls are sent on time whatever the server
 *    does, so its queueing shows); latency from send to reply, and `lagP99` says how late the
 *    generator itself sent (timer granularity, its own CPU).
 *  - mode "saturate": closed loop with `concurrency` calls in flight.
 *  - mode "accuracy": open loop; records [send, receive] of every ALLOW for the window check.
 */
import { ServiceError, credentials } from '@grpc/grpc-js';
import { loadService } from '../src/transport/grpc/proto';
import { summarize, timed } from './lib/generator-result';

interface Job {
  mode: 'rate' | 'saturate' | 'accuracy';
  ports: number[];
  channels: number;
  rate: number;
  concurrency: number;
  durationMs: number;
  request: Record<string, unknown>;
  /** DecideBatch with this many requests per call. */
  batch?: number;
  /** ShouldRateLimit with this many descriptors per call (Envoy RLS). */
  rls?: number;
  /** Spread client_id over this many distinct values (per-client counters). */
  clientIds?: number;
}

type Unary = (
  req: unknown,
  cb: (e: ServiceError | null, r: { verdict?: string; responses?: unknown[] }) => void,
) => void;

const job = JSON.parse(process.argv[2]) as Job;
const Client = loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService');
const Rls = loadService(
  'envoy/service/ratelimit/v3/rls.proto',
  'envoy.service.ratelimit.v3.RateLimitService',
);
type Stub = { Decide: Unary; DecideBatch: Unary; ShouldRateLimit: Unary; close(): void };
const clients = Array.from({ length: job.channels }, (_, i) => {
  const target = `127.0.0.1:${job.ports[i % job.ports.length]}`;
  const options = { 'grpc.channel_id': i } as object;
  const Stub = job.rls ? Rls : Client;
  return new Stub(target, credentials.createInsecure(), options) as unknown as Stub;
});
const entries = (r: Record<string, unknown>) =>
  Object.entries(r).map(([key, value]) => ({ key, value: String(value) }));
let clientSeq = 0;
const request = (): Record<string, unknown> =>
  job.clientIds ? { ...job.request, client_id: `s${clientSeq++ % job.clientIds}` } : job.request;

const latencies: number[] = [];
const allows: [number, number][] = [];
let errors = 0;
let done = 0;
let next = 0;

const lags: number[] = [];

function fire(scheduledAt: number): Promise<void> {
  const client = clients[next++ % clients.length];
  const sentAt = Date.now();
  const sent = performance.now();
  lags.push(sent - scheduledAt);
  return new Promise((resolve) => {
    const onReply = (e: ServiceError | null, r: { verdict?: string }) => {
      const now = performance.now();
      if (e) errors++;
      else {
        latencies.push(now - sent);
        if (job.mode === 'accuracy' && r.verdict === 'ALLOW') allows.push([sentAt, Date.now()]);
      }
      done++;
      resolve();
    };
    if (job.rls) {
      const descriptors = Array.from({ length: job.rls }, () => ({ entries: entries(request()) }));
      client.ShouldRateLimit({ domain: 'bench', descriptors }, onReply);
    } else if (job.batch)
      client.DecideBatch({ requests: Array.from({ length: job.batch }, request) }, onReply);
    else client.Decide(request(), onReply);
  });
}

async function openLoop(): Promise<void> {
  const start = performance.now();
  const interval = 1000 / job.rate;
  const pending: Promise<void>[] = [];
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now - start >= job.durationMs) return resolve();
      const due = Math.floor((now - start) / interval);
      for (; sent <= due; sent++) pending.push(fire(start + sent * interval));
      // 1 ms timer ticks: a busy loop would take a core from the server it is measuring.
      setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(pending);
}

async function closedLoop(): Promise<void> {
  const end = performance.now() + job.durationMs;
  const worker = async () => {
    while (performance.now() < end) await fire(performance.now());
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
}

async function main(): Promise<void> {
  // Warm up connections and the JIT before measuring.
  await Promise.all(clients.map(() => fire(performance.now())));
  latencies.length = 0;
  lags.length = 0;
  allows.length = 0;
  errors = 0;
  done = 0;
  const { elapsedMs, cpu } = await timed(job.mode === 'saturate' ? closedLoop : openLoop);
  process.stdout.write(
    JSON.stringify({
      ...summarize({ calls: done, errors, elapsedMs, latencies, lags, cpu }),
      allows: job.mode === 'accuracy' ? allows : undefined,
    }) + '\n',
  );
  for (const c of clients) c.close();
}

main().catch((e) => {
  process.stderr.write(String(e));
  process.exit(1);
});
