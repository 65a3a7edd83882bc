import { KEYS } from '../domain/keys';
import { DomainError, validationFailed } from '../domain/errors';
import { tokenProblem } from '../domain/scope';
import type { Logger } from '../observability/logger';
import { ChangeEvent, ConfigStore } from '../ports/config-store.port';
import { BreakerTransitionEvent } from '../domain/breaker';
import { BreakerTransitions } from './breaker.service';
import { LiveRules } from './rule-index.service';

export type WatchEventType = 'PUT' | 'DELETE' | 'SNAPSHOT_END' | 'BREAKER';
export type WatchEventKind = 'RULE' | 'WINDOW' | 'BREAKER_OVERRIDE' | 'KIND_UNSPECIFIED';

export interface WatchEvent {
  type: WatchEventType;
  kind: WatchEventKind;
  key: string;
  revision: number;
  valueJson: string;
  snapshot: boolean;
  resync: boolean;
  /** The last event of its revision in this stream: a watcher may resume from this revision. */
  revisionComplete: boolean;
  breaker?: BreakerTransitionEvent;
}

export interface WatchFilter {
  department?: string;
  grade?: string;
  window?: string;
}

/**
 * Where a subscription's events go, in order, as fast as the client reads. A source may be lazy
 * (a snapshot is turned into events only as the client takes them, so a watcher that does not
 * read costs no copy of the rules). A batch (one etcd transaction, one snapshot) is always queued
 * whole; a subscriber still `backlogged` when the next batch comes is cut off, so a watcher that
 * does not read holds at most its backlog limit plus one batch.
 */
export interface WatchSink {
  send(events: Iterable<WatchEvent>, counted: number): void;
  backlogged(): boolean;
}

interface Subscription {
  filter: WatchFilter;
  sink: WatchSink;
  /** Only events after this revision are sent (no duplicates after a resume). */
  after: number;
  onOverflow: () => void;
}

const kindOf = (key: string): WatchEventKind =>
  key.startsWith(KEYS.rulesPrefix)
    ? 'RULE'
    : key.startsWith(KEYS.windowsPrefix)
      ? 'WINDOW'
      : key.startsWith(KEYS.breakersPrefix)
        ? 'BREAKER_OVERRIDE'
        : 'KIND_UNSPECIFIED';

/** Changes of one or more whole revisions, each revision's last event marked complete. */
function changeEvents(entries: readonly ChangeEvent[]): WatchEvent[] {
  return entries.map((entry, i) => ({
    ...toEvent(entry),
    revisionComplete: i === entries.length - 1 || entries[i + 1].modRevision !== entry.modRevision,
  }));
}

function* withEnd(events: WatchEvent[], end: WatchEvent): Iterable<WatchEvent> {
  yield* events;
  yield end;
}

function toEvent(entry: ChangeEvent, snapshot = false, resync = false): WatchEvent {
  return {
    type: entry.value === null ? 'DELETE' : 'PUT',
    kind: kindOf(entry.key),
    key: entry.key,
    revision: entry.modRevision,
    valueJson: entry.value ?? '',
    snapshot,
    resync,
    revisionComplete: false,
  };
}

/** Does an event pass a subscriber's filter? Breaker transitions and windows use the parts they have. */
export function matches(filter: WatchFilter, key: string): boolean {
  const parts = key.split('/');
  if (parts[0] === 'windows') return filter.window === undefined || filter.window === parts[1];
  const [, department, grade, window] = parts;
  return (
    (filter.department === undefined || filter.department === department) &&
    (filter.grade === undefined || filter.grade === grade) &&
    (filter.window === undefined || filter.window === window)
  );
}

export interface WatchHubOptions {
  /** Changes kept for resumes (from_revision); older resumes get a resync snapshot. */
  historySize: number;
  /** Subscriptions at once (waiting ones included); more are refused with OVERLOADED. */
  maxWatchers: number;
  /** How long a resume from a revision this instance has not reached yet may wait for it. */
  catchUpTimeoutMs: number;
}

/**
 * Fans the one etcd watch of this instance (held by RuleIndexService) out to any number of
 * watchers. A new watcher gets a snapshot of the current index, or the changes since its
 * `from_revision` from a bounded history; when the history cannot prove it holds every change
 * after that revision, a fresh snapshot flagged `resync`. Snapshot and subscription happen in one
 * synchronous step with the index, so nothing falls between them.
 *
 * The history is continuous from `historyFrom` because the feed behind the index never skips a
 * revision; it starts only at a listing from etcd (a snapshot file proves nothing about what
 * changed since it was written) and restarts at every relist.
 */
export class WatchHub {
  private readonly subscriptions = new Set<Subscription>();
  /** Applied changes after `historyFrom`, oldest first. */
  private history: ChangeEvent[] = [];
  /** undefined until the first listing from etcd: no resume can be replayed before it. */
  private historyFrom?: number;
  /** Subscriptions waiting for this instance to reach their from_revision. */
  private waiting = 0;

  constructor(
    private readonly live: LiveRules,
    private readonly store: ConfigStore,
    breakers: BreakerTransitions,
    private readonly logger: Logger,
    private readonly options: WatchHubOptions,
  ) {
    live.listen({
      changed: (entries) => this.onChanges(entries),
      relisted: (revision) => this.onResync(revision),
    });
    breakers.onTransition((transition) => this.onBreaker(transition));
  }

  get watchers(): number {
    return this.subscriptions.size;
  }

  /** Checks a request's filter; throws VALIDATION_FAILED naming the field. */
  static parseFilter(raw: { department?: string; grade?: string; window?: string }): WatchFilter {
    const problems: string[] = [];
    const filter: WatchFilter = {};
    for (const field of ['department', 'grade', 'window'] as const) {
      const value = raw[field];
      if (!value) continue;
      const problem = tokenProblem(field, value, field !== 'window');
      if (problem) problems.push(problem);
      filter[field] = value;
    }
    if (problems.length) throw validationFailed(problems);
    return filter;
  }

  /**
   * Starts a subscription: sends the snapshot or replay through `sink`, then every matching change.
   * Returns the function that ends it (also called when `signal` aborts: the client went away).
   * A `fromRevision` ahead of this instance waits for the index to get there; if it does not in
   * time, the call fails: OUT_OF_RANGE when etcd has not reached it either, else UNAVAILABLE.
   */
  async subscribe(
    filter: WatchFilter,
    fromRevision: number,
    sink: WatchSink,
    onOverflow: () => void,
    signal: AbortSignal,
  ): Promise<() => void> {
    if (this.subscriptions.size + this.waiting >= this.options.maxWatchers) {
      throw new DomainError(
        'OVERLOADED',
        `too many watchers on this instance (at most ${this.options.maxWatchers}); retry later or use another instance`,
      );
    }
    if (fromRevision > this.live.index.revision) {
      this.waiting++;
      try {
        await this.catchUp(fromRevision, signal);
      } finally {
        this.waiting--;
      }
    }
    if (signal.aborted) return () => undefined;
    // From here on synchronous: the index, the history and the live events cannot move in between.
    const revision = this.live.index.revision;
    const replay =
      fromRevision > 0 && this.historyFrom !== undefined && fromRevision >= this.historyFrom;
    const resync = fromRevision > 0 && !replay;
    const subscription: Subscription = { filter, sink, after: revision, onOverflow };
    if (replay) {
      const changes = this.history.filter(
        (e) => e.modRevision > fromRevision && matches(filter, e.key),
      );
      sink.send(
        withEnd(changeEvents(changes), this.endMarker(revision, false)),
        changes.length + 1,
      );
    } else {
      sink.send(this.snapshot(filter, revision, resync), 0);
    }
    this.subscriptions.add(subscription);
    if (resync)
      this.logger.info(
        { fromRevision, revision, historyFrom: this.historyFrom ?? null },
        'watcher resumed from a revision the history cannot replay: resync snapshot',
      );
    const unsubscribe = () => this.subscriptions.delete(subscription);
    signal.addEventListener('abort', unsubscribe, { once: true });
    return unsubscribe;
  }

  /**
   * The index's entries matching `filter` as of now, then the end marker. The entries are taken
   * now (an immutable array shared by every watcher); the events are made as the client reads.
   */
  private snapshot(filter: WatchFilter, revision: number, resync: boolean): Iterable<WatchEvent> {
    const entries = this.live.snapshotEntries();
    const end = this.endMarker(revision, resync);
    return (function* () {
      for (const entry of entries)
        if (matches(filter, entry.key)) yield toEvent(entry, true, resync);
      yield end;
    })();
  }

  private async catchUp(fromRevision: number, signal: AbortSignal): Promise<void> {
    if (await this.live.waitForRevision(fromRevision, this.options.catchUpTimeoutMs)) return;
    if (signal.aborted) return;
    const have = this.live.index.revision;
    const etcdRevision = await this.store.ping().catch(() => undefined);
    if (etcdRevision !== undefined && etcdRevision < fromRevision) {
      throw new DomainError(
        'REVISION_AHEAD',
        `from_revision ${fromRevision} is ahead of etcd (revision ${etcdRevision}); resume from a revision you received`,
      );
    }
    throw new DomainError(
      'NOT_CAUGHT_UP',
      `this instance has applied revision ${have} and cannot replay from ${fromRevision} yet; retry or use another instance`,
    );
  }

  private endMarker(revision: number, resync: boolean): WatchEvent {
    return {
      type: 'SNAPSHOT_END',
      kind: 'KIND_UNSPECIFIED',
      key: '',
      revision,
      valueJson: '',
      snapshot: true,
      resync,
      revisionComplete: true,
    };
  }

  private onChanges(entries: readonly ChangeEvent[]): void {
    if (this.historyFrom !== undefined) {
      this.history.push(...entries);
      const excess = this.history.length - this.options.historySize;
      if (excess > 0) {
        this.historyFrom = this.history[excess - 1].modRevision;
        this.history.splice(0, excess);
      }
    }
    for (const subscription of this.subscriptions) {
      const batch = entries.filter(
        (e) => e.modRevision > subscription.after && matches(subscription.filter, e.key),
      );
      if (batch.length) this.deliver(subscription, changeEvents(batch), batch.length);
    }
  }

  /**
   * The index was rebuilt from a full listing (compaction, lost watch): the individual changes
   * since the last event are unknown, so every watcher gets a fresh snapshot flagged resync, and
   * resumes from before this point resync too.
   */
  private onResync(revision: number): void {
    this.history = [];
    this.historyFrom = revision;
    for (const subscription of this.subscriptions) {
      subscription.after = revision;
      this.deliver(subscription, this.snapshot(subscription.filter, revision, true), 0);
    }
  }

  private onBreaker(transition: BreakerTransitionEvent): void {
    const key = `breakers/${transition.rule}`;
    const event: WatchEvent = {
      type: 'BREAKER',
      kind: 'KIND_UNSPECIFIED',
      key,
      revision: this.live.index.revision,
      valueJson: '',
      snapshot: false,
      resync: false,
      revisionComplete: false,
      breaker: transition,
    };
    for (const subscription of this.subscriptions) {
      if (matches(subscription.filter, key)) this.deliver(subscription, [event], 1);
    }
  }

  /** `counted`: how many events of `events` count toward the backlog (a lazy snapshot: none). */
  private deliver(subscription: Subscription, events: Iterable<WatchEvent>, counted: number): void {
    if (subscription.sink.backlogged()) {
      this.subscriptions.delete(subscription);
      subscription.onOverflow();
      return;
    }
    subscription.sink.send(events, counted);
  }

  /** Ends every subscription (shutdown): `end` is called once per sink. */
  closeAll(end: (sink: WatchSink) => void): void {
    for (const subscription of this.subscriptions) end(subscription.sink);
    this.subscriptions.clear();
  }
}
