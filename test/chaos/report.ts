import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaultRecord } from './faults';
import { CheckResult, rel } from './invariants/result';
import { describeFault } from './schedule';

export interface ChaosReport {
  seed: number;
  /** How to replay this run. */
  replay: string;
  startedAt: string;
  chaosSeconds: number;
  runDir: string;
  ok: boolean;
  violations: number;
  checks: CheckResult[];
  faults: (FaultRecord & { startedAtRel?: string; recoveredAtRel?: string })[];
  stats: Record<string, number | string>;
}

export function buildReport(
  seed: number,
  chaosSeconds: number,
  runDir: string,
  t0: number,
  checks: CheckResult[],
  faults: FaultRecord[],
  stats: Record<string, number | string>,
): ChaosReport {
  const violations = checks.reduce((sum, c) => sum + c.violations, 0);
  return {
    seed,
    replay: `npm run chaos -- --seed ${seed} --seconds ${chaosSeconds}`,
    startedAt: new Date(t0).toISOString(),
    chaosSeconds,
    runDir,
    ok: violations === 0,
    violations,
    checks,
    faults: faults.map((f) => ({
      ...f,
      startedAtRel: f.startedAt ? rel(t0, f.startedAt) : undefined,
      recoveredAtRel: f.recoveredAt ? rel(t0, f.recoveredAt) : undefined,
    })),
    stats,
  };
}

const pad = (text: string, width: number) =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);

/** The table the issue asks for: seed first, one row per invariant, then the faults with their times. */
export function formatReport(report: ChaosReport, t0: number): string {
  const lines: string[] = [];
  lines.push(`chaos seed ${report.seed}  (${report.replay})`);
  lines.push(
    `result: ${report.ok ? 'no invariant violated' : `${report.violations} violation(s)`}   logs: ${report.runDir}`,
  );
  lines.push('');
  lines.push(
    `${pad('#', 4)} ${pad('invariant', 58)} ${pad('result', 6)} ${pad('viol.', 6)} checked`,
  );
  lines.push('-'.repeat(110));
  for (const c of report.checks) {
    lines.push(
      `${pad(c.id, 4)} ${pad(c.title, 58)} ${pad(c.result, 6)} ${pad(String(c.violations), 6)} ${c.checked}`,
    );
    for (const e of c.examples) lines.push(`       ✗ ${e}`);
    if (c.violations > c.examples.length)
      lines.push(`       … and ${c.violations - c.examples.length} more (report.json)`);
    for (const n of c.notes) lines.push(`       · ${n}`);
  }
  lines.push('');
  lines.push(`faults injected (seed ${report.seed}):`);
  for (const f of report.faults) {
    const when = f.startedAt
      ? `started ${rel(t0, f.startedAt)}, recovered ${f.recoveredAt ? rel(t0, f.recoveredAt) : 'never'}`
      : 'not started';
    lines.push(
      `  ${describeFault(f)}: ${when}${f.note ? `; ${f.note}` : ''}${f.failed ? `; FAILED ${f.failed}` : ''}`,
    );
  }
  lines.push('');
  lines.push(
    `stats: ${Object.entries(report.stats)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  return lines.join('\n');
}

export function writeReport(report: ChaosReport): string {
  const file = join(report.runDir, 'report.json');
  writeFileSync(file, JSON.stringify(report, null, 2));
  return file;
}

/**
 * The raw material behind the verdicts, next to the report, for following a violation up:
 * etcd's history as the oracle saw it, every admin write, every watch stream (without its events).
 */
export function writeEvidence(
  runDir: string,
  evidence: { history: unknown[]; writes: unknown[]; streams: unknown[] },
): void {
  const lines = (items: unknown[]) => items.map((i) => JSON.stringify(i)).join('\n') + '\n';
  writeFileSync(join(runDir, 'history.jsonl'), lines(evidence.history));
  writeFileSync(join(runDir, 'writes.jsonl'), lines(evidence.writes));
  writeFileSync(join(runDir, 'streams.jsonl'), lines(evidence.streams));
}
