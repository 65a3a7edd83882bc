import {
  ChannelCredentials,
  ChannelOptions,
  ClientReadableStream,
  Metadata,
  status,
} from '@grpc/grpc-js';
import { RuleEventMessage, WatchStub, services } from './proto.js';
import type { WatchEvent, WatchOptions, Watcher } from './types.js';

const RETRY_MS = [100, 200, 500, 1000, 2000];

/**
 * WatchRules with automatic resume: on any interruption it reconnects — to the next target — with
 * `from_revision` = the last revision fully received (the server marks a revision's last event,
 * and every SNAPSHOT_END, `revision_complete`), so no change is missed and none is repeated; the
 * events of a revision cut short are held back and dropped, since the resume sends them again.
 * A `resync` snapshot says to replace everything.
 */
export class RuleWatcher implements Watcher {
  private revision: number;
  private readonly stubs: WatchStub[];
  private next = 0;
  private failures = 0;
  private call?: ClientReadableStream<RuleEventMessage>;
  private retry?: NodeJS.Timeout;
  private closed = false;
  /** Events of a revision (or snapshot) not yet complete: handed over once it is. */
  private pending: WatchEvent[] = [];

  constructor(
    targets: string[],
    creds: ChannelCredentials,
    channelOptions: ChannelOptions,
    private readonly metadata: Metadata,
    private readonly options: WatchOptions,
  ) {
    const Watch = services().watch;
    this.stubs = targets.map((t) => new Watch(t, creds, channelOptions) as unknown as WatchStub);
    this.revision = options.fromRevision ?? 0;
    this.open();
  }

  get lastRevision(): number {
    return this.revision;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.call?.cancel();
    for (const s of this.stubs) s.close();
  }

  private open(): void {
    const stub = this.stubs[this.next++ % this.stubs.length];
    const call = stub.WatchRules(
      {
        department: this.options.department ?? '',
        grade: this.options.grade ?? '',
        window: this.options.window ?? '',
        from_revision: this.revision,
      },
      this.metadata,
    );
    this.call = call;
    this.pending = [];
    call.on('data', (m: RuleEventMessage) => {
      this.failures = 0;
      const event = toEvent(m);
      if (event.type === 'BREAKER') {
        this.options.onEvent(event);
        return;
      }
      this.pending.push(event);
      if (!m.revision_complete) return;
      this.revision = Math.max(this.revision, event.revision);
      const ready = this.pending;
      this.pending = [];
      for (const e of ready) this.options.onEvent(e);
    });
    call.on('error', (e: Error & { code?: number }) => {
      if (this.closed || e.code === status.CANCELLED) return;
      this.options.onError?.(e);
    });
    call.on('status', () => {
      if (this.closed || this.call !== call) return;
      const wait = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)];
      this.retry = setTimeout(() => this.open(), wait);
      this.retry.unref();
    });
  }
}

function toEvent(m: RuleEventMessage): WatchEvent {
  const event: WatchEvent = {
    type: (m.type ?? 'PUT') as WatchEvent['type'],
    kind: (m.kind ?? 'KIND_UNSPECIFIED') as WatchEvent['kind'],
    key: m.key ?? '',
    revision: m.revision ?? 0,
    snapshot: m.snapshot ?? false,
    resync: m.resync ?? false,
  };
  if (m.value_json) event.value = JSON.parse(m.value_json) as unknown;
  if (m.breaker)
    event.breaker = {
      from: m.breaker.from ?? '',
      to: m.breaker.to ?? '',
      total: m.breaker.total ?? 0,
      errorRate: m.breaker.error_rate ?? 0,
      slowRate: m.breaker.slow_rate ?? 0,
      at: m.breaker.at ?? '',
    };
  return event;
}
