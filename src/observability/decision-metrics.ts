import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Decision } from '../domain/decision';

/**
 * Decision metrics with pre-resolved label children: the hot path does a map lookup, not a
 * label hash, per decision. Labels are bounded (verdict × reason); no client ids, no rule keys.
 */
export class DecisionMetrics {
  private readonly decisions: Counter<'verdict' | 'reason'>;
  private readonly latency: Histogram;
  private readonly children = new Map<string, Counter.Internal>();
  private inFlight: () => number = () => 0;

  constructor(registry: Registry) {
    this.decisions = new Counter({
      name: 'rulecenter_decisions_total',
      help: 'Decisions answered, by verdict and reason',
      labelNames: ['verdict', 'reason'] as const,
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'rulecenter_decision_duration_seconds',
      help: 'Time to decide inside the service (validation, rule lookup, Redis), per decision',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    });
    const read = () => this.inFlight();
    new Gauge({
      name: 'rulecenter_decisions_in_flight',
      help: 'Decisions being worked on now (batch items and stream requests count one each), against MAX_IN_FLIGHT',
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** Where the in-flight gauge reads its value at scrape time. */
  readInFlightFrom(read: () => number): void {
    this.inFlight = read;
  }

  record(decision: Decision, elapsedMs: number): void {
    const key = `${decision.verdict}|${decision.reason}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.decisions.labels(decision.verdict, decision.reason);
      this.children.set(key, child);
    }
    child.inc();
    this.latency.observe(elapsedMs / 1000);
  }
}
