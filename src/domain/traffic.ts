import { Decision } from './decision';

/** What a decision counts as in the traffic view (the console's live chart). */
export type TrafficOutcome =
  'allowed' | 'rejected' | 'degraded' | 'circuitOpen' | 'shadowWouldReject';

export const TRAFFIC_OUTCOMES: readonly TrafficOutcome[] = [
  'allowed',
  'rejected',
  'degraded',
  'circuitOpen',
  'shadowWouldReject',
];

export type TrafficCounts = Record<TrafficOutcome, number>;

/** One rule's counts in one second (epoch seconds of the instance that decided). */
export interface TrafficEntry {
  second: number;
  rule: string;
  counts: TrafficCounts;
}

export const zeroCounts = (): TrafficCounts => ({
  allowed: 0,
  rejected: 0,
  degraded: 0,
  circuitOpen: 0,
  shadowWouldReject: 0,
});

/**
 * How a decision counts. A shadow rule answers ALLOW with reason SHADOW whatever it would have
 * done; its detail (decision.ts) says `would ALLOW` when the rule itself would have let it
 * pass. Decisions no rule governed (NO_RULE) belong to no rule and are not counted.
 */
export function trafficOutcome(decision: Decision): TrafficOutcome | undefined {
  if (decision.rule === '') return undefined;
  if (decision.reason === 'SHADOW')
    return decision.detail.startsWith('shadow rule: would ALLOW') ? 'allowed' : 'shadowWouldReject';
  if (decision.reason === 'CIRCUIT_OPEN') return 'circuitOpen';
  if (decision.verdict === 'DEGRADE') return 'degraded';
  return decision.verdict === 'REJECT' ? 'rejected' : 'allowed';
}

/**
 * This instance's counts since the last drain, per second and rule. Recording is a few map
 * lookups (the decision path pays no I/O for it); the traffic service drains it once a second.
 */
export class TrafficTally {
  private pending = new Map<string, TrafficEntry>();

  record(rule: string, outcome: TrafficOutcome, second: number): void {
    const id = `${second}|${rule}`;
    let entry = this.pending.get(id);
    if (!entry) {
      entry = { second, rule, counts: zeroCounts() };
      this.pending.set(id, entry);
    }
    entry.counts[outcome]++;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Everything recorded so far; the tally starts empty again. */
  drain(): TrafficEntry[] {
    const entries = [...this.pending.values()];
    this.pending = new Map();
    return entries;
  }
}
