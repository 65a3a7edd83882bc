import { CountPlan, CountResult } from '../domain/decision';

/**
 * Cluster-wide counters (Redis in production: adapters/redis). One call per decision, atomic,
 * timed by the store's own clock. Each result is a CountResult, or a rejection with
 * DomainError('STORE_UNAVAILABLE') when the store does not answer within its timeout.
 */
export abstract class CounterStore {
  /** Counts one decision. */
  abstract consume(plan: CountPlan): Promise<CountResult>;
  /** Counts many decisions in one round trip (per store node); results in the same order. */
  abstract consumeMany(plans: CountPlan[]): Promise<PromiseSettledResult<CountResult>[]>;
  /** Resolves when the store answers a ping. */
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}
