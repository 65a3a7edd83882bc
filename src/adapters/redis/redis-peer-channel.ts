import Redis, { Cluster } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { BreakerTransitionEvent } from '../../domain/breaker';

const PHASES = new Set(['CLOSED', 'OPEN', 'HALF_OPEN']);

/** A message from a peer, checked field by field: anyone who can reach Redis can publish. */
function parseTransition(raw: unknown): BreakerTransitionEvent | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const e = raw as Record<string, unknown>;
  const ok =
    typeof e.rule === 'string' &&
    e.rule.length <= 200 &&
    PHASES.has(e.from as string) &&
    PHASES.has(e.to as string) &&
    typeof e.total === 'number' &&
    typeof e.errorRate === 'number' &&
    typeof e.slowRate === 'number' &&
    typeof e.at === 'string';
  return ok
    ? {
        rule: e.rule as string,
        from: e.from as BreakerTransitionEvent['from'],
        to: e.to as BreakerTransitionEvent['to'],
        total: e.total as number,
        errorRate: e.errorRate as number,
        slowRate: e.slowRate as number,
        at: (e.at as string).slice(0, 40),
      }
    : undefined;
}

/**
 * Breaker transitions between instances over Redis pub/sub (broadcast to every node on a Redis
 * Cluster). At most once: a subscriber away when a message is published never sees it — these are
 * notifications; the breaker state itself lives in Redis. Each instance tags what it publishes and
 * ignores its own messages.
 */
export class RedisPeerChannel {
  private readonly origin = randomUUID();
  private subscriber?: Redis | Cluster;

  constructor(
    private readonly publisher: Redis | Cluster,
    /** A new client for the subscription (a subscribed connection can do nothing else). */
    private readonly newSubscriber: () => Redis | Cluster,
    private readonly channel: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  async publish(event: BreakerTransitionEvent): Promise<void> {
    await this.publisher.publish(this.channel, JSON.stringify({ origin: this.origin, event }));
  }

  listen(listener: (event: BreakerTransitionEvent) => void): void {
    if (this.subscriber) throw new Error('already listening for peer transitions');
    const subscriber = this.newSubscriber();
    this.subscriber = subscriber;
    subscriber.on('error', this.onError);
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      let message: { origin?: unknown; event?: unknown };
      try {
        message = JSON.parse(text) as { origin?: unknown; event?: unknown };
      } catch {
        return;
      }
      const event = message.origin !== this.origin ? parseTransition(message.event) : undefined;
      if (event) listener(event);
    });
    // Subscribe on every (re)connection: a SUBSCRIBE sent while Redis was away is lost.
    subscriber.on('ready', () => void subscriber.subscribe(this.channel).catch(this.onError));
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
