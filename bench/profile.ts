/**
 * Profiles the Rule Center under saturation (issue 8): starts it with --cpu-prof, drives Decide
 * for a few seconds, stops it, and prints where its CPU time went (self time by function).
 *
 *   npm run bench:profile
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_RULE, createRule, runWorker, startCluster } from './lib/cluster';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rc-prof-'));
  // Extra V8 flags to try, e.g. NODE_FLAGS="--max-semi-space-size=32" npm run bench:profile
  const extra = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const cluster = await startCluster(1, {}, [...extra, '--cpu-prof', `--cpu-prof-dir=${dir}`]);
  await createRule(cluster, BENCH_RULE);
  const r = await runWorker({
    mode: 'saturate',
    concurrency: 64,
    ports: [cluster.instances[0].grpcPort],
    channels: 4,
    durationMs: 5000,
    request: { department: 'bench', grade: '2023', resource: 'enroll' },
  });
  await cluster.stop();
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
