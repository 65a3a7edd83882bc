import { ServiceError, credentials } from '@grpc/grpc-js';
import { loadService } from '../../src/transport/grpc/proto';
import type { RuleEventMessage as WireRuleEvent } from '../../src/transport/grpc/watch.handlers';
import { waitFor } from './ports';

/** A RuleEvent as a client decodes it: the server's message, with proto3 defaults left out. */
export type RuleEventMessage = Partial<WireRuleEvent> & Pick<WireRuleEvent, 'type'>;

type Call = NodeJS.ReadableStream & NodeJS.EventEmitter & { cancel(): void };
type WatchServiceClient = { WatchRules(req: object): Call; close(): void };

let WatchService: ReturnType<typeof loadService> | undefined;

/** A watcher that records everything it receives; tests wait on its events and its end status. */
export class TestWatcher {
  readonly events: RuleEventMessage[] = [];
  error?: ServiceError;
  readonly call: Call;
  private readonly client: WatchServiceClient;

  constructor(port: number, request: Record<string, unknown>) {
    // Loaded once: harnesses open hundreds of streams.
    WatchService ??= loadService('rulecenter/v1/watch.proto', 'rulecenter.v1.RuleWatchService');
    this.client = new WatchService(
      `127.0.0.1:${port}`,
      credentials.createInsecure(),
    ) as unknown as WatchServiceClient;
    this.call = this.client.WatchRules(request);
    this.call.on('data', (e: RuleEventMessage) => this.events.push(e));
    this.call.on('error', (e: ServiceError) => (this.error = e));
  }

  /** Changes received after the snapshot (or replay) ended. */
  get changes(): RuleEventMessage[] {
    const end = this.events.findIndex((e) => e.type === 'SNAPSHOT_END');
    return end < 0 ? [] : this.events.slice(end + 1);
  }

  get lastRevision(): number {
    return Math.max(
      0,
      ...this.events.filter((e) => e.revision_complete).map((e) => Number(e.revision ?? 0)),
    );
  }

  async until(what: string, check: (w: TestWatcher) => boolean, timeoutMs = 5000): Promise<void> {
    await waitFor(what, () => check(this), timeoutMs, 5);
  }

  cancel(): void {
    this.call.cancel();
  }

  /** Cancels the stream and releases its channel (a long run opens many). */
  close(): void {
    this.call.cancel();
    this.client.close();
  }
}
