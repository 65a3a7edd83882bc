import { sleep } from '../../support/ports';
import { TestWatcher, RuleEventMessage } from '../../support/watch-client';
import { ChaosEnvironment, InstanceSlot } from '../cluster';
import { KeyState, Oracle } from '../oracle';
import { Check, CheckResult } from './result';

/** What the product serves: the keys its index holds (the watch snapshot's kinds). */
export const indexed = (key: string): boolean =>
  key.startsWith('rules/') || key.startsWith('windows/') || key.startsWith('breakers/');

export interface InstanceView {
  slot: string;
  instance: string;
  /** The index revision (SNAPSHOT_END) of the last view read. */
  revision?: number;
  etcdRevision?: number;
  /** The index revision equalled etcd's current revision. */
  quiescent: boolean;
  entries: { key: string; revision: number; value: string }[];
  error?: string;
}

/** An instance's index as a watcher sees it: a WatchRules stream from revision 0, up to SNAPSHOT_END. */
async function readView(slot: InstanceSlot, timeoutMs = 5000): Promise<InstanceView> {
  const view: InstanceView = {
    slot: slot.name,
    instance: slot.current?.id ?? '?',
    entries: [],
    quiescent: false,
  };
  const stream = new TestWatcher(slot.grpcPort, {});
  const end = (e: RuleEventMessage) => e.type === 'SNAPSHOT_END';
  try {
    await stream.until('snapshot end', (w) => w.events.some(end) || !!w.error, timeoutMs);
    const last = stream.events.findIndex(end);
    if (last < 0) throw new Error(stream.error?.message ?? 'stream ended before SNAPSHOT_END');
    view.revision = Number(stream.events[last].revision);
    view.entries = stream.events.slice(0, last).map((e) => ({
      key: e.key ?? '',
      revision: Number(e.revision ?? 0),
      value: e.value_json ?? '',
    }));
  } catch (error) {
    view.error = error instanceof Error ? error.message : String(error);
  } finally {
    stream.close();
  }
  return view;
}

/**
 * Quiescence: waits (bounded) until every running instance's index revision equals etcd's
 * current revision, read right after the view. An instance that never gets there keeps its last
 * view without `revision` set and fails invariant 1.
 */
export async function waitForQuiescence(
  env: ChaosEnvironment,
  timeoutMs: number,
): Promise<InstanceView[]> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, InstanceView>();
  const last = new Map<string, InstanceView>();
  for (;;) {
    for (const slot of env.slots.filter((s) => s.current && !done.has(s.name))) {
      const view = await readView(slot);
      view.etcdRevision = await env.etcd.revision().catch(() => undefined);
      view.quiescent = view.revision !== undefined && view.revision === view.etcdRevision;
      (view.quiescent ? done : last).set(slot.name, view);
    }
    const pending = env.slots.filter((s) => s.current && !done.has(s.name));
    if (pending.length === 0 || Date.now() > deadline)
      return env.slots.filter((s) => s.current).map((s) => done.get(s.name) ?? last.get(s.name)!);
    await sleep(300);
  }
}

/** Invariant 1: every instance's index equals etcd's content at the index revision. */
export async function checkIndexViews(
  views: InstanceView[],
  oracle: Oracle,
  timeoutMs: number,
): Promise<CheckResult> {
  const check = new Check('1', 'instance index = etcd at its revision');
  for (const view of views) {
    if (!view.quiescent)
      check.fail(
        `${view.instance}: index never reached etcd's revision within ${timeoutMs / 1000} s (index at ${view.revision ?? view.error}, etcd at ${view.etcdRevision})`,
      );
    // Even a lagging index must equal etcd at its own revision.
    if (view.revision === undefined) continue;
    let etcd: Map<string, KeyState>;
    try {
      etcd = await oracle.readAt(view.revision);
    } catch (error) {
      check.warn(`${view.instance}: could not read etcd at ${view.revision}: ${String(error)}`);
      continue;
    }
    const expected = [...etcd].filter(([key]) => indexed(key));
    const got = new Map(view.entries.map((e) => [e.key, e]));
    const problems: string[] = [];
    for (const [key, state] of expected) {
      const entry = got.get(key);
      if (!entry) problems.push(`missing ${key}@${state.modRevision}`);
      else if (entry.revision !== state.modRevision)
        problems.push(`${key} at revision ${entry.revision}, etcd ${state.modRevision}`);
      else if (entry.value !== state.value) problems.push(`${key} value differs`);
      got.delete(key);
    }
    for (const key of got.keys()) problems.push(`extra ${key} (absent from etcd)`);
    if (problems.length)
      check.fail(
        `${view.instance} at revision ${view.revision}: ${problems.length} difference(s): ${problems.slice(0, 4).join('; ')}`,
      );
  }
  return check.done(`${views.length} instances`);
}
