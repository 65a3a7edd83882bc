import { DomainError } from '../domain/errors';
import { KEYS } from '../domain/keys';
import { IndexChange, RuleIndex } from '../domain/rule-index';
import { ChangeEvent, ChangeFeed, ConfigStore } from '../ports/config-store.port';
import { SnapshotStore } from '../ports/snapshot-store.port';
import { DecodeResult, decodeEntry } from '../schema/stored-entry.codec';
import type { Logger } from '../observability/logger';
import { MetricsService } from '../observability/metrics.service';
import { assertSchemaSupported, readSchemaVersion } from './schema-migrator';

export type IndexSource = 'empty' | 'snapshot' | 'etcd';

export interface IndexStatus {
  /** Listed from etcd, the watch is connected and etcd answers: the index is as fresh as etcd. */
  synced: boolean;
  source: IndexSource;
  revision: number;
  rules: number;
  windows: number;
  lastError?: string;
}

/** What admin services need of the live index: the current view and read-your-writes. */
export interface LiveIndex {
  readonly index: RuleIndex;
  waitForRevision(revision: number, timeoutMs: number): Promise<boolean>;
}

/** Told what the live index applied, synchronously, right after each new index is swapped in. */
export interface IndexListener {
  /** The rule, window and override entries one watch response applied, in revision order. */
  changed(entries: readonly ChangeEvent[]): void;
  /** The index was rebuilt from a full listing at `revision`: changes since are unknown. */
  relisted(revision: number): void;
}

/** What watchers are served from: the live index, its accepted entries and what it applies. */
export interface LiveRules extends LiveIndex {
  snapshotEntries(): readonly ChangeEvent[];
  listen(listener: IndexListener): void;
}

export interface RuleIndexOptions {
  watchdogMs: number;
}

const RESYNC_DELAY_MS = 500;
const SNAPSHOT_EVERY_MS = 1000;
/** Entries decoded between two turns of the event loop while a listing is decoded. */
const DECODE_CHUNK = 50;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Where decoded entries go, and what a bad value falls back to. */
interface DecodeTarget {
  origin: 'list' | 'watch' | 'snapshot';
  /** Accepted raw entries (for the snapshot file and watcher snapshots). */
  accepted: Map<string, ChangeEvent>;
  /** The index whose good value a bad one leaves in place. */
  previous?: RuleIndex;
  /** Entries that became changes, in order. */
  applied?: ChangeEvent[];
}

/**
 * The live, in-memory view of etcd. Lists rules and windows at one revision, then watches the
 * prefix from the next revision and applies each watch response as one new immutable RuleIndex
 * (one assignment). Values that fail validation are logged and counted; the previous good value
 * of that key keeps serving. A snapshot file carries the index across restarts during an etcd
 * outage. The decision path only ever reads `index` — it never awaits etcd.
 */
export class RuleIndexService implements LiveRules {
  private current = RuleIndex.empty();
  /** Accepted raw entries (rules and windows), for the snapshot file. */
  private accepted = new Map<string, ChangeEvent>();
  /** `accepted` in key order, shared by every watcher snapshot until it changes. */
  private sortedEntries?: readonly ChangeEvent[];
  private feed?: ChangeFeed;
  private source: IndexSource = 'empty';
  /** The index was built from a listing and a feed continues from it. */
  private listed = false;
  private watchConnected = false;
  /** The last watchdog probe (or the watch) got an answer from etcd. */
  private etcdReachable = false;
  /** The newest revision the feed delivered and this index applied (or the listing's). */
  private appliedRevision = 0;
  /** Set when the watchdog saw writes the watch had not delivered; a second sighting reconnects. */
  private staleSince?: number;
  /** etcd's revision when a look found no undelivered write under the prefix. */
  private verifiedUpTo = 0;
  private lastError?: string;
  private stopped = false;
  private syncing?: Promise<void>;
  private watchdog?: NodeJS.Timeout;
  private snapshotTimer?: NodeJS.Timeout;
  /** The snapshot file write under way, if any. */
  private snapshotWrite?: Promise<void>;
  /** A change came after the last snapshot taken. */
  private snapshotDue = false;
  private readonly waiters = new Set<{
    revision: number;
    resolve: (seen: boolean) => void;
    timer: NodeJS.Timeout;
  }>();
  private readonly rejectedRevisions = new Map<string, number>();
  /** Keys under instances/: the live Rule Center instances (etcd leases). */
  private readonly instances = new Set<string>();

  constructor(
    private readonly store: ConfigStore,
    private readonly snapshots: SnapshotStore,
    private readonly metrics: MetricsService,
    private readonly logger: Logger,
    private readonly options: RuleIndexOptions,
  ) {}

  get index(): RuleIndex {
    return this.current;
  }

  private readonly listeners: IndexListener[] = [];

  listen(listener: IndexListener): void {
    this.listeners.push(listener);
  }

  /** Every accepted rule, window and override entry of the current index, in key order. */
  snapshotEntries(): readonly ChangeEvent[] {
    this.sortedEntries ??= [...this.accepted.values()].sort((a, b) =>
      a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
    );
    return this.sortedEntries;
  }

  /** Live instances known from etcd (at least this one): the divisor of the fail-open share. */
  get instanceCount(): number {
    return Math.max(1, this.instances.size);
  }

  status(): IndexStatus {
    return {
      synced: this.isSynced(),
      source: this.source,
      revision: this.current.revision,
      rules: this.current.ruleCount,
      windows: this.current.windowCount,
      lastError: this.lastError,
    };
  }

  /**
   * Loads the snapshot, then syncs with etcd. A schema this build cannot run on is fatal at
   * start; an unreachable etcd is not (the snapshot serves, and sync is retried).
   */
  async start(): Promise<void> {
    await this.loadSnapshot();
    try {
      await this.sync();
    } catch (error) {
      if (error instanceof DomainError && error.code !== 'STORE_UNAVAILABLE') throw error;
      this.logger.warn(
        { err: describe(error), source: this.source },
        'etcd unreachable at start; serving the snapshot until it returns',
      );
    }
    this.watchdog = setInterval(() => void this.checkLiveness(), this.options.watchdogMs);
    this.watchdog.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.waiters.clear();
    await this.feed?.close();
    clearTimeout(this.snapshotTimer);
    await this.snapshotWrite;
    await this.saveSnapshot();
  }

  /** Resolves true once the index has applied `revision` (or a later one), false on timeout. */
  waitForRevision(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.current.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        revision,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  private async loadSnapshot(): Promise<void> {
    try {
      const snapshot = await this.snapshots.load();
      if (!snapshot) return;
      const accepted = new Map<string, ChangeEvent>();
      const changes = await this.decodeListing(snapshot.entries, { origin: 'snapshot', accepted });
      this.accepted = accepted;
      this.sortedEntries = undefined;
      this.swap(RuleIndex.empty().withChanges(changes, snapshot.revision), 'snapshot');
      this.logger.info(
        { revision: snapshot.revision, savedAt: snapshot.savedAt, rules: this.current.ruleCount },
        'rule snapshot loaded',
      );
    } catch (error) {
      this.logger.error({ err: describe(error) }, 'rule snapshot unreadable; ignored');
    }
  }

  /** Full relist + fresh watch. Concurrent callers share one run. */
  private sync(): Promise<void> {
    this.syncing ??= this.doSync().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    await this.feed?.close();
    this.feed = undefined;
    this.listed = false;
    this.watchConnected = false;
    this.updateSyncedGauge();
    this.metrics.indexResyncs.inc();
    assertSchemaSupported((await readSchemaVersion(this.store)).version);
    const rules = await this.store.list(KEYS.rulesPrefix);
    const windows = await this.store.list(KEYS.windowsPrefix, { atRevision: rules.revision });
    const overrides = await this.store.list(KEYS.breakersPrefix, { atRevision: rules.revision });
    const instances = await this.store.list(KEYS.instancesPrefix, {
      atRevision: rules.revision,
      keysOnly: true,
    });
    this.instances.clear();
    for (const entry of instances.entries) this.instances.add(entry.key);
    // Decoded in chunks (decisions go on with the current index meanwhile), swapped in at once.
    const accepted = new Map<string, ChangeEvent>();
    const changes = await this.decodeListing(
      [...windows.entries, ...rules.entries, ...overrides.entries],
      { origin: 'list', accepted, previous: this.current },
    );
    this.accepted = accepted;
    this.sortedEntries = undefined;
    this.swap(RuleIndex.empty().withChanges(changes, rules.revision), 'etcd');
    this.appliedRevision = rules.revision;
    this.staleSince = undefined;
    for (const listener of this.listeners) listener.relisted(rules.revision);
    this.logger.info(
      {
        revision: rules.revision,
        rules: this.current.ruleCount,
        windows: this.current.windowCount,
      },
      'rule index listed from etcd',
    );
    this.scheduleSnapshot();
    // The feed connects (and reconnects) by itself, always resuming after the last revision
    // applied here; until it reports connected the index is not synced.
    this.feed = this.store.watch(rules.revision + 1, {
      onChanges: (events) => this.applyEvents(events),
      onLost: (reason) => this.resyncSoon(`watch lost: ${reason}`),
      onConnectionChange: (connected, reason) => {
        this.watchConnected = connected;
        if (connected) this.etcdReachable = true;
        else this.lastError = reason ?? 'etcd watch disconnected';
        this.updateSyncedGauge();
      },
    });
    this.listed = true;
    this.etcdReachable = true;
    this.lastError = undefined;
    this.updateSyncedGauge();
  }

  private resyncSoon(reason: string): void {
    if (this.stopped) return;
    this.lastError = reason;
    this.listed = false;
    this.updateSyncedGauge();
    this.logger.warn({ reason }, 'rule index resyncing from etcd');
    setTimeout(() => {
      if (this.stopped) return;
      this.sync().catch((error) => {
        this.lastError = describe(error);
        this.resyncSoon(`resync failed: ${describe(error)}`);
      });
    }, RESYNC_DELAY_MS).unref();
  }

  /**
   * Watchdog. Not listed: list again. Listed: a cheap read proves etcd answers (so a failed probe
   * is undone by the next good one) and tells etcd's revision. A half-dead watch stream raises
   * nothing, so when etcd stays ahead of what the watch applied for two probes in a row, a read
   * of the keys written since (etcd's revision also moves for keys outside the prefix) decides
   * whether the feed reconnects — it resumes from what was applied, no relist.
   */
  private async checkLiveness(): Promise<void> {
    if (this.stopped || this.syncing) return;
    if (!this.listed) {
      await this.sync().catch((error) => {
        this.lastError = describe(error);
      });
      return;
    }
    const applied = this.appliedRevision;
    try {
      const etcdRevision = await this.store.ping();
      this.etcdReachable = true;
      this.updateSyncedGauge();
      if (await this.watchIsStale(applied, etcdRevision)) {
        const reason = `etcd watch stale: keys written after revision ${applied} were not delivered`;
        this.metrics.watchReconnects.inc({ reason: 'stale' });
        this.logger.warn({ revision: applied, etcdRevision }, reason);
        this.feed?.reconnect(reason);
      }
    } catch (error) {
      this.etcdReachable = false;
      this.lastError = describe(error);
      this.updateSyncedGauge();
    }
  }

  private async watchIsStale(applied: number, etcdRevision: number): Promise<boolean> {
    const moved = this.appliedRevision !== applied;
    if (etcdRevision <= applied || moved || !this.watchConnected) {
      this.staleSince = undefined;
      return false;
    }
    if (this.staleSince !== applied || etcdRevision <= this.verifiedUpTo) {
      this.staleSince = applied;
      return false;
    }
    const undelivered = await this.store.countWrittenAfter(applied);
    if (undelivered > 0 && this.appliedRevision === applied) {
      this.staleSince = undefined;
      return true;
    }
    // Only writes outside the prefix: no need to look again until etcd moves on.
    this.verifiedUpTo = etcdRevision;
    return false;
  }

  private applyEvents(events: ChangeEvent[]): void {
    for (const event of events) {
      if (!event.key.startsWith(KEYS.instancesPrefix)) continue;
      if (event.value === null) this.instances.delete(event.key);
      else this.instances.add(event.key);
    }
    const applied: ChangeEvent[] = [];
    const changes = this.decodeAll(events, {
      origin: 'watch',
      accepted: this.accepted,
      previous: this.current,
      applied,
    });
    if (applied.length) this.sortedEntries = undefined;
    const revision = events[events.length - 1].modRevision;
    this.swap(this.current.withChanges(changes, revision), 'etcd');
    this.appliedRevision = revision;
    if (applied.length) for (const listener of this.listeners) listener.changed(applied);
    for (const change of changes) {
      this.metrics.ruleChangesApplied.inc({ kind: change.kind });
      this.logger.info(
        { change: change.kind, key: changeKey(change), revision },
        'rule change applied',
      );
    }
    this.scheduleSnapshot();
  }

  /**
   * Decodes entries into index changes, recording accepted raw entries in `accepted`. An invalid
   * value is logged once per key revision and counted; when `previous` still holds a good value
   * for the key, that value (and its raw entry) is kept.
   */
  private decodeAll(entries: readonly ChangeEvent[], into: DecodeTarget): IndexChange[] {
    const changes: IndexChange[] = [];
    for (const entry of entries) this.decodeOne(entry, into, changes);
    return changes;
  }

  /** The same for a whole listing, giving the event loop back every DECODE_CHUNK entries. */
  private async decodeListing(
    entries: readonly ChangeEvent[],
    into: DecodeTarget,
  ): Promise<IndexChange[]> {
    const changes: IndexChange[] = [];
    for (let i = 0; i < entries.length; i++) {
      if (i > 0 && i % DECODE_CHUNK === 0) await yieldToLoop();
      this.decodeOne(entries[i], into, changes);
    }
    return changes;
  }

  private decodeOne(entry: ChangeEvent, into: DecodeTarget, changes: IndexChange[]): void {
    const decoded = safeDecode(entry);
    if (decoded.kind === 'ignored') return;
    if (decoded.kind === 'change') {
      changes.push(decoded.change);
      into.applied?.push(entry);
      if (entry.value === null) into.accepted.delete(entry.key);
      else into.accepted.set(entry.key, entry);
      return;
    }
    if (this.rejectedRevisions.get(entry.key) !== entry.modRevision) {
      this.rejectedRevisions.set(entry.key, entry.modRevision);
      this.metrics.configLoadErrors.inc({ kind: entry.key.slice(0, entry.key.indexOf('/')) });
      this.logger.error(
        {
          key: entry.key,
          revision: entry.modRevision,
          origin: into.origin,
          problems: decoded.problems,
        },
        'invalid value in etcd rejected; the previous value keeps serving',
      );
    }
    const kept = into.previous && this.previousEntry(into.previous, entry.key);
    if (!kept) return;
    changes.push(kept);
    const raw = this.accepted.get(entry.key);
    if (raw) into.accepted.set(entry.key, raw);
  }

  private previousEntry(previous: RuleIndex, key: string): IndexChange | undefined {
    if (key.startsWith(KEYS.rulesPrefix)) {
      const rule = previous.rule(key.slice(KEYS.rulesPrefix.length));
      return rule && { kind: 'put-rule', rule };
    }
    if (key.startsWith(KEYS.breakersPrefix)) {
      const ruleKey = key.slice(KEYS.breakersPrefix.length);
      const override = previous.override(ruleKey);
      return override && { kind: 'put-override', key: ruleKey, override };
    }
    const window = previous.window(key.slice(KEYS.windowsPrefix.length));
    return window && { kind: 'put-window', window };
  }

  private swap(next: RuleIndex, source: IndexSource): void {
    this.current = next;
    this.source = source;
    this.metrics.rulesLoaded.set(next.ruleCount);
    this.metrics.windowsLoaded.set(next.windowCount);
    this.metrics.rulesRevision.set(next.revision);
    for (const waiter of this.waiters) {
      if (next.revision >= waiter.revision) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }

  private isSynced(): boolean {
    return this.listed && this.watchConnected && this.etcdReachable;
  }

  private updateSyncedGauge(): void {
    this.metrics.etcdSynced.set(this.isSynced() ? 1 : 0);
  }

  /**
   * At most one snapshot write at a time, at most one per SNAPSHOT_EVERY_MS: a burst of changes
   * (an import) costs one write, not one per change. The entries and revision are taken together,
   * synchronously; the file is written in chunks, off the decisions' way (file-snapshot.store.ts).
   */
  private scheduleSnapshot(): void {
    if (this.stopped) return;
    this.snapshotDue = true;
    if (this.snapshotTimer || this.snapshotWrite) return;
    this.snapshotTimer = setTimeout(() => void this.saveSnapshot(), SNAPSHOT_EVERY_MS);
    this.snapshotTimer.unref();
  }

  private saveSnapshot(): Promise<void> {
    this.snapshotTimer = undefined;
    if (this.snapshotWrite || !this.snapshotDue) return this.snapshotWrite ?? Promise.resolve();
    this.snapshotDue = false;
    const snapshot = {
      revision: this.current.revision,
      savedAt: new Date().toISOString(),
      entries: [...this.accepted.values()],
    };
    this.snapshotWrite = this.snapshots
      .save(snapshot)
      .catch((error: unknown) =>
        this.logger.error({ err: describe(error) }, 'rule snapshot could not be written'),
      )
      .finally(() => {
        this.snapshotWrite = undefined;
        if (this.snapshotDue) this.scheduleSnapshot();
      });
    return this.snapshotWrite;
  }
}

/** A value nobody validated (anyone with etcd access may write it) must never throw out of here. */
function safeDecode(entry: ChangeEvent): DecodeResult {
  try {
    return decodeEntry(entry.key, entry.value, entry.modRevision);
  } catch (error) {
    return { kind: 'invalid', problems: [`value could not be decoded: ${describe(error)}`] };
  }
}

function changeKey(change: IndexChange): string {
  switch (change.kind) {
    case 'put-rule':
      return `rules/${change.rule.department}/${change.rule.grade}/${change.rule.window}`;
    case 'delete-rule':
      return `rules/${change.key}`;
    case 'put-window':
      return `windows/${change.window.name}`;
    case 'delete-window':
      return `windows/${change.name}`;
    case 'put-override':
    case 'delete-override':
      return `breakers/${change.key}`;
  }
}

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
