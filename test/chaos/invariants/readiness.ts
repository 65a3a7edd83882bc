import { ChaosEnvironment, InstanceSlot } from '../cluster';
import { FaultRecord, touchesEtcd } from '../faults';
import { ReadinessSample, RegistrationCheck } from '../probes';
import { Check, CheckResult, rel } from './result';

/** Readiness must be back within this long of a recovery (the issue's contract). */
const WITHIN_MS = 2000;
/** Probes run every 200 ms: a state reached at +2.0 s is seen by a probe sent by +2.3 s. */
const POLL_SLACK_MS = 300;

interface Span {
  from: number;
  to: number;
}

/** Merges fault spans [startedAt, recoveredAt]; each merged span's end is a recovery point. */
function recoveries(faults: FaultRecord[], end: number): Span[] {
  const spans = faults
    .filter((f) => f.startedAt !== undefined)
    .map((f) => ({ from: f.startedAt!, to: f.recoveredAt ?? end }))
    .sort((a, b) => a.from - b.from);
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else merged.push({ ...s });
  }
  return merged;
}

/**
 * For each recovery point (end of a merged span of `faults`) that is followed by at least
 * WITHIN_MS + slack of calm, every instance serving throughout must answer 200 on `strict` /
 * `/readyz` within WITHIN_MS.
 */
function checkBackWithin(
  check: Check,
  env: ChaosEnvironment,
  samples: ReadinessSample[],
  faults: FaultRecord[],
  strict: boolean,
  t0: number,
  end: number,
): number {
  const spans = recoveries(faults, end);
  let points = 0;
  for (const [i, span] of spans.entries()) {
    const at = span.to;
    const next = spans[i + 1]?.from ?? Infinity;
    if (next < at + WITHIN_MS + POLL_SLACK_MS || at + WITHIN_MS + POLL_SLACK_MS > end) continue;
    for (const slot of env.slots) {
      const incarnation = servingThroughout(slot, at, at + WITHIN_MS + POLL_SLACK_MS);
      if (!incarnation) continue;
      points++;
      const ready = samples.some(
        (s) =>
          s.slot === slot.name &&
          s.generation === incarnation.generation &&
          s.strict === strict &&
          s.status === 200 &&
          s.at >= at &&
          s.at <= at + WITHIN_MS + POLL_SLACK_MS,
      );
      if (ready) continue;
      const seen = samples
        .filter((s) => s.slot === slot.name && s.strict === strict && s.at >= at)
        .find((s) => s.status === 200);
      check.fail(
        `${incarnation.id}: ${strict ? 'strict ' : ''}/readyz not 200 within ${WITHIN_MS / 1000} s of the recovery at ${rel(t0, at)}${seen ? ` (first 200 at ${rel(t0, seen.at)})` : ' (never 200 afterwards)'}`,
      );
    }
  }
  return points;
}

/** The incarnation that served the slot for the whole of [from, to], if one did. */
function servingThroughout(slot: InstanceSlot, from: number, to: number) {
  const incarnation = slot.incarnations.find(
    (i) =>
      i.startedAt !== undefined &&
      i.startedAt <= from &&
      (i.stoppedAt ?? i.exit?.at ?? Infinity) > to,
  );
  return incarnation && !slot.disruptedDuring(from, to, 0) ? incarnation : undefined;
}

/** Invariant 4, in four rows. `end` is when the faults, the writer and quiescence were over. */
export function checkReadiness(
  env: ChaosEnvironment,
  samples: ReadinessSample[],
  faults: FaultRecord[],
  registrations: RegistrationCheck[],
  t0: number,
  end: number,
): CheckResult[] {
  const rows: CheckResult[] = [];

  const back = new Check('4a', '/readyz 200 within 2 s after faults end');
  const points = checkBackWithin(back, env, samples, faults, false, t0, end);
  rows.push(back.done(`${points} instance recoveries`));

  // Strict readiness depends on etcd (synced) and Redis (reachable) only.
  const strict = new Check('4b', 'strict /readyz 200 within 2 s of etcd and Redis healthy');
  const infra = faults.filter((f) => touchesEtcd(f.kind) || f.kind === 'redis-restart');
  const strictPoints = checkBackWithin(strict, env, samples, infra, true, t0, end);
  rows.push(strict.done(`${strictPoints} instance recoveries`));

  // The new contract: etcd or Redis down never makes a serving instance unready.
  const never = new Check('4c', '/readyz stays 200 (degraded[]) while serving');
  const serving = samples.filter((s) => {
    if (s.strict || s.status === 0) return false;
    const slot = env.slot(s.slot);
    const incarnation = slot.incarnations.find((i) => i.generation === s.generation);
    // Not once the harness began to stop it: a draining instance rightly answers 503.
    return (
      !!incarnation &&
      (incarnation.stoppedAt ?? Infinity) > s.at &&
      !slot.disruptedDuring(s.at, s.at, 0)
    );
  });
  // One violation per episode (503s of one process less than a second apart), not per probe.
  const episodes: { who: string; from: number; to: number; probes: number }[] = [];
  const open = new Map<string, (typeof episodes)[number]>();
  let bad503 = 0;
  for (const s of serving) {
    if (s.status !== 503) continue;
    bad503++;
    const who = `${s.slot}-g${s.generation}`;
    const current = open.get(who);
    if (current && s.at - current.to <= 1000) {
      current.to = s.at;
      current.probes++;
    } else {
      const episode = { who, from: s.at, to: s.at, probes: 1 };
      episodes.push(episode);
      open.set(who, episode);
    }
  }
  for (const e of episodes)
    never.fail(
      `${e.who}: /readyz 503 from ${rel(t0, e.from)} to ${rel(t0, e.to)} (${e.probes} probes)`,
    );
  const shapeless = serving.filter((s) => s.status === 200 && s.shapeOk === false);
  if (shapeless.length)
    never.fail(
      `${shapeless.length} answers 200 without {status:'ready', degraded:[…]} (first at ${rel(t0, shapeless[0].at)})`,
    );
  never.note(`${bad503} of ${serving.length} probes answered 503`);
  rows.push(never.done(`${serving.length} probes`));

  const registered = new Check('4d', 'registered in instances/ within 1 TTL of etcd healthy');
  let skipped = 0;
  for (const r of registrations) {
    if (r.skipped) {
      skipped++;
      continue;
    }
    for (const id of r.missing)
      registered.fail(
        r.final
          ? `${id} not in instances/ at the end of the run (${rel(t0, r.checkedAt)})`
          : `${id} not in instances/ at ${rel(t0, r.checkedAt)} (etcd healthy since ${rel(t0, r.healthyAt)})`,
      );
  }
  if (skipped) registered.note(`${skipped} checks skipped (etcd faulted again before the check)`);
  rows.push(registered.done(`${registrations.length - skipped} checks`));
  return rows;
}
