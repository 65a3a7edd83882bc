import { CounterStore } from '../ports/counter-store.port';
import type { Logger } from '../observability/logger';
import { MetricsService } from '../observability/metrics.service';
import { IndexStatus, RuleIndexService } from './rule-index.service';

export interface Readiness {
  /** This instance can answer decisions: rules loaded (etcd or snapshot), not shutting down. */
  ready: boolean;
  /** Ready, and etcd synced and Redis reachable: what a deploy gate waits for. */
  strictReady: boolean;
  /** One line per shared dependency that is not fully usable; never a reason to be unready. */
  degraded: string[];
  etcd: IndexStatus;
  redis: { reachable: boolean; lastError?: string };
  shuttingDown: boolean;
  /** One line per reason this instance cannot answer decisions. */
  problems: string[];
}

const PING_EVERY_MS = 1000;

/**
 * Readiness (docs/failure-behaviour.md), shared by /readyz and gRPC health. Every instance shares etcd
 * and Redis, so their outage must never make an instance unready — a load balancer would take the
 * whole fleet out at once, while each instance can still decide (last rules seen, failMode).
 * They make it *degraded*: reported, counted and logged once per change. `strictReady` adds them
 * back for deploy gates.
 */
export class ReadinessService {
  private redisReachable = false;
  private redisError?: string = 'not checked yet';
  private shuttingDown = false;
  private timer?: NodeJS.Timeout;
  private lastReport = '';

  constructor(
    private readonly live: RuleIndexService,
    private readonly counters: CounterStore,
    private readonly metrics: MetricsService,
    private readonly logger: Logger,
  ) {}

  /** Resolves after the first probe, so nothing reports Redis as unchecked once serving. */
  async start(): Promise<void> {
    this.timer = setInterval(() => void this.probe(), PING_EVERY_MS);
    this.timer.unref();
    await this.probe();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** From now on the instance reports not ready, so load balancers move away before it stops. */
  markShuttingDown(): void {
    this.shuttingDown = true;
    this.report(this.status());
  }

  status(): Readiness {
    const etcd = this.live.status();
    const degraded: string[] = [];
    if (!etcd.synced) {
      degraded.push(
        `etcd: not synced (${etcd.lastError ?? 'starting'}); deciding on the rules from ${etcd.source} at revision ${etcd.revision}`,
      );
    }
    if (!this.redisReachable) {
      degraded.push(
        `redis: unreachable (${this.redisError ?? 'unknown'}); decisions follow each rule's failMode`,
      );
    }
    const problems: string[] = [];
    if (etcd.source === 'empty')
      problems.push('no rules loaded: etcd has not answered yet and there is no snapshot file');
    if (this.shuttingDown) problems.push('shutting down');
    const ready = problems.length === 0;
    return {
      ready,
      strictReady: ready && degraded.length === 0,
      degraded,
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
    this.report(this.status());
  }

  /** Metrics every probe; a log line only when what is wrong changes (not on every probe). */
  private report(status: Readiness): void {
    this.metrics.ready.set(status.ready ? 1 : 0);
    this.metrics.degraded.set({ dependency: 'etcd' }, status.etcd.synced ? 0 : 1);
    this.metrics.degraded.set({ dependency: 'redis' }, status.redis.reachable ? 0 : 1);
    const summary = JSON.stringify([status.ready, ...status.problems, ...dependencyNames(status)]);
    if (summary === this.lastReport) return;
    this.lastReport = summary;
    const fields = { ready: status.ready, problems: status.problems, degraded: status.degraded };
    if (status.strictReady) this.logger.info(fields, 'instance ready, nothing degraded');
    else if (status.ready) this.logger.warn(fields, 'instance ready but degraded');
    else this.logger.warn(fields, 'instance not ready');
  }
}

/** Which dependencies are degraded (not the changing detail, which would log every probe). */
const dependencyNames = (status: Readiness): string[] =>
  status.degraded.map((line) => line.slice(0, line.indexOf(':')));
