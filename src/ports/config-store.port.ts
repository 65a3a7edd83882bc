/**
 * The seam between services and the strongly consistent store that holds rules, windows,
 * audit records and metadata (etcd in production: adapters/etcd). Keys are relative to the
 * configured prefix. Every method rejects with DomainError('STORE_UNAVAILABLE') when the store
 * cannot be reached within its timeout.
 */
export interface StoredEntry {
  key: string;
  value: string;
  /** Revision of the last change of this key. */
  modRevision: number;
}

export type Expectation =
  { kind: 'absent' } | { kind: 'present' } | { kind: 'revision'; revision: number };

export interface KeyGuard {
  key: string;
  expect: Expectation;
}

export interface Write {
  key: string;
  /** null deletes the key. */
  value: string | null;
}

export interface Transaction {
  /** All must hold, or nothing is written. */
  guards: KeyGuard[];
  /** No key under these prefixes was created or changed after `revision`. */
  unchangedPrefixes?: { prefix: string; revision: number }[];
  writes: Write[];
}

export type CommitResult = { committed: true; revision: number } | { committed: false };

export interface ListOptions {
  /** Newest key first (keys are time-ordered for audit records). */
  descending?: boolean;
  limit?: number;
  /** Only keys strictly below this one (descending paging cursor). */
  below?: string;
  /** Keys only: values come back empty. */
  keysOnly?: boolean;
  /** Read as of this revision (for a consistent multi-prefix listing). */
  atRevision?: number;
}

export interface ChangeEvent {
  key: string;
  /** null for a delete. */
  value: string | null;
  modRevision: number;
}

export interface ChangeFeedHandlers {
  /**
   * One etcd watch response: its changes, in revision order. The feed resumes after the last
   * revision this returned from; if it throws, the feed ends and reports `onLost`.
   */
  onChanges(events: ChangeEvent[]): void;
  /** The feed cannot continue from its revision (compacted, or cancelled); relist and watch again. */
  onLost(reason: string): void;
  onConnectionChange(connected: boolean, reason?: string): void;
}

/**
 * A watch of the whole prefix that survives disconnects by itself: after any disconnect it
 * resumes from the first revision `onChanges` has not returned from, never from a revision the
 * store claims to have sent.
 */
export interface ChangeFeed {
  /** Drops the connection (e.g. found stale) and resumes from the first revision not applied. */
  reconnect(reason: string): void;
  close(): Promise<void>;
}

/** A key kept alive by this process; `close` removes it. */
export interface Registration {
  close(): Promise<void>;
}

export abstract class ConfigStore {
  abstract get(key: string): Promise<StoredEntry | undefined>;
  abstract list(
    prefix: string,
    options?: ListOptions,
  ): Promise<{ entries: StoredEntry[]; revision: number }>;
  abstract commit(transaction: Transaction): Promise<CommitResult>;
  /**
   * Watches every key under the whole prefix from `fromRevision` (inclusive). Returns at once;
   * the connection is reported through `onConnectionChange`.
   */
  abstract watch(fromRevision: number, handlers: ChangeFeedHandlers): ChangeFeed;
  /**
   * How many keys under the prefix were written after `revision` (deletes are not seen): a
   * watch that has applied `revision` and stays behind this is stale. Reads every key of the
   * prefix on the server: for the watchdog's second look, not for every probe.
   */
  abstract countWrittenAfter(revision: number): Promise<number>;
  /**
   * Writes a key that lives only while this process does (an etcd lease kept alive in the
   * background; if the lease is lost, e.g. etcd was away longer than the TTL, a new one is
   * granted and the key written again once etcd answers). Resolves once the key is written.
   */
  abstract registerEphemeral(key: string, value: string, ttlSeconds: number): Promise<Registration>;
  /** Whether `revision` has been compacted away (its changes can no longer be read). */
  abstract isCompacted(revision: number): Promise<boolean>;
  /** A cheap read that proves the store answers; resolves with its current revision. */
  abstract ping(): Promise<number>;
  abstract close(): Promise<void>;
}
