import { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import { ChangeEvent, ChangeFeed, ChangeFeedHandlers } from '../../ports/config-store.port';

export interface ChangeFeedOptions {
  /** The full etcd prefix watched. */
  prefix: string;
  /** A new etcd client: each session gets its own, so dropping it really drops the stream. */
  newClient: () => Etcd3;
  onError?: (operation: string, error: unknown) => void;
}

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2_000;

/**
 * A prefix watch that resumes from the first revision it has not *delivered*. etcd3 1.1.2's own
 * resume point moves to `header.revision + 1` on `connected` and on every response — ahead of the
 * events a catch-up has still to send — so a disconnect during a catch-up would skip revisions.
 * Here every disconnect ends the session (its client and watcher are dropped) and a new one starts
 * from `next`, which moves only after `onChanges` returned. A cancel by etcd (typically: `next` was
 * compacted) is reported as lost: the owner relists.
 */
export class EtcdChangeFeed implements ChangeFeed {
  private next: number;
  private session?: { client: Etcd3; watcher: Watcher };
  private retryTimer?: NodeJS.Timeout;
  private retryMs = RETRY_FIRST_MS;
  private ended = false;

  constructor(
    fromRevision: number,
    private readonly handlers: ChangeFeedHandlers,
    private readonly options: ChangeFeedOptions,
  ) {
    this.next = fromRevision;
    this.open();
  }

  reconnect(reason: string): void {
    if (this.ended) return;
    this.drop();
    this.handlers.onConnectionChange(false, reason);
    this.scheduleOpen();
  }

  async close(): Promise<void> {
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.drop();
  }

  private open(): void {
    if (this.ended) return;
    const client = this.options.newClient();
    const watcher = client
      .watch()
      .prefix(this.options.prefix)
      .startRevision(String(this.next))
      .watcher();
    const session = { client, watcher };
    this.session = session;
    const current = () => this.session === session;
    watcher.on('connected', () => {
      if (!current()) return;
      this.retryMs = RETRY_FIRST_MS;
      this.handlers.onConnectionChange(true);
    });
    watcher.on('data', (response: IWatchResponse) => {
      if (current()) this.deliver(response);
    });
    watcher.on('disconnected', (error: Error) => {
      if (!current()) return;
      this.options.onError?.('watch', error);
      this.reconnect(`etcd watch disconnected: ${error.message}`);
    });
    watcher.on('error', (error: Error) => {
      // Cancelled by etcd: the revision to resume from was compacted away, or the watch was refused.
      if (!current()) return;
      this.options.onError?.('watch', error);
      this.lose(error.message);
    });
  }

  /** Never throws: etcd3 rethrows listener errors in setImmediate, which would end the process. */
  private deliver(response: IWatchResponse): void {
    if (this.ended || response.events.length === 0) return;
    const prefixLength = Buffer.byteLength(this.options.prefix);
    const events: ChangeEvent[] = [];
    for (const event of response.events) {
      const modRevision = Number(event.kv.mod_revision);
      // A new session starts at `next`, so older revisions can only be repeats.
      if (modRevision < this.next) continue;
      events.push({
        key: event.kv.key.subarray(prefixLength).toString(),
        value: event.type === 'Delete' ? null : event.kv.value.toString(),
        modRevision,
      });
    }
    if (events.length === 0) return;
    try {
      this.handlers.onChanges(events);
    } catch (error) {
      this.lose(
        `applying watched changes failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    this.next = events[events.length - 1].modRevision + 1;
  }

  private lose(reason: string): void {
    this.ended = true;
    this.drop();
    this.handlers.onLost(reason);
  }

  private scheduleOpen(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  /** Ends the session without waiting: a stalled stream would never answer a cancel. */
  private drop(): void {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    session.watcher.removeAllListeners();
    // etcd3 emits on the watcher after this (end, disconnected); with no 'error' listener an
    // emitted error would throw, so keep a sink.
    session.watcher.on('error', () => undefined);
    session.watcher.cancel().catch(() => undefined);
    session.client.close();
  }
}
