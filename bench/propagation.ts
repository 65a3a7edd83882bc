/**
 * Hot-update benchmark (issue 5): 3 instances, 100 watchers spread over them, an admin writing
 * 1,000 rule changes through REST at a steady rate. For every write, from the moment its REST
 * call returned:
 *   (a) every instance decides with the new rule — measured by polling Decide on all three
 *       instances for every 20th write, and for every write by one watcher per instance (an
 *       instance hands a change to its watchers right after swapping it into its index);
 *   (b) every one of the 100 watchers has the event.
 * Also counts missed and out-of-order events (must be 0).
 *
 *   npm run bench:propagation            (about 40 s)
 *   npm run bench:propagation -- --quick (200 writes)
 *   npm run bench:propagation -- --rules 10000   (with 10,000 rules in etcd first)
 */
import { ServiceError, credentials } from '@grpc/grpc-js';
import { loadService } from '../src/transport/grpc/proto';
import { Etcd3 } from 'etcd3';
import { ADMIN, BenchCluster, fmt, startCluster } from './lib/cluster';
import { percentileOf } from './lib/percentiles';

const quick = process.argv.includes('--quick');
const rulesArg = process.argv.indexOf('--rules');
/** Rules already in etcd before the writes start (issue "Rule changes cost O(change)": 10,000). */
const PRELOAD = rulesArg > 0 ? Number(process.argv[rulesArg + 1]) : 0;
const WRITES = quick ? 200 : 1000;
const RATE = 50; // writes per second
const WATCHERS = 100;
const SAMPLE_EVERY = 20;

type Stream = NodeJS.EventEmitter & { cancel(): void };
type Unary = (req: object, cb: (e: ServiceError | null, r: { rule?: string }) => void) => void;

/** Writes `n` rules straight into etcd (1,000 per transaction), then waits for every instance. */
async function preload(cluster: BenchCluster, n: number): Promise<void> {
  const client = new Etcd3({ hosts: cluster.etcd.endpoint });
  const value = JSON.stringify({ limit: { qps: 100 } });
  // One transaction per 1,000 puts (then() takes them all at once: a second call replaces).
  for (let i = 0; i < n; i += 1000) {
    const puts = Array.from({ length: Math.min(1000, n - i) }, (_, k) =>
      client.put(`/rulecenter/v1/rules/pre${i + k}/2023/any`).value(value),
    );
    await client
      .if('/rulecenter/v1/meta/schema_version', 'Version', '>', 0)
      .then(...puts)
      .commit();
  }
  client.close();
  for (const rc of cluster.instances) {
    for (;;) {
      const ready = (await (await fetch(`http://127.0.0.1:${rc.httpPort}/readyz`)).json()) as {
        etcd?: { rules?: number };
      };
      if ((ready.etcd?.rules ?? 0) >= n) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  console.log(`${n.toLocaleString('en')} rules preloaded; every instance has them`);
}

async function main(): Promise<void> {
  const cluster = await startCluster(3);
  if (PRELOAD) await preload(cluster, PRELOAD);
  const Watch = loadService('rulecenter/v1/watch.proto', 'rulecenter.v1.RuleWatchService');
  const Decision = loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService');
  const streams: Stream[] = [];
  try {
    // received[w].get(key) = time watcher w got the PUT of key
    const received: Map<string, number>[] = [];
    const outOfOrder: number[] = Array(WATCHERS).fill(0);
    const lastRevision: number[] = Array(WATCHERS).fill(0);
    const ready: Promise<void>[] = [];
    for (let w = 0; w < WATCHERS; w++) {
      const instance = cluster.instances[w % 3];
      const client = new Watch(`127.0.0.1:${instance.grpcPort}`, credentials.createInsecure(), {
        'grpc.channel_id': w,
      } as object) as unknown as { WatchRules(r: object): Stream };
      const stream = client.WatchRules({ department: '' });
      streams.push(stream);
      received.push(new Map());
      ready.push(
        new Promise((resolve) => {
          stream.on(
            'data',
            (e: { type: string; key: string; revision: number; snapshot?: boolean }) => {
              const now = performance.now();
              if (e.type === 'SNAPSHOT_END') return resolve();
              if (e.type !== 'PUT' || e.snapshot) return;
              const revision = Number(e.revision);
              if (revision <= lastRevision[w]) outOfOrder[w]++;
              lastRevision[w] = revision;
              received[w].set(e.key, now);
            },
          );
          stream.on('error', () => undefined);
        }),
      );
    }
    await Promise.all(ready);
    const deciders = cluster.instances.map(
      (i) =>
        new Decision(`127.0.0.1:${i.grpcPort}`, credentials.createInsecure()) as unknown as {
          Decide: Unary;
          close(): void;
        },
    );
    const decide = (d: { Decide: Unary }, department: string) =>
      new Promise<string>((resolve, reject) =>
        d.Decide({ department, grade: '2023' }, (e, r) => (e ? reject(e) : resolve(r.rule ?? ''))),
      );

    const acked = new Map<string, number>();
    const sampled: number[] = [];
    const explained: number[] = [];
    const sampling: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < WRITES; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const department = `p${i}`;
      const res = await cluster.rest('/api/v1/rules', 'POST', {
        department,
        grade: '2023',
        window: 'any',
        limit: { qps: 100 },
      });
      if (res.status !== 201) throw new Error(`write ${i} answered ${res.status}`);
      const at = performance.now();
      acked.set(`rules/${department}/2023/any`, at);
      if (i % SAMPLE_EVERY === SAMPLE_EVERY / 2) {
        // The write went through instance 0's REST API; explain on instance 1, polled every ms.
        sampling.push(
          (async () => {
            const b = cluster.instances[1].httpPort;
            const url = `http://127.0.0.1:${b}/api/v1/explain?department=${department}&grade=2023`;
            const headers = { Authorization: `Bearer ${ADMIN}` };
            for (;;) {
              const body = (await (await fetch(url, { headers })).json()) as {
                governing?: { department?: string };
              };
              if (body.governing?.department === department) break;
              await new Promise((r) => setTimeout(r, 1));
            }
            explained.push(performance.now() - at);
          })(),
        );
      }
      if (i % SAMPLE_EVERY === 0) {
        sampling.push(
          (async () => {
            const pending = new Set(deciders);
            while (pending.size) {
              // One round asks every instance still missing the rule, all at once.
              const round = [...pending];
              const rules = await Promise.all(round.map((d) => decide(d, department)));
              round.forEach((d, k) => rules[k] === `${department}/2023/any` && pending.delete(d));
              if (pending.size) await new Promise((r) => setTimeout(r, 1));
            }
            sampled.push(performance.now() - at);
          })(),
        );
      }
    }
    await Promise.all(sampling);
    await new Promise((r) => setTimeout(r, 2000));

    const everyInstance: number[] = [];
    const everyWatcher: number[] = [];
    let missed = 0;
    for (const [key, at] of acked) {
      let instanceMax = 0;
      let watcherMax = 0;
      for (let w = 0; w < WATCHERS; w++) {
        const got = received[w].get(key);
        if (got === undefined) {
          missed++;
          continue;
        }
        watcherMax = Math.max(watcherMax, got - at);
        if (w < 3) instanceMax = Math.max(instanceMax, got - at);
      }
      everyInstance.push(instanceMax);
      everyWatcher.push(watcherMax);
    }
    const row = (label: string, v: number[]) =>
      `| ${label} | ${v.length} | ${fmt(percentileOf(v, 0.5))} | ${fmt(percentileOf(v, 0.99))} | ${fmt(Math.max(...v))} |`;
    console.log(
      `\n### Hot update: ${WRITES} REST writes at ${RATE}/s, 3 instances, ${WATCHERS} watchers\n`,
    );
    console.log('| from REST write acknowledged to … | samples | p50 ms | p99 ms | max ms |');
    console.log('| --- | --- | --- | --- | --- |');
    console.log(
      row(
        '(a) all 3 instances decide with the new rule (Decide polled, every 20th write)',
        sampled,
      ),
    );
    console.log(
      row(
        '(a) written through A, explain on B has it (polled every ms, every 20th write)',
        explained,
      ),
    );
    console.log(
      row('(a) all 3 instances have it (one watcher per instance, every write)', everyInstance),
    );
    console.log(row(`(b) all ${WATCHERS} watchers have the event`, everyWatcher));
    console.log(
      `\nmissed events: ${missed}; out-of-order events: ${outOfOrder.reduce((a, b) => a + b, 0)}`,
    );
    for (const d of deciders) d.close();
  } finally {
    for (const s of streams) s.cancel();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
