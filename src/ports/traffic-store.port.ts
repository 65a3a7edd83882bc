import { TrafficEntry } from '../domain/traffic';

/**
 * Cluster-wide per-second traffic counts (Redis in production: adapters/redis). Separate from
 * the counters: it is written by a once-a-second flush, never by a decision. Both methods are
 * one round trip; both reject with DomainError('STORE_UNAVAILABLE') when the store is away.
 */
export abstract class TrafficStore {
  /** How long a second's counts are kept. */
  abstract readonly retentionSeconds: number;
  /** Adds the entries to what other instances wrote for the same seconds and rules. */
  abstract add(entries: TrafficEntry[]): Promise<void>;
  /** Every rule's counts for each second in [fromSecond, toSecond]. */
  abstract read(fromSecond: number, toSecond: number): Promise<TrafficEntry[]>;
  abstract close(): Promise<void>;
}
