import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, waitFor } from '../support/ports';
import { ChaosEnvironment, ETCD_PREFIX, INSTANCE_TTL_SECONDS } from './cluster';
import { FaultInjector, FaultRecord, touchesEtcd } from './faults';
import { checkDecisions, checkProcesses } from './invariants/decisions';
import { checkIndexViews, waitForQuiescence } from './invariants/index-view';
import { checkReadiness } from './invariants/readiness';
import { Check, CheckResult } from './invariants/result';
import { caughtUp, checkWatchers } from './invariants/watch-streams';
import { checkWrites } from './invariants/writes';
import { DecisionLoad, LagMonitor } from './load';
import { Oracle } from './oracle';
import { ReadinessProbe, RegistrationChecker } from './probes';
import { ChaosReport, buildReport, formatReport, writeReport } from './report';
import { Rng } from './rng';
import { DEFAULT_MIX, FaultMix, describeFault, planSchedule } from './schedule';
import { ChaosWatcher, watcherFilters } from './watchers';
import { AdminWriter, DEPARTMENTS, GRADES } from './writer';

export interface ChaosOptions {
  seed: number;
  /** Length of the fault phase; startup and the final checks come on top. */
  chaosSeconds: number;
  mix?: FaultMix;
  /** The mix as given on the command line, for the replay line. */
  mixText?: string;
  meanGapMs?: number;
  watchers?: number;
  decisionsPerSecond?: number;
  log?: (line: string) => void;
}

const QUIESCENCE_MS = 15_000;
const REPO = join(__dirname, '..', '..');

/**
 * One seeded chaos run: start everything, inject the schedule while the writer, the watchers and
 * the decision load run, stop the faults and the writer, wait for quiescence, then check every
 * invariant against the oracle. Always tears the processes down; returns the report.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { seed, chaosSeconds } = options;
  const runDir = join(REPO, '.run', 'chaos', String(seed));
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const rng = new Rng(seed);
  const began = Date.now();
  const env = await ChaosEnvironment.start(runDir);
  const schedule = planSchedule({
    seed,
    durationMs: chaosSeconds * 1000,
    mix: options.mix ?? DEFAULT_MIX,
    meanGapMs: options.meanGapMs ?? 3000,
    members: env.etcd.memberNames,
    instances: env.slots.map((s) => s.name),
    ensureEach: true,
  });
  log(`chaos seed ${seed}: ${schedule.length} faults over ${chaosSeconds} s; logs in ${runDir}`);
  for (const f of schedule) log(`  planned ${describeFault(f)}`);

  const oracle = new Oracle(env.etcd.endpoints, ETCD_PREFIX, join(runDir, 'oracle.log'));
  const watchers: ChaosWatcher[] = [];
  const lag = new LagMonitor();
  const load = new DecisionLoad(env, rng.fork('load'), options.decisionsPerSecond ?? 40);
  const probe = new ReadinessProbe(env);
  const injector = new FaultInjector(env, schedule, log);
  const registrations = new RegistrationChecker(env, (from, to) =>
    injector.records.some(
      (r) =>
        touchesEtcd(r.kind) && r.startedAt !== undefined && r.startedAt > from && r.startedAt <= to,
    ),
  );
  try {
    oracle.start();
    await oracle.waitCaughtUp(await env.etcd.revision(), 15_000);
    const writer = new AdminWriter(env, rng.fork('writer'), seed, () => oracle.lastRevision);
    await writer.seedData();
    const filters = watcherFilters(
      options.watchers ?? 21,
      DEPARTMENTS,
      [...GRADES, '*'],
      ['any', 'cw0', 'cw1', 'cw2'],
    );
    for (const [i, filter] of filters.entries())
      watchers.push(new ChaosWatcher(i + 1, filter, env, rng.fork(`watcher-${i}`)));
    for (const w of watchers) w.start();
    lag.start();
    load.start();
    probe.start();
    writer.start();

    const t0 = Date.now();
    log('chaos phase started');
    await injector.run(t0, (r) => {
      if (touchesEtcd(r.kind) && r.recoveredAt) registrations.afterRecovery(r.recoveredAt);
    });
    const faultsOver = Date.now();
    log('faults over; stopping the writer and waiting for quiescence');
    await writer.stop();

    const views = await waitForQuiescence(env, QUIESCENCE_MS);
    const finalRevision = Math.max(
      await env.etcd.revision(),
      ...views.map((v) => v.etcdRevision ?? 0),
    );
    const oracleCheck = new Check('0', 'oracle saw the whole history (harness self-check)');
    await oracle.waitCaughtUp(finalRevision, 15_000).catch(() => undefined);
    await waitFor(
      'watchers caught up',
      () => watchers.every((w) => caughtUp(w, oracle, finalRevision)),
      10_000,
      100,
    ).catch(() => undefined);
    // Readiness after the last recovery is judged over 2 s (+ probe slack): give it that time.
    await sleep(Math.max(0, faultsOver + 2600 - Date.now()));
    await registrations.drain();
    await registrations.check(Date.now() - (INSTANCE_TTL_SECONDS + 1) * 1000, true);
    const end = Date.now();
    probe.stop();
    await load.stop();
    lag.stop();
    for (const w of watchers) w.stop();

    await selfCheck(oracleCheck, oracle, finalRevision);
    const checks: CheckResult[] = [
      oracleCheck.done(`${oracle.events.length} events up to revision ${finalRevision}`),
      await checkIndexViews(views, oracle, QUIESCENCE_MS),
      checkWatchers(watchers, oracle, finalRevision),
      ...checkWrites(writer.records, oracle),
      ...checkReadiness(env, probe.samples, injector.records, registrations.checks, t0, end),
      ...checkDecisions(env, load.records, lag, injector.records, t0),
      checkProcesses(env, injector.records, t0),
      faultsRow(injector.records),
    ];
    checks
      .find((c) => c.id === '4c')
      ?.notes.push(...[...probe.examples.values()].map((e) => `e.g. ${e}`));
    const outcomes = (o: string) => writer.records.filter((w) => w.outcome === o).length;
    const report = buildReport(seed, chaosSeconds, runDir, t0, checks, injector.records, {
      replay_mix: options.mixText ?? 'default',
      etcd_revision: finalRevision,
      writes: writer.records.length,
      writes_acked: outcomes('ack'),
      writes_rejected: outcomes('rejected'),
      writes_unknown: outcomes('unknown'),
      decisions: load.records.length,
      watch_streams: watchers.reduce((n, w) => n + w.sessions.length, 0),
      readiness_probes: probe.samples.length,
      oracle_restarts: oracle.restarts,
      wall_seconds: Math.round((Date.now() - began) / 1000),
    });
    if (options.mixText) report.replay += ` --mix ${options.mixText}`;
    writeReport(report);
    log(formatReport(report, t0));
    return report;
  } finally {
    probe.stop();
    lag.stop();
    await load.stop().catch(() => undefined);
    for (const w of watchers) w.stop();
    await oracle.stop();
    await env.teardown();
  }
}

/** The oracle's replayed history must end in exactly what etcd holds (keys and mod revisions). */
async function selfCheck(check: Check, oracle: Oracle, revision: number): Promise<void> {
  if (oracle.gaps.length)
    check.warn(`cut off by compaction ${oracle.gaps.length} time(s); those stretches are unknown`);
  const replayed = oracle.stateAt(revision);
  if (!replayed) {
    check.warn(`the oracle never reached revision ${revision} (at ${oracle.lastRevision})`);
    return;
  }
  const etcd = await oracle.readAt(revision);
  for (const key of new Set([...etcd.keys(), ...replayed.keys()])) {
    const want = etcd.get(key)?.modRevision;
    const got = replayed.get(key)?.modRevision;
    if (want !== got)
      check.fail(`${key}: etcd has ${want ?? 'nothing'}, the oracle ${got ?? 'nothing'}`);
  }
}

/** Not an invariant: did the schedule happen? A fault that could not be injected weakens the run. */
function faultsRow(records: FaultRecord[]): CheckResult {
  const check = new Check('F', 'faults injected as planned (harness)');
  for (const r of records)
    if (r.failed && r.kind !== 'kill-instance' && r.kind !== 'term-instance')
      check.warn(`#${r.id} ${r.kind} ${r.target}: ${r.failed}`);
  const kinds = new Map<string, number>();
  for (const r of records) if (r.startedAt) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
  check.note([...kinds].map(([k, n]) => `${k} ×${n}`).join(', '));
  return check.done(`${records.length} faults`);
}
