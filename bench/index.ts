/**
 * The live rule index at 1k, 10k and 100k rules (issue "Rule changes cost O(change)"):
 *   - applying one change, a 127-item import batch, and a window change that re-links a tenth of
 *     the rules (each timed over many runs: p50 / p99);
 *   - building the index from scratch, its heap, and matching time per decision;
 *   - at 100k rules against a real etcd: listing at start, and writing / reading the snapshot file
 *     while decisions keep being matched (the longest stall of a 1 ms timer during the write).
 * Prints tables and writes docs/bench/index-apply.svg.
 *
 *   npm run bench:index              (about 2 minutes)
 *   npm run bench:index -- --quick   (1k and 10k only, no etcd part)
 *   npm run bench:index -- --startup-only
 */
import { Etcd3 } from 'etcd3';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { EtcdConfigStore } from '../src/adapters/etcd/etcd-config.store';
import { FileSnapshotStore } from '../src/adapters/file/file-snapshot.store';
import { Rule, applyRuleDefaults } from '../src/domain/rule';
import { IndexChange, RuleIndex } from '../src/domain/rule-index';
import { ANY_WINDOW_SPEC, TimeWindow, applyWindowDefaults } from '../src/domain/time-window';
import { MetricsService } from '../src/observability/metrics.service';
import { RuleIndexService } from '../src/services/rule-index.service';
import { migrate } from '../src/services/schema-migrator';
import { EtcdServer } from '../test/support/etcd-server';
import { fmt } from './lib/cluster';
import { writePlot } from './lib/plot';
import { percentileOf } from './lib/percentiles';

const quick = process.argv.includes('--quick');
const startupOnly = process.argv.includes('--startup-only');
const SIZES = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
const GRADES = 10;
const WINDOWS = ['any', ...Array.from({ length: 9 }, (_, i) => `term${i}`)];
const META = { revision: 1, createdAt: '', updatedAt: '', updatedBy: 'bench' };
const BODY = applyRuleDefaults({ limit: { qps: 100 } });

const windowOf = (name: string, priority = 1): TimeWindow =>
  name === 'any'
    ? { name, ...ANY_WINDOW_SPEC, ...META }
    : {
        name,
        ...applyWindowDefaults({
          daysOfWeek: [1, 2, 3, 4, 5],
          timeRanges: [{ start: '08:00', end: '20:00' }],
          priority,
        }),
        ...META,
      };

/** N rules: N / 100 departments × 10 grades × 10 windows. */
function rulesFor(n: number): Rule[] {
  const rules: Rule[] = [];
  for (let d = 0; rules.length < n; d++)
    for (let g = 0; g < GRADES && rules.length < n; g++)
      for (const window of WINDOWS) {
        if (rules.length === n) break;
        rules.push({ department: `d${d}`, grade: `${2020 + g}`, window, ...BODY, ...META });
      }
  return rules;
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const timed = (run: () => void): number => {
  const started = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - started) / 1e6;
};

interface Row {
  rules: number;
  buildMs: number;
  heapMb: number;
  oneP50: number;
  oneP99: number;
  batchP50: number;
  batchP99: number;
  windowMs: number;
  matchNs: number;
}

function measure(n: number): Row {
  const rules = rulesFor(n);
  const windows = WINDOWS.map((w) => windowOf(w));
  const heapBefore = heapMb();
  let index = RuleIndex.empty();
  const buildMs = timed(() => (index = RuleIndex.build(rules, windows, 1)));
  const heap = heapMb() - heapBefore;
  let revision = 2;
  const one: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const rule = { ...rules[(i * 7919) % n], priority: i };
    one.push(timed(() => (index = index.withChanges([{ kind: 'put-rule', rule }], revision++))));
  }
  const batch: number[] = [];
  for (let i = 0; i < 100; i++) {
    const changes: IndexChange[] = Array.from({ length: 127 }, (_, k) => ({
      kind: 'put-rule' as const,
      rule: { ...rules[((i * 127 + k) * 31) % n], priority: i },
    }));
    batch.push(timed(() => (index = index.withChanges(changes, revision++))));
  }
  // term1 governs a tenth of the rules: every one of them is re-linked.
  const windowRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    const window = windowOf('term1', 2 + i);
    windowRuns.push(
      timed(() => (index = index.withChanges([{ kind: 'put-window', window }], revision++))),
    );
  }
  const lookups = 1_000_000;
  const at = Date.UTC(2026, 10, 24, 3);
  const departments = Math.ceil(n / 100);
  const started = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++)
    index.match(`d${i % departments}`, `${2020 + (i % GRADES)}`, at);
  const matchNs = Number(process.hrtime.bigint() - started) / lookups;
  return {
    rules: n,
    buildMs,
    heapMb: heap,
    oneP50: percentileOf(one, 0.5),
    oneP99: percentileOf(one, 0.99),
    batchP50: percentileOf(batch, 0.5),
    batchP99: percentileOf(batch, 0.99),
    windowMs: percentileOf(windowRuns, 0.5),
    matchNs,
  };
}

/** 100k rules in a real etcd: list and decode at start, then the snapshot file both ways. */
async function startup(n: number): Promise<void> {
  const etcd = await EtcdServer.start();
  const prefix = '/rulecenter/v1/';
  const store = new EtcdConfigStore({
    endpoints: [etcd.endpoint],
    prefix,
    requestTimeoutMs: 10_000,
  });
  try {
    await migrate(store, 'bench');
    const client = new Etcd3({ hosts: etcd.endpoint });
    const rules = rulesFor(n);
    for (const w of WINDOWS.slice(1))
      await client.put(`${prefix}windows/${w}`).value(JSON.stringify(applyWindowDefaults({})));
    const value = JSON.stringify({
      ...BODY,
      createdAt: '2026-11-01T00:00:00Z',
      updatedAt: '2026-11-01T00:00:00Z',
      updatedBy: 'bench',
    });
    // One transaction per 1,000 puts (then() takes them all at once: a second call replaces).
    for (let i = 0; i < rules.length; i += 1000) {
      const puts = rules
        .slice(i, i + 1000)
        .map((r) =>
          client.put(`${prefix}rules/${r.department}/${r.grade}/${r.window}`).value(value),
        );
      await client
        .if(`${prefix}meta/schema_version`, 'Version', '>', 0)
        .then(...puts)
        .commit();
    }
    client.close();
    const snapshotPath = join(mkdtempSync(join(tmpdir(), 'rc-bench-snap-')), 'rules.json');
    const snapshots = new FileSnapshotStore(snapshotPath);
    const service = new RuleIndexService(
      store,
      snapshots,
      new MetricsService(),
      pino({ level: 'silent' }),
      { watchdogMs: 60_000 },
    );
    const listStarted = performance.now();
    await service.start();
    const listMs = performance.now() - listStarted;
    const entries = service.snapshotEntries();
    // While the snapshot is written, a 1 ms timer stands for the decisions waiting on the loop.
    let worstStall = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      worstStall = Math.max(worstStall, now - last - 1);
      last = now;
    }, 1);
    const writeStarted = performance.now();
    await snapshots.save({
      revision: service.index.revision,
      savedAt: new Date().toISOString(),
      entries: [...entries],
    });
    const writeMs = performance.now() - writeStarted;
    clearInterval(ticker);
    const readStarted = performance.now();
    const loaded = await snapshots.load();
    const readMs = performance.now() - readStarted;
    await service.stop();
    console.log(`\n### Start at ${n.toLocaleString('en')} rules (real etcd, one instance)\n`);
    console.log(
      '| list + decode + build at start | snapshot write | longest stall of a 1 ms timer during the write | snapshot read (parse) | snapshot size |',
    );
    console.log('| --- | --- | --- | --- | --- |');
    console.log(
      `| ${fmt(listMs / 1000, 2)} s (${service.index.ruleCount.toLocaleString('en')} rules) | ${fmt(writeMs, 0)} ms | ${fmt(worstStall, 1)} ms | ${fmt(readMs, 0)} ms (${loaded?.entries.length.toLocaleString('en')} entries) | ${fmt(statSync(snapshotPath).size / 2 ** 20, 1)} MB |`,
    );
  } finally {
    await store.close();
    await etcd.destroy();
  }
}

async function main(): Promise<void> {
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with --expose-gc for heap figures)');
  if (startupOnly) return startup(100_000);
  const rows = SIZES.map(measure);
  console.log('### Applying changes to the live index (pure, in process)\n');
  console.log(
    '| rules | build from scratch | heap | one change p50 / p99 | 127-item batch p50 / p99 | window change (re-links 10 %) | match per decision |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.rules.toLocaleString('en')} | ${fmt(r.buildMs, 0)} ms | ${fmt(r.heapMb, 0)} MB | ${fmt(r.oneP50 * 1000, 0)} / ${fmt(r.oneP99 * 1000, 0)} µs | ${fmt(r.batchP50, 2)} / ${fmt(r.batchP99, 2)} ms | ${fmt(r.windowMs, 1)} ms | ${fmt(r.matchNs, 0)} ns |`,
    );
  await writePlot(
    'docs/bench/index-apply.svg',
    rows.flatMap((r) => [
      { rules: r.rules, what: 'one change p99 (ms)', ms: r.oneP99 },
      { rules: r.rules, what: '127-item batch p99 (ms)', ms: r.batchP99 },
    ]),
    {
      title: 'Applying a change to the live index',
      x: { field: 'rules', title: 'rules in the index', log: true },
      y: { field: 'ms', title: 'ms (p99)' },
      series: 'what',
    },
  );
  if (!quick) await startup(100_000);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
