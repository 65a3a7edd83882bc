import { ChannelOptions, ChannelCredentials, Metadata, credentials } from '@grpc/grpc-js';
import { DecisionStub, services } from './proto.js';
import type { ClientOptions } from './types.js';

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;

/** One Rule Center instance: its channel, whether it is believed up, and how to ask it. */
export class Target {
  readonly stub: DecisionStub;
  /** `unary` once it answered DecideStream with UNIMPLEMENTED (an older server). */
  mode: 'stream' | 'unary';
  private downUntil = 0;
  private failures = 0;

  constructor(
    readonly address: string,
    channelCredentials: ChannelCredentials,
    channelOptions: ChannelOptions,
    mode: 'stream' | 'unary',
  ) {
    const Decision = services().decision;
    this.stub = new Decision(
      address,
      channelCredentials,
      channelOptions,
    ) as unknown as DecisionStub;
    this.mode = mode;
  }

  usable(now: number): boolean {
    return now >= this.downUntil;
  }

  /** It failed: skip it for a backoff that doubles per failure in a row (100 ms … 2 s). */
  markDown(now: number): void {
    this.failures++;
    this.downUntil = now + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.failures - 1));
  }

  markUp(): void {
    this.failures = 0;
    this.downUntil = 0;
  }
}

/** The targets in round-robin order, skipping those believed down. */
export class TargetPool {
  readonly targets: Target[];
  readonly metadata = new Metadata();
  readonly credentials: ChannelCredentials;
  readonly channelOptions: ChannelOptions;
  private next = 0;

  constructor(options: ClientOptions) {
    if (!options.targets.length)
      throw new Error('createClient: targets must name at least one host:port');
    if (options.token) this.metadata.set('authorization', `Bearer ${options.token}`);
    const tls = options.tls;
    this.credentials =
      tls === undefined || tls === false
        ? credentials.createInsecure()
        : tls === true
          ? credentials.createSsl()
          : credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
    this.channelOptions = {
      // Find a restarted instance quickly (grpc-js waits 1 s before the first reconnect otherwise).
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      ...options.channelOptions,
    };
    this.targets = options.targets.map(
      (t) => new Target(t, this.credentials, this.channelOptions, options.transport ?? 'stream'),
    );
  }

  /** The next usable target after the last one picked, or undefined when all are down. */
  pick(now = Date.now()): Target | undefined {
    for (let i = 0; i < this.targets.length; i++) {
      const target = this.targets[(this.next + i) % this.targets.length];
      if (target.usable(now)) {
        this.next = (this.next + i + 1) % this.targets.length;
        return target;
      }
    }
    return undefined;
  }

  close(): void {
    for (const t of this.targets) t.stub.close();
  }
}
