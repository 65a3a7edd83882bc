import { CounterStore } from '../ports/counter-store.port';
import { MetricsService } from '../observability/metrics.service';
import { IndexStatus, RuleIndexService } from './rule-index.service';

export interface Readiness {
  ready: boolean;
  etcd: IndexStatus;
  redis: { reachable: boolean; lastError?: string };
  shuttingDown: boolean;
  /** One line per unmet condition. */
  problems: string[];
}

const PING_EVERY_MS = 1000;

/** Readiness of this instance: etcd synced, Redis reachable, not draining. Shared by /readyz and gRPC health. */
export class ReadinessService {
  private redisReachable = false;
  private redisError?: string = 'not checked yet';
  private shuttingDown = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly live: RuleIndexService,
    private readonly counters: CounterStore,
    private readonly metrics: MetricsService,
  ) {}

  start(): void {
    void this.probe();
    this.timer = setInterval(() => void this.probe(), PING_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** From now on the instance reports not ready, so load balancers move away before it stops. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  status(): Readiness {
    const etcd = this.live.status();
    const problems: string[] = [];
    if (!etcd.synced) {
      problems.push(
        `etcd: not synced (${etcd.lastError ?? 'starting'}); serving rules from ${etcd.source} at revision ${etcd.revision}`,
      );
    }
    if (!this.redisReachable)
      problems.push(
        `redis: unreachable (${this.redisError ?? 'unknown'}); decisions follow each rule's failMode`,
      );
    if (this.shuttingDown) problems.push('shutting down');
    return {
      ready: problems.length === 0,
      etcd,
      redis: { reachable: this.redisReachable, lastError: this.redisError },
      shuttingDown: this.shuttingDown,
      problems,
    };
  }

  private async probe(): Promise<void> {
    this.metrics.instancesKnown.set(this.live.instanceCount);
    try {
      await this.counters.ping();
      this.redisReachable = true;
      this.redisError = undefined;
    } catch (error) {
      this.redisReachable = false;
      this.redisError = error instanceof Error ? error.message : String(error);
    }
    this.metrics.redisReachable.set(this.redisReachable ? 1 : 0);
  }
}
