import { BreakerPhase, BreakerTransitionEvent, OutcomeCounts } from '../domain/breaker';
import { BreakerSettings } from '../domain/rule';

export interface BreakerReport {
  from: BreakerPhase;
  to: BreakerPhase;
  /** Outcomes in the current stat window, and its rates (for logs and the breakers API). */
  total: number;
  errorRate: number;
  slowRate: number;
}

/**
 * Cluster-wide breaker state (Redis in production, the same client and slot as the rule's
 * counters). Rejects with DomainError('STORE_UNAVAILABLE') when the store does not answer.
 */
export abstract class BreakerStore {
  /** Adds outcomes to the rule's breaker and applies the state machine; outcomes {0,0,0} only read. */
  abstract report(
    rule: string,
    settings: BreakerSettings,
    outcomes: OutcomeCounts,
  ): Promise<BreakerReport>;
  /** Tells every other instance about a transition this one caused (at most once, best effort). */
  abstract publishTransition(event: BreakerTransitionEvent): Promise<void>;
  /** Starts listening for the transitions other instances publish. */
  abstract onPeerTransition(listener: (event: BreakerTransitionEvent) => void): void;
}
