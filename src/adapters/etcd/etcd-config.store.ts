import { CallOptions } from '@grpc/grpc-js';
import {
  Etcd3,
  ICompare,
  IRequestOp,
  CompareResult,
  CompareTarget,
  SortOrder,
  SortTarget,
  isRecoverableError,
} from 'etcd3';
import { ConstantBackoff, ExponentialBackoff, handleWhen, noop, retry } from 'cockatiel';
import { DomainError } from '../../domain/errors';
import { EtcdChangeFeed } from './etcd-change-feed';
import { startRegistration } from './etcd-registration';
import {
  ChangeFeed,
  ChangeFeedHandlers,
  CommitResult,
  ConfigStore,
  Expectation,
  ListOptions,
  Registration,
  StoredEntry,
  Transaction,
} from '../../ports/config-store.port';

export interface EtcdStoreOptions {
  endpoints: string[];
  prefix: string;
  requestTimeoutMs: number;
  username?: string;
  password?: string;
  /** TLS to https:// endpoints: the CA to trust (else the system's) and a client certificate. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** Called for every failed etcd call, for metrics. */
  onError?: (operation: string, error: unknown) => void;
}

/** Keys per range call when listing a whole prefix (well under gRPC's 4 MB message limit). */
const LIST_PAGE = 500;

/** Any key serves to ask etcd whether a revision is still readable. */
const KEYS_PROBE = 'meta/schema_version';

/** The end of the key range that holds every key starting with `prefix`. */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/**
 * ConfigStore on etcd v3 through the `etcd3` client — the only place that knows it. Unary calls
 * carry a deadline so an etcd outage turns into a prompt STORE_UNAVAILABLE, never a hang;
 * watch streams carry none and resume by themselves (etcd-change-feed.ts).
 */
export class EtcdConfigStore extends ConfigStore {
  private readonly client: Etcd3;

  constructor(private readonly options: EtcdStoreOptions) {
    super();
    this.client = this.newClient();
  }

  /**
   * `ownConnection`: a client whose channels do not share grpc-js's global subchannel pool, so
   * closing it drops its TCP connections and the next one is really new (a watch session found
   * stalled must not come back on the same dead connection).
   */
  private newClient(ownConnection = false): Etcd3 {
    const options = this.options;
    const timeout = options.requestTimeoutMs;
    return new Etcd3({
      hosts: options.endpoints,
      dialTimeout: timeout,
      // etcd3 builds grpc-js SSL credentials from these; a missing CA means the system's roots.
      credentials: options.tls && {
        rootCertificate: options.tls.ca as Buffer,
        privateKey: options.tls.key,
        certChain: options.tls.cert,
      },
      auth: options.username
        ? { username: options.username, password: options.password ?? '' }
        : undefined,
      defaultCallOptions: (context): CallOptions =>
        context.isStream ? {} : { deadline: Date.now() + timeout },
      // Keepalive detects half-dead connections; etcd refuses pings more often than every 5 s.
      grpcOptions: {
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        ...(ownConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {}),
      },
      faultHandling: {
        // One retry moves to another member of a cluster; the per-host breaker of the default
        // policy would keep refusing calls for 5 s after etcd is back, so it is off.
        host: () => noop,
        global: retry(handleWhen(isRecoverableError), {
          maxAttempts: 1,
          backoff: new ConstantBackoff(50),
        }),
        // Reconnect the watch quickly after an outage (etcd3 types want a started backoff).
        watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }).next(),
      },
    });
  }

  private full(key: string): Buffer {
    return Buffer.from(this.options.prefix + key);
  }

  private relative(key: Buffer | string): string {
    return key.toString().slice(this.options.prefix.length);
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.options.onError?.(operation, error);
      const detail = error instanceof Error ? error.message : String(error);
      throw new DomainError('STORE_UNAVAILABLE', `etcd is unavailable (${operation}): ${detail}`);
    }
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    const response = await this.call('get', () => this.client.kv.range({ key: this.full(key) }));
    const kv = response.kvs[0];
    return kv
      ? { key, value: kv.value.toString(), modRevision: Number(kv.mod_revision) }
      : undefined;
  }

  /**
   * Reads a prefix. Without a limit it reads in pages of LIST_PAGE keys, all at the revision of
   * the first page, so any number of rules fits under gRPC's message size and the result is one
   * consistent snapshot.
   */
  async list(
    prefix: string,
    options: ListOptions = {},
  ): Promise<{ entries: StoredEntry[]; revision: number }> {
    const start = this.full(prefix);
    const end = options.below !== undefined ? this.full(options.below) : prefixEnd(start);
    const paged = options.limit === undefined && !options.descending;
    const entries: StoredEntry[] = [];
    let revision = options.atRevision ?? 0;
    let from = start;
    for (;;) {
      const response = await this.call('list', () =>
        this.client.kv.range({
          key: from,
          range_end: end,
          limit: paged ? LIST_PAGE : (options.limit ?? 0),
          revision,
          keys_only: options.keysOnly ?? false,
          sort_order: options.descending ? SortOrder.Descend : SortOrder.Ascend,
          sort_target: SortTarget.Key,
        }),
      );
      if (!revision) revision = Number(response.header.revision);
      for (const kv of response.kvs) {
        entries.push({
          key: this.relative(kv.key),
          value: kv.value.toString(),
          modRevision: Number(kv.mod_revision),
        });
      }
      if (!paged || !response.more || response.kvs.length === 0) break;
      from = Buffer.concat([response.kvs[response.kvs.length - 1].key, Buffer.from([0])]);
    }
    return { entries, revision };
  }

  async commit(transaction: Transaction): Promise<CommitResult> {
    const compare: ICompare[] = transaction.guards.map((g) =>
      this.compareFor(this.full(g.key), g.expect),
    );
    for (const { prefix, revision } of transaction.unchangedPrefixes ?? []) {
      const key = this.full(prefix);
      compare.push({
        key,
        range_end: prefixEnd(key),
        target: CompareTarget.Mod,
        result: CompareResult.Less,
        mod_revision: revision + 1,
      });
    }
    const success: IRequestOp[] = transaction.writes.map((w) =>
      w.value === null
        ? { request_delete_range: { key: this.full(w.key) } }
        : { request_put: { key: this.full(w.key), value: Buffer.from(w.value) } },
    );
    const response = await this.call('txn', () =>
      this.client.kv.txn({ compare, success, failure: [] }),
    );
    return response.succeeded
      ? { committed: true, revision: Number(response.header.revision) }
      : { committed: false };
  }

  private compareFor(key: Buffer, expect: Expectation): ICompare {
    switch (expect.kind) {
      case 'absent':
        return { key, target: CompareTarget.Version, result: CompareResult.Equal, version: 0 };
      case 'present':
        return { key, target: CompareTarget.Version, result: CompareResult.Greater, version: 0 };
      case 'revision':
        return {
          key,
          target: CompareTarget.Mod,
          result: CompareResult.Equal,
          mod_revision: expect.revision,
        };
    }
  }

  watch(fromRevision: number, handlers: ChangeFeedHandlers): ChangeFeed {
    return new EtcdChangeFeed(fromRevision, handlers, {
      prefix: this.options.prefix,
      newClient: () => this.newClient(true),
      onError: this.options.onError,
    });
  }

  async countWrittenAfter(revision: number): Promise<number> {
    const start = this.full('');
    // Not count_only: etcd counts the whole range before min_mod_revision filters the keys.
    const response = await this.call('staleness-check', () =>
      this.client.kv.range({
        key: start,
        range_end: prefixEnd(start),
        min_mod_revision: revision + 1,
        keys_only: true,
      }),
    );
    return response.kvs.length;
  }

  registerEphemeral(key: string, value: string, ttlSeconds: number): Promise<Registration> {
    return startRegistration(this.client, this.full(key), value, ttlSeconds, {
      onError: (error) => this.options.onError?.('lease', error),
      timeoutMs: this.options.requestTimeoutMs,
    });
  }

  async isCompacted(revision: number): Promise<boolean> {
    try {
      await this.client.kv.range({ key: this.full(KEYS_PROBE), revision, keys_only: true });
      return false;
    } catch (error) {
      if (error instanceof Error && /compacted/i.test(error.message)) return true;
      if (error instanceof Error && /future revision/i.test(error.message)) return false;
      this.options.onError?.('compaction-check', error);
      throw new DomainError(
        'STORE_UNAVAILABLE',
        `etcd is unavailable (compaction-check): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  async ping(): Promise<number> {
    const response = await this.call('ping', () =>
      this.client.kv.range({ key: this.full('meta/schema_version'), keys_only: true }),
    );
    return Number(response.header.revision);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
