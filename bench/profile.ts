/**
 * Profiles the Rule Center under saturation (issue 8): starts it with --cpu-prof, drives Decide
 * for a few seconds with the cheap generator (bench/h2-worker.ts), the instance on CPU 0 and the
 * generator, Redis and etcd on CPU 1 (as bench:compare), stops it, and prints where its CPU time
 * went (self time by function).
 *
 *   npm run bench:profile
 *   npm run bench:profile -- --algorithm sliding_window_counter
 *   npm run bench:profile -- --transport stream   (DecideStream through the Node SDK; build it
 *                                                  first: node clients/node/scripts/build.mjs)
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LIMIT_ALGORITHMS } from '../src/domain/rule';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BENCH_RULE,
  createRule,
  pinToCpu,
  runGenerator,
  runH2Worker,
  startCluster,
} from './lib/cluster';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

const { values: args } = parseArgs({
  options: {
    algorithm: { type: 'string', default: 'sliding_window' },
    transport: { type: 'string', default: 'unary' },
  },
  strict: true,
});
const { algorithm, transport } = args;
if (!(LIMIT_ALGORITHMS as readonly string[]).includes(algorithm))
  throw new Error(`--algorithm must be one of ${LIMIT_ALGORITHMS.join(', ')}; got "${algorithm}"`);
if (transport !== 'unary' && transport !== 'stream')
  throw new Error(`--transport must be unary or stream; got "${transport}"`);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rc-prof-'));
  // Extra V8 flags to try, e.g. NODE_FLAGS="--max-semi-space-size=32" npm run bench:profile
  const extra = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const cluster = await startCluster(1, {}, [...extra, '--cpu-prof', `--cpu-prof-dir=${dir}`]);
  let r: { calls: number; throughput: number };
  try {
    await createRule(cluster, { ...BENCH_RULE, limit: { ...BENCH_RULE.limit, algorithm } });
    pinToCpu(cluster.instances[0].process.pid, 0);
    for (const side of [cluster.redis.pid, cluster.etcd.pid]) pinToCpu(side, 1);
    const port = cluster.instances[0].grpcPort;
    const request = { department: 'bench', grade: '2023', resource: 'enroll' };
    r =
      transport === 'stream'
        ? await streamThroughSdk(port, request)
        : await runH2Worker(
            { mode: 'saturate', concurrency: 64, port, connections: 4, durationMs: 5000, request },
            1,
          );
  } finally {
    await cluster.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += us;
    const where = url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/');
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const byPackage = new Map<string, number>();
  for (const [key, us] of byFunction) {
    const where = key.split(' ').slice(1).join(' ');
    const pkg = where.startsWith('dist/')
      ? 'rule-center (dist/)'
      : where.startsWith('@')
        ? where.split('/').slice(0, 2).join('/')
        : where.includes('/') && !where.startsWith('node:')
          ? where.split('/')[0]
          : where.startsWith('node:')
            ? 'node core'
            : '(native / GC / program)';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  console.log(
    `\n### Where the Rule Center's CPU goes at saturation (${r.calls} decisions in 5 s, ${r.throughput.toFixed(0)}/s)\n`,
  );
  console.log('| package | share of busy CPU | µs per decision |');
  console.log('| --- | --- | --- |');
  for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
    console.log(`| ${pkg} | ${((us / busy) * 100).toFixed(1)} % | ${(us / r.calls).toFixed(1)} |`);
  }
  console.log('\n| function (self time) | share | µs per decision |');
  console.log('| --- | --- | --- |');
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(
      `| ${key.replace(/\|/g, '/')} | ${((us / busy) * 100).toFixed(1)} % | ${(us / r.calls).toFixed(2)} |`,
    );
  }
}

/** DecideStream through the Node SDK (bench/sdk-worker.ts) on CPU 1, 64 decisions in flight. */
async function streamThroughSdk(
  port: number,
  request: object,
): Promise<{ calls: number; throughput: number }> {
  const job = {
    transport: 'stream',
    mode: 'saturate',
    port,
    concurrency: 64,
    durationMs: 5000,
    request,
  };
  const result = await runGenerator<{ decisions: number; elapsedMs: number }>(
    'bench/sdk-worker.ts',
    job,
    1,
  );
  return { calls: result.decisions, throughput: (result.decisions * 1000) / result.elapsedMs };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
