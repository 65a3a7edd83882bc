import { RuleEventMessage } from '../../support/watch-client';
import { Oracle } from '../oracle';
import { ChaosWatcher, describeFilter, inFilter } from '../watchers';
import { indexed } from './index-view';
import { Check, CheckResult } from './result';

interface Change {
  revision: number;
  key: string;
  /** null: a delete. */
  value: string | null;
}

const fromEvent = (e: RuleEventMessage): Change => ({
  revision: Number(e.revision ?? 0),
  key: e.key ?? '',
  value: e.type === 'DELETE' ? null : (e.value_json ?? ''),
});

const order = (a: Change, b: Change) =>
  a.revision - b.revision || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const show = (c: Change) => `${c.value === null ? 'DELETE' : 'PUT'} ${c.key}@${c.revision}`;

/** The first difference between what a watcher got and what etcd did, or undefined if equal. */
function firstDifference(got: Change[], want: Change[]): string | undefined {
  // Events of one revision (one transaction) may come in any order; revisions may not.
  const g = [...got].sort(order);
  const w = [...want].sort(order);
  for (let i = 0; i < Math.max(g.length, w.length); i++) {
    const a = g[i];
    const b = w[i];
    if (a && b && a.revision === b.revision && a.key === b.key) {
      if (a.value !== b.value)
        return `${show(a)} carries another value than etcd${a.value === null || b.value === null ? ' (put/delete mixed up)' : ''}`;
      continue;
    }
    if (!a) return `missing ${show(b)} (and ${w.length - i - 1} more after it)`;
    if (!b || order(a, b) < 0) {
      const dup = g.slice(0, i).some((x) => x.revision === a.revision && x.key === a.key);
      return `${dup ? 'duplicate' : 'unexpected'} ${show(a)}`;
    }
    return `missing ${show(b)} (got ${show(a)} next)`;
  }
  return undefined;
}

interface WatcherVerdict {
  problems: string[];
  checkpoints: number;
  unverifiable: number;
  resyncs: number;
}

/**
 * Replays one watcher's sessions against the oracle. A segment starts at a snapshot (compared
 * with etcd at its revision); from there the changes received, across reconnects, must be
 * exactly etcd's changes for the filter in (start, X], where X is: the revision of a replay's
 * SNAPSHOT_END (it claims everything up to there was sent), the last change received before a
 * resync snapshot (a resync may cover a tail, never a hole in the middle), or etcd's final
 * revision at the end of the run.
 */
export function verifyWatcher(
  w: Pick<ChaosWatcher, 'filter' | 'sessions'>,
  oracle: Oracle,
  finalRevision: number,
): WatcherVerdict {
  const keep = (key: string) => indexed(key) && inFilter(w.filter, key);
  const verdict: WatcherVerdict = { problems: [], checkpoints: 0, unverifiable: 0, resyncs: 0 };
  let start: number | undefined;
  let received: Change[] = [];
  const compareUpTo = (to: number, where: string) => {
    if (start === undefined) return;
    verdict.checkpoints++;
    const want = oracle.eventsIn(start, to, keep);
    if (!want) {
      verdict.unverifiable++;
      return;
    }
    const difference = firstDifference(received, want);
    if (difference) verdict.problems.push(`${where}, changes in (${start}, ${to}]: ${difference}`);
  };
  for (const [n, session] of w.sessions.entries()) {
    const where = `session ${n + 1} (${session.slot} g${session.generation}, from ${session.fromRevision})`;
    let snapshot: Change[] | undefined;
    let previous = 0;
    // Like the watcher itself, keep a revision only once its last event (revision_complete)
    // arrived: a revision cut short by the end of a stream is sent again whole on the resume.
    let complete = received.length;
    for (const e of session.events) {
      if (e.type === 'BREAKER') continue;
      if (e.type !== 'SNAPSHOT_END') {
        if (e.snapshot) (snapshot ??= []).push(fromEvent(e));
        else {
          const change = fromEvent(e);
          if (change.revision < previous)
            verdict.problems.push(`${where}: ${show(change)} came after revision ${previous}`);
          previous = change.revision;
          received.push(change);
          if (e.revision_complete) complete = received.length;
        }
        continue;
      }
      const at = Number(e.revision ?? 0);
      if (snapshot !== undefined || e.resync || session.fromRevision === 0) {
        if (received.length) compareUpTo(Math.max(...received.map((c) => c.revision)), where);
        if (e.resync) verdict.resyncs++;
        verdict.checkpoints++;
        const state = oracle.stateAt(at);
        if (!state) verdict.unverifiable++;
        else {
          const want = [...state]
            .filter(([key]) => keep(key))
            .map(([key, s]) => ({ key, revision: s.modRevision, value: s.value }));
          const difference = firstDifference(snapshot ?? [], want);
          if (difference)
            verdict.problems.push(
              `${where}: ${e.resync ? 'resync ' : ''}snapshot at ${at}: ${difference}`,
            );
        }
      } else compareUpTo(at, `${where} replay end at ${at}`);
      start = at;
      received = [];
      complete = 0;
      snapshot = undefined;
      previous = at;
    }
    if (session.endedAt !== undefined) received.length = complete;
  }
  compareUpTo(finalRevision, 'at the end');
  return verdict;
}

/** Has the watcher received everything of its filter up to `revision` (a cheap test to wait on)? */
export function caughtUp(w: ChaosWatcher, oracle: Oracle, revision: number): boolean {
  const session = w.sessions[w.sessions.length - 1];
  if (!session || session.endedAt !== undefined) return false;
  if (!session.events.some((e) => e.type === 'SNAPSHOT_END')) return false;
  const relevant = oracle.events.filter(
    (e) => e.revision <= revision && indexed(e.key) && inFilter(w.filter, e.key),
  );
  const last = relevant.length ? relevant[relevant.length - 1].revision : 0;
  return w.cursor >= last;
}

/** Invariant 2 over all watchers. */
export function checkWatchers(
  watchers: ChaosWatcher[],
  oracle: Oracle,
  finalRevision: number,
): CheckResult {
  const check = new Check('2', 'watchers: every change once, in order, or a resync');
  let checkpoints = 0;
  let unverifiable = 0;
  let resyncs = 0;
  let sessions = 0;
  for (const w of watchers) {
    const verdict = verifyWatcher(w, oracle, finalRevision);
    checkpoints += verdict.checkpoints;
    unverifiable += verdict.unverifiable;
    resyncs += verdict.resyncs;
    sessions += w.sessions.length;
    for (const problem of verdict.problems)
      check.fail(`watcher ${w.id} [${describeFilter(w.filter)}] ${problem}`);
  }
  check.note(`${sessions} streams, ${resyncs} resync snapshots`);
  if (unverifiable)
    check.warn(`${unverifiable} checkpoints unverifiable (the oracle missed a compacted stretch)`);
  return check.done(`${watchers.length} watchers, ${checkpoints} checkpoints`);
}
