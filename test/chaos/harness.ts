import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, waitFor } from '../support/ports';
import { ChaosEnvironment, ETCD_PREFIX, INSTANCE_TTL_SECONDS } from './cluster';
import { FaultInjector, FaultRecord, touchesEtcd } from './faults';
import { checkDecisions, checkProcesses } from './invariants/decisions';
import { InstanceView, checkIndexViews, waitForQuiescence } from './invariants/index-view';
import { checkReadiness } from './invariants/readiness';
import { Check, CheckResult } from './invariants/result';
import { caughtUp, checkWatchers } from './invariants/watch-streams';
import { checkWrites } from './invariants/writes';
import { DecisionLoad, LagMonitor } from './load';
import { Oracle } from './oracle';
import { ReadinessProbe, RegistrationChecker } from './probes';
import { ChaosReport, buildReport, formatReport, writeEvidence, writeReport } from './report';
import { Rng } from './rng';
import { DEFAULT_MIX, FaultMix, PlannedFault, describeFault, planSchedule } from './schedule';
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

/** Everything that runs alongside the faults. */
interface Run {
  env: ChaosEnvironment;
  oracle: Oracle;
  writer: AdminWriter;
  watchers: ChaosWatcher[];
  lag: LagMonitor;
  load: DecisionLoad;
  probe: ReadinessProbe;
  injector: FaultInjector;
  registrations: RegistrationChecker;
}

/** What the run looked like once the faults and the writer stopped and the system settled. */
interface Settled {
  views: InstanceView[];
  finalRevision: number;
  /** When the probes stopped: readiness is judged up to here. */
  end: number;
}

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
  const began = Date.now();
  const env = await ChaosEnvironment.start(runDir);
  const stops: (() => unknown)[] = [];
  try {
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
    const run = await startRun(env, schedule, options, log, stops);

    const t0 = Date.now();
    log('chaos phase started');
    await run.injector.run(t0, (r) => {
      if (touchesEtcd(r.kind) && r.recoveredAt) run.registrations.afterRecovery(r.recoveredAt);
    });
    log('faults over; stopping the writer and waiting for quiescence');
    const settled = await settle(run);

    const checks = await judge(run, settled, t0);
    const outcomes = (o: string) => run.writer.records.filter((w) => w.outcome === o).length;
    const report = buildReport(seed, chaosSeconds, runDir, t0, checks, run.injector.records, {
      replay_mix: options.mixText ?? 'default',
      etcd_revision: settled.finalRevision,
      writes: run.writer.records.length,
      writes_acked: outcomes('ack'),
      writes_rejected: outcomes('rejected'),
      writes_unknown: outcomes('unknown'),
      decisions: run.load.records.length,
      watch_streams: run.watchers.reduce((n, w) => n + w.sessions.length, 0),
      readiness_probes: run.probe.samples.length,
      oracle_restarts: run.oracle.restarts,
      wall_seconds: Math.round((Date.now() - began) / 1000),
    });
    if (options.mixText) report.replay += ` --mix ${options.mixText}`;
    writeReport(report);
    writeEvidence(runDir, {
      history: run.oracle.events,
      writes: run.writer.records,
      streams: run.watchers.flatMap((w) =>
        w.sessions.map(({ events, ...session }) => ({
          watcher: w.id,
          filter: w.filter,
          ...session,
          received: events.length,
          revisions: events.map((e) => Number(e.revision ?? 0)).filter((r) => r > 0),
        })),
      ),
    });
    log(formatReport(report, t0));
    return report;
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
    await env.teardown();
  }
}

/** Starts the oracle, seeds some data, then the watchers, the load, the probes and the writer. */
async function startRun(
  env: ChaosEnvironment,
  schedule: PlannedFault[],
  options: ChaosOptions,
  log: (line: string) => void,
  stops: (() => unknown)[],
): Promise<Run> {
  const rng = new Rng(options.seed);
  const oracle = new Oracle(env.etcd.endpoints, ETCD_PREFIX, join(env.runDir, 'oracle.log'));
  oracle.start();
  stops.push(() => oracle.stop());
  await oracle.waitCaughtUp(await env.etcd.revision(), 15_000);
  const writer = new AdminWriter(env, rng.fork('writer'), options.seed, () => oracle.lastRevision);
  await writer.seedData();
  stops.push(() => writer.stop());
  const filters = watcherFilters(
    options.watchers ?? 21,
    DEPARTMENTS,
    [...GRADES, '*'],
    ['any', 'cw0', 'cw1', 'cw2'],
  );
  const watchers = filters.map((f, i) => new ChaosWatcher(i + 1, f, env, rng.fork(`watcher-${i}`)));
  stops.push(() => watchers.forEach((w) => w.stop()));
  const lag = new LagMonitor();
  stops.push(() => lag.stop());
  const load = new DecisionLoad(env, rng.fork('load'), options.decisionsPerSecond ?? 40);
  stops.push(() => load.stop());
  const probe = new ReadinessProbe(env);
  stops.push(() => probe.stop());
  const injector = new FaultInjector(env, schedule, log);
  const registrations = new RegistrationChecker(env, (from, to) =>
    injector.records.some(
      (r) =>
        touchesEtcd(r.kind) && r.startedAt !== undefined && r.startedAt > from && r.startedAt <= to,
    ),
  );
  for (const w of watchers) w.start();
  lag.start();
  load.start();
  probe.start();
  writer.start();
  return { env, oracle, writer, watchers, lag, load, probe, injector, registrations };
}

/**
 * After the last fault: stop the writer, wait (bounded) for every instance's index to reach
 * etcd's revision, the oracle and the watchers to catch up, and the 2 s readiness window to pass;
 * then the last registration check, and stop the load, probes and watchers.
 */
async function settle(run: Run): Promise<Settled> {
  const faultsOver = Date.now();
  await run.writer.stop();
  const views = await waitForQuiescence(run.env, QUIESCENCE_MS);
  const finalRevision = Math.max(
    await run.env.etcd.revision(),
    ...views.map((v) => v.etcdRevision ?? 0),
  );
  await run.oracle.waitCaughtUp(finalRevision, 15_000).catch(() => undefined);
  await waitFor(
    'watchers caught up',
    () => run.watchers.every((w) => caughtUp(w, run.oracle, finalRevision)),
    10_000,
    100,
  ).catch(() => undefined);
  // Readiness after the last recovery is judged over 2 s (+ probe slack): give it that time.
  await sleep(Math.max(0, faultsOver + 2600 - Date.now()));
  await run.registrations.drain();
  await run.registrations.check(Date.now() - (INSTANCE_TTL_SECONDS + 1) * 1000, true);
  const end = Date.now();
  run.probe.stop();
  await run.load.stop();
  run.lag.stop();
  for (const w of run.watchers) w.stop();
  return { views, finalRevision, end };
}

/** Every check, in the order of the report. */
async function judge(run: Run, settled: Settled, t0: number): Promise<CheckResult[]> {
  const { env, oracle, injector } = run;
  const oracleCheck = new Check('0', 'oracle saw the whole history (harness self-check)');
  await selfCheck(oracleCheck, oracle, settled.finalRevision);
  const checks: CheckResult[] = [
    oracleCheck.done(`${oracle.events.length} events up to revision ${settled.finalRevision}`),
    await checkIndexViews(settled.views, oracle, QUIESCENCE_MS),
    checkWatchers(run.watchers, oracle, settled.finalRevision),
    ...checkWrites(run.writer.records, oracle),
    ...checkReadiness(
      env,
      run.probe.samples,
      injector.records,
      run.registrations.checks,
      t0,
      settled.end,
    ),
    ...checkDecisions(env, run.load.records, run.lag, injector.records, t0),
    checkProcesses(env, injector.records, t0),
    faultsRow(injector.records),
  ];
  checks
    .find((c) => c.id === '4c')
    ?.notes.push(...[...run.probe.examples.values()].map((e) => `e.g. ${e}`));
  return checks;
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
