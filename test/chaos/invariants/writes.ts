import { Oracle, OracleEvent } from '../oracle';
import { WriteRecord } from '../writer';
import { Check, CheckResult } from './result';

const descriptionOf = (value: string | null): string | undefined => {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value) as { description?: unknown };
    return typeof parsed.description === 'string' ? parsed.description : undefined;
  } catch {
    return undefined;
  }
};

/** Every put of a rule or window in the history, by the nonce its description carries. */
function putsByNonce(oracle: Oracle): Map<string, OracleEvent[]> {
  const byNonce = new Map<string, OracleEvent[]>();
  for (const e of oracle.events) {
    if (!e.key.startsWith('rules/') && !e.key.startsWith('windows/')) continue;
    const nonce = descriptionOf(e.value);
    if (nonce) byNonce.set(nonce, [...(byNonce.get(nonce) ?? []), e]);
  }
  return byNonce;
}

const label = (r: WriteRecord) =>
  `#${r.id} ${r.kind}${r.race ? ` (race ${r.race})` : ''} via ${r.slot} → ${r.status || 'no answer'}`;

/** 3a: every acknowledged write is in etcd at its revision, with its value. */
function checkAcknowledged(writes: WriteRecord[], oracle: Oracle): CheckResult {
  const check = new Check('3a', 'acknowledged writes are in etcd');
  let unverifiable = 0;
  const acked = writes.filter((w) => w.outcome === 'ack');
  for (const w of acked) {
    const deletes = w.items.every((i) => i.nonce === null);
    if (deletes) {
      const key = w.items[0].key;
      const from = w.ifMatch ?? w.floor;
      const later = oracle.eventsIn(from, oracle.lastRevision, (k) => k === key);
      if (!later) unverifiable++;
      // With If-Match the delete is the key's very next change; without, some delete after the send.
      else if (
        w.ifMatch !== undefined ? later[0]?.value !== null : !later.some((e) => e.value === null)
      )
        check.fail(`${label(w)}: no delete of ${key} after revision ${from} in etcd`);
      continue;
    }
    if (!w.revision) {
      check.fail(`${label(w)}: acknowledged without a revision (no ETag / revision)`);
      continue;
    }
    const at = oracle.eventsIn(w.revision - 1, w.revision);
    if (!at) {
      unverifiable++;
      continue;
    }
    for (const item of w.items) {
      const e = at.find((x) => x.key === item.key);
      if (!e) check.fail(`${label(w)}: ${item.key} not written at revision ${w.revision}`);
      else if (descriptionOf(e.value) !== item.nonce)
        check.fail(`${label(w)}: ${item.key}@${w.revision} holds another value than was sent`);
    }
  }
  if (unverifiable) check.warn(`${unverifiable} acknowledged writes unverifiable (oracle gap)`);
  return check.done(`${acked.length} acknowledged writes`);
}

/** 3b: a 4xx wrote nothing. A 409 may follow a commit whose answer was lost and retried: noted only. */
function checkRejected(writes: WriteRecord[], byNonce: Map<string, OracleEvent[]>): CheckResult {
  const check = new Check('3b', 'rejected writes (4xx) wrote nothing');
  const rejected = writes.filter((w) => w.outcome === 'rejected');
  let conflictsCommitted = 0;
  for (const w of rejected) {
    const written = w.items.filter((i) => i.nonce && byNonce.has(i.nonce));
    if (written.length === 0) continue;
    if (w.status === 409) conflictsCommitted++;
    else check.fail(`${label(w)}: ${written[0].key} was written (${w.detail ?? ''})`);
  }
  if (conflictsCommitted)
    check.note(`${conflictsCommitted} writes answered 409 were committed (lost answer, retried)`);
  const unknown = writes.filter((w) => w.outcome === 'unknown').length;
  check.note(`${unknown} writes with an unknown outcome (no answer, timeout, 5xx) are not checked`);
  return check.done(`${rejected.length} rejected writes`);
}

/**
 * 3c: an import is all or nothing (its items appear all at one revision, or not at all, whatever
 * its answer), and at no revision does a rule reference a window that does not exist.
 */
function checkImportsAndOrphans(
  writes: WriteRecord[],
  oracle: Oracle,
  byNonce: Map<string, OracleEvent[]>,
): CheckResult {
  const check = new Check('3c', 'imports all-or-nothing, no rule without its window');
  const imports = writes.filter((w) => w.kind === 'import');
  for (const w of imports) {
    const found = w.items.map((i) => byNonce.get(i.nonce!)?.[0]);
    const revisions = new Set(found.filter((e) => e).map((e) => e!.revision));
    const present = found.filter((e) => e).length;
    if (present > 0 && (present < w.items.length || revisions.size > 1))
      check.fail(
        `${label(w)}: ${present} of ${w.items.length} items written, at ${[...revisions].join(', ')}`,
      );
  }
  // Replay the history revision by revision; `any` is a window like the others (migration 1).
  const writers = new Map<string, WriteRecord>();
  for (const w of writes) for (const i of w.items) if (i.nonce) writers.set(i.nonce, w);
  const windows = new Set<string>();
  const rules = new Map<string, string>();
  const reported = new Set<string>();
  const audit = (revision: number) => {
    for (const [rule, value] of rules) {
      const window = rule.split('/')[2];
      if (windows.has(window) || reported.has(rule)) continue;
      reported.add(rule);
      const by = writers.get(descriptionOf(value) ?? '');
      check.fail(
        `rules/${rule} exists at revision ${revision} while windows/${window} does not${by ? ` (written by ${label(by)})` : ''}`,
      );
    }
  };
  let revision = 0;
  const gaps = [...oracle.gaps];
  for (const e of oracle.events) {
    if (e.revision !== revision && revision) audit(revision);
    while (gaps.length && gaps[0].to < e.revision) {
      const gap = gaps.shift()!;
      windows.clear();
      rules.clear();
      for (const [key, state] of gap.state) apply(key, state.value);
      audit(gap.to);
    }
    revision = e.revision;
    apply(e.key, e.value);
  }
  if (revision) audit(revision);
  function apply(key: string, value: string | null): void {
    if (key.startsWith('windows/')) {
      if (value === null) windows.delete(key.slice(8));
      else windows.add(key.slice(8));
    } else if (key.startsWith('rules/')) {
      if (value === null) rules.delete(key.slice(6));
      else rules.set(key.slice(6), value);
    }
  }
  const races = new Set(writes.filter((w) => w.race).map((w) => w.race)).size;
  check.note(`${races} window-delete races`);
  return check.done(`${imports.length} imports, ${oracle.events.length} etcd events replayed`);
}

/** Invariant 3, in three rows. */
export function checkWrites(writes: WriteRecord[], oracle: Oracle): CheckResult[] {
  const byNonce = putsByNonce(oracle);
  return [
    checkAcknowledged(writes, oracle),
    checkRejected(writes, byNonce),
    checkImportsAndOrphans(writes, oracle, byNonce),
  ];
}
