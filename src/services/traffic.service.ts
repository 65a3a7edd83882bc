import { Decision } from '../domain/decision';
import {
  TRAFFIC_OUTCOMES,
  TrafficCounts,
  TrafficEntry,
  TrafficTally,
  trafficOutcome,
  zeroCounts,
} from '../domain/traffic';
import type { Logger } from '../observability/logger';
import { TrafficStore } from '../ports/traffic-store.port';

export interface TrafficPoint extends TrafficCounts {
  /** Epoch second. */
  t: number;
}

export interface TrafficView {
  /** First and last second of the range (ISO instants). */
  from: string;
  to: string;
  seconds: number;
  /** Per rule, one point per second (zeros where nothing was decided). */
  series: { rule: string; points: TrafficPoint[] }[];
  /** Rules by what they turned away (rejected + degraded + circuit open), most first. */
  top: (TrafficCounts & { rule: string })[];
}

export interface TrafficOptions {
  flushIntervalMs: number;
  /** Series returned when no rule is asked for: the busiest ones. */
  maxSeries: number;
  topRules: number;
}

const WARN_EVERY_MS = 60_000;

const turnedAway = (c: TrafficCounts): number => c.rejected + c.degraded + c.circuitOpen;
const total = (c: TrafficCounts): number => TRAFFIC_OUTCOMES.reduce((sum, o) => sum + c[o], 0);

function add(into: TrafficCounts, from: TrafficCounts): void {
  for (const o of TRAFFIC_OUTCOMES) into[o] += from[o];
}

/**
 * Live traffic per rule, cluster-wide, at no cost to a decision's Redis call: each decision is
 * tallied in memory (DecisionService's recorder), and this service flushes the tally at most
 * once per flush interval in one pipelined round trip on its own connection. A flush that fails
 * is dropped, not retried: the counts are for watching, and a backlog must not grow while
 * Redis is away.
 */
export class TrafficService {
  private readonly tally = new TrafficTally();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private lastWarning = 0;

  constructor(
    private readonly store: TrafficStore,
    private readonly logger: Logger,
    private readonly options: TrafficOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** The decision path's share: classify and count in memory (nothing while turned off). */
  record(decision: Decision): void {
    if (!this.timer) return;
    const outcome = trafficOutcome(decision);
    if (outcome) this.tally.record(decision.rule, outcome, Math.floor(this.now() / 1000));
  }

  start(): void {
    if (this.options.flushIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Sends what was tallied; a flush still in flight makes this one wait for the next tick. */
  flush(): Promise<void> {
    if (this.flushing || this.tally.size === 0) return this.flushing ?? Promise.resolve();
    const entries = this.tally.drain();
    this.flushing = this.store
      .add(entries)
      .catch((error: unknown) => this.warn(error, entries.length))
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush();
    await this.store.close();
  }

  async view(seconds: number, rule?: string): Promise<TrafficView> {
    const last = Math.floor(this.now() / 1000);
    const first = last - Math.min(seconds, this.store.retentionSeconds) + 1;
    const entries = (await this.store.read(first, last)).filter((e) => !rule || e.rule === rule);
    const totals = new Map<string, TrafficCounts>();
    const bySecond = new Map<string, TrafficEntry>();
    for (const e of entries) {
      const sum = totals.get(e.rule) ?? zeroCounts();
      add(sum, e.counts);
      totals.set(e.rule, sum);
      bySecond.set(`${e.rule}|${e.second}`, e);
    }
    const busiest = [...totals.entries()].sort((a, b) => total(b[1]) - total(a[1]));
    const shown = rule ? [rule] : busiest.slice(0, this.options.maxSeries).map(([r]) => r);
    const series = shown.map((r) => ({
      rule: r,
      points: Array.from({ length: last - first + 1 }, (_, i) => ({
        t: first + i,
        ...(bySecond.get(`${r}|${first + i}`)?.counts ?? zeroCounts()),
      })),
    }));
    const top = busiest
      .filter(([, c]) => turnedAway(c) > 0)
      .sort((a, b) => turnedAway(b[1]) - turnedAway(a[1]))
      .slice(0, this.options.topRules)
      .map(([r, c]) => ({ rule: r, ...c }));
    return {
      from: new Date(first * 1000).toISOString(),
      to: new Date(last * 1000).toISOString(),
      seconds: last - first + 1,
      series,
      top,
    };
  }

  private warn(error: unknown, dropped: number): void {
    const now = this.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn({ err: String(error), dropped }, 'traffic flush failed; counts dropped');
  }
}
