/**
 * Floods (issue "Hostile input and overload", item 4): how one instance answers ordinary
 * decisions while a hostile client floods it, and what the flood gets. Rounds interleave the
 * scenarios so machine drift spreads over all of them; the flood client runs in its own process
 * (test/support/flood-client.ts), pinned to core 1 with the instance on core 0 when taskset
 * exists. Prints one row per scenario and round: the probe's latency (a sequential Decide every
 * 20 ms, as an ordinary gateway), the flood's status codes, and the instance's RSS after.
 *
 *   npm run bench:flood                (3 rounds, about 2 minutes)
 *   npm run bench:flood -- --rounds 1
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { decisionClient } from '../test/support/grpc-client';
import { sleep } from '../test/support/ports';
import { fmt, startCluster } from './lib/cluster';
import { percentile } from './lib/percentiles';

const run = promisify(execFile);
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
const SCENARIOS: [string, string, number][] = [
  ['no flood', '', 0],
  ['2,000 × DecideBatch(1,000)', 'batch', 2000],
  ['5,000 × WatchRules, never read', 'watch', 5000],
];
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function round(kind: string, count: number) {
  const cluster = await startCluster(1);
  const rc = cluster.instances[0];
  if (hasTaskset) await run('taskset', ['-a', '-p', '-c', '0', String(rc.process.pid)]);
  await cluster.rest('/api/v1/rules', 'POST', {
    department: 'flood',
    grade: '2023',
    window: 'any',
    limit: { qps: 5, per: 'client' },
  });
  const client = decisionClient(rc.grpcPort);
  await client.decide({ department: 'probe', grade: '2023' });
  const args = ['-r', 'ts-node/register/transpile-only', 'test/support/flood-client.ts'];
  const flood = kind
    ? run(hasTaskset ? 'taskset' : 'node', [
        ...(hasTaskset ? ['-c', '1', 'node'] : []),
        ...args,
        String(rc.grpcPort),
        kind,
        String(count),
        '0',
      ]).then(
        (r) => JSON.parse(r.stdout.trim()) as { codes: Record<string, number>; slowestMs: number },
      )
    : sleep(5000).then(() => ({ codes: {}, slowestMs: 0 }));
  let done = false;
  void flood.finally(() => (done = true));
  const latencies: number[] = [];
  while (!done) {
    const started = performance.now();
    await client.decide({ department: 'probe', grade: '2023' });
    latencies.push(performance.now() - started);
    await sleep(20);
  }
  const result = await flood;
  const rssMb =
    Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${rc.process.pid}/status`, 'utf8'))?.[1]) /
    1024;
  client.close();
  await cluster.stop();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => percentile(latencies, p);
  return {
    ...result,
    n: latencies.length,
    p50: pct(0.5),
    p99: pct(0.99),
    max: latencies.at(-1) ?? 0,
    rssMb,
  };
}

async function main(): Promise<void> {
  console.log(
    `taskset: ${hasTaskset ? 'instance on core 0, flood client on core 1' : 'not available'}`,
  );
  console.log(
    '| round | scenario | probes | p50 ms | p99 ms | max ms | flood answers | slowest flood answer | RSS after |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (let r = 1; r <= ROUNDS; r++) {
    for (const [name, kind, count] of SCENARIOS) {
      const x = await round(kind, count);
      const codes =
        Object.entries(x.codes)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ') || '—';
      console.log(
        `| ${r} | ${name} | ${x.n} | ${fmt(x.p50, 1)} | ${fmt(x.p99, 1)} | ${fmt(x.max, 1)} | ${codes} | ${x.slowestMs ? `${x.slowestMs} ms` : '—'} | ${fmt(x.rssMb, 0)} MB |`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
