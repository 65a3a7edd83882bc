import { DecideLimits, RawDecideRequest, parseDecideRequest } from '../domain/decide-request';
import {
  circuitOpenDecision,
  CountPlan,
  CountResult,
  DecideInput,
  Decision,
  decisionFromCount,
  noRuleDecision,
  planCount,
  storeUnavailableDecision,
} from '../domain/decision';
import { DomainError, validationFailed } from '../domain/errors';
import { InFlight } from '../domain/in-flight';
import { Coalescer } from './coalescer';
import { LocalLimiter } from '../domain/local-limiter';
import { RecentAdmissions } from '../domain/recent-admissions';
import { Rule, ruleKeyOf } from '../domain/rule';
import { RuleIndex } from '../domain/rule-index';
import { CounterStore } from '../ports/counter-store.port';

export interface DecisionOptions extends DecideLimits {
  noRuleVerdict: 'ALLOW' | 'REJECT';
  maxBatch: number;
  /** Decisions (batch items count one each) worked on at once; more are refused (OVERLOADED). */
  maxInFlight: number;
  /** How long a DecideStream request may wait for others to share its Redis round trip (0 or 1 ms). */
  streamCoalesceMs?: number;
}

/**
 * Where every answered decision is reported, once, after its Redis call: the Prometheus
 * counters and the traffic tally (composed in modules/decisions.module.ts). Synchronous and in memory.
 */
export interface DecisionRecorder {
  record(decision: Decision, elapsedMs: number): void;
}

/** Told when a decision moved a breaker OPEN → HALF_OPEN (the breaker service logs and emits it). */
export interface HalfOpenListener {
  noteHalfOpen(rule: string): void;
}

/** What decisions need of the live index: the current rules and how many instances share a limit. */
export interface DecisionRules {
  readonly index: RuleIndex;
  readonly instanceCount: number;
}

type Planned =
  | { kind: 'counted'; rule: Rule; input: DecideInput; plan: CountPlan }
  | { kind: 'done'; decision: Decision };

/**
 * The hot path: validate by hand, look the governing rule up in memory, one Redis call (one per
 * batch), build the answer. Never touches etcd. When Redis fails, each rule's failMode decides
 * (docs/failure-behaviour.md) and the in-process limiter enforces this instance's share for failMode "open".
 */
export class DecisionService {
  /** What this instance admitted per scope lately: where the local limiter starts from. */
  private readonly recent = new RecentAdmissions();
  /** Some decision fell back to the local limiter since the last one Redis answered. */
  private storeFailing = false;
  private readonly inFlight: InFlight;
  private readonly streamed: Coalescer<RawDecideRequest, Decision>;
  /** The validation limits for each `minHits` (0: check-only items allowed), built once. */
  private readonly limits: Record<0 | 1, DecideLimits>;

  constructor(
    private readonly rules: DecisionRules,
    private readonly counters: CounterStore,
    private readonly local: LocalLimiter,
    private readonly metrics: DecisionRecorder,
    private readonly options: DecisionOptions,
    private readonly breakers: HalfOpenListener,
    private readonly now: () => number = Date.now,
  ) {
    this.inFlight = new InFlight(options.maxInFlight, 'decisions');
    this.limits = { 0: { ...options, minHits: 0 }, 1: { ...options, minHits: 1 } };
    this.streamed = new Coalescer(options.streamCoalesceMs ?? 0, (raw) => this.decideOne(raw));
  }

  /** Live instances sharing each limit (a client's local share while it decides alone). */
  get instanceCount(): number {
    return this.rules.instanceCount;
  }

  /** Decisions being worked on now (the in-flight gauge reads it). */
  get inFlightDecisions(): number {
    return this.inFlight.count;
  }

  /** Whether a batch of `items` could start now: lets the transport refuse one before decoding it. */
  hasRoomFor(items: number): boolean {
    return this.inFlight.hasRoomFor(items);
  }

  decide(raw: RawDecideRequest): Promise<Decision> {
    return this.inFlight.run(1, () => this.decideOne(raw));
  }

  /**
   * A decision asked on a DecideStream: it holds its in-flight unit from the moment it is read
   * (OVERLOADED at once when there is no room), including while it waits to be coalesced.
   */
  decideStreamed(raw: RawDecideRequest): Promise<Decision> {
    try {
      this.inFlight.acquire(1);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.streamed.submit(raw).finally(() => this.inFlight.release(1));
  }

  private async decideOne(raw: RawDecideRequest): Promise<Decision> {
    const started = performance.now();
    const index = this.rules.index;
    const planned = this.plan(index, raw, '');
    let decision: Decision;
    if (planned.kind === 'done') decision = planned.decision;
    else {
      try {
        const count = await this.counters.consume(planned.plan);
        this.counted(planned, count);
        decision = decisionFromCount(planned.rule, planned.input, count, index.revision);
      } catch (error) {
        decision = this.withoutStore(planned, index.revision, error);
      }
    }
    this.metrics.record(decision, performance.now() - started);
    return decision;
  }

  /**
   * Many decisions, one Redis round trip (per node). `field` names the list in error messages
   * (`requests[3].grade …`); `minHits` 0 allows check-only items (Envoy's hits_addend 0).
   */
  async decideBatch(
    raws: RawDecideRequest[],
    { field = 'requests', minHits = 1 }: { field?: string; minHits?: 0 | 1 } = {},
  ): Promise<Decision[]> {
    const started = performance.now();
    if (raws.length === 0)
      throw validationFailed([
        `${field} must hold at least one ${field === 'requests' ? 'request' : 'item'}`,
      ]);
    if (raws.length > this.options.maxBatch) {
      throw validationFailed([
        `${field} may hold at most ${this.options.maxBatch} items (MAX_BATCH); got ${raws.length}`,
      ]);
    }
    return this.inFlight.run(raws.length, () => this.decideMany(raws, field, minHits, started));
  }

  private async decideMany(
    raws: RawDecideRequest[],
    field: string,
    minHits: 0 | 1,
    started: number,
  ): Promise<Decision[]> {
    const index = this.rules.index;
    const problems: string[] = [];
    const planned: Planned[] = [];
    raws.forEach((raw, i) => {
      try {
        planned.push(this.plan(index, raw, `${field}[${i}].`, minHits));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        problems.push(...error.details);
      }
    });
    if (problems.length) throw validationFailed(problems);
    const counted = planned.filter(
      (p): p is Extract<Planned, { kind: 'counted' }> => p.kind === 'counted',
    );
    // A large batch gives the event loop back between its stretches of work (planning, then
    // answering), so single decisions that arrive meanwhile do not wait behind all of it.
    const large = planned.length > YIELD_ABOVE_ITEMS;
    if (large) await yieldToLoop();
    const results = await this.counters.consumeMany(counted.map((p) => p.plan));
    if (large) await yieldToLoop();
    let next = 0;
    const decisions = planned.map((p) => {
      if (p.kind === 'done') return p.decision;
      const result = results[next++];
      if (result.status === 'rejected') return this.withoutStore(p, index.revision, result.reason);
      this.counted(p, result.value);
      return decisionFromCount(p.rule, p.input, result.value, index.revision);
    });
    const perDecision = (performance.now() - started) / decisions.length;
    for (const decision of decisions) this.metrics.record(decision, perDecision);
    return decisions;
  }

  /** Validation and rule lookup; throws VALIDATION_FAILED naming the fields. */
  private plan(index: RuleIndex, raw: RawDecideRequest, path: string, minHits: 0 | 1 = 1): Planned {
    const input = parseDecideRequest(raw, this.limits[minHits], this.now(), path);
    if (Array.isArray(input)) throw validationFailed(input);
    const rule = index.match(input.department, input.grade, input.atMs);
    if (!rule)
      return { kind: 'done', decision: noRuleDecision(this.options.noRuleVerdict, index.revision) };
    if (rule.limit.per === 'client' && input.clientId === '') {
      throw validationFailed([
        `${path}client_id is required: the governing rule ${ruleKeyOf(rule)} counts per client`,
      ]);
    }
    const override = rule.breaker.enabled ? index.override(ruleKeyOf(rule))?.mode : undefined;
    if (override === 'open') {
      // Forced open by an admin: answer from memory, no Redis call, nothing counted.
      return {
        kind: 'done',
        decision: circuitOpenDecision(rule, 'OPEN', rule.breaker.openMs, index.revision, true),
      };
    }
    return { kind: 'counted', rule, input, plan: planCount(rule, input, override) };
  }

  /** Redis answered: note what was admitted, and retire the local limiter after an outage. */
  private counted(p: Extract<Planned, { kind: 'counted' }>, count: CountResult): void {
    if (count.breaker.openedToHalf) this.breakers.noteHalfOpen(p.plan.rule);
    if (this.storeFailing) {
      this.storeFailing = false;
      this.local.clear();
    }
    if (count.admitted && p.plan.hits > 0 && p.rule.failMode === 'open')
      this.recent.record(p.plan.scope, p.plan.hits, localWindowMs(p.rule), this.now());
  }

  /**
   * Redis did not answer. failMode "open": this instance's share of the limit, started from
   * what is left of the share after what this instance admitted through Redis in the last window
   * (a full share would let every instance admit it again on top of what Redis already had).
   */
  private withoutStore(
    p: Extract<Planned, { kind: 'counted' }>,
    revision: number,
    error: unknown,
  ): Decision {
    if (!(error instanceof DomainError) || error.code !== 'STORE_UNAVAILABLE') throw error;
    this.storeFailing = true;
    let admitted: boolean | undefined;
    if (p.rule.failMode === 'open') {
      const share = this.rules.instanceCount;
      const { qps, burst } = p.rule.limit;
      const capacity = Math.max(1, burst / share);
      const left = capacity - this.recent.admitted(p.plan.scope, this.now());
      admitted = this.local.tryTake(p.plan.scope, qps / share, capacity, p.input.hits, left);
    }
    return storeUnavailableDecision(p.rule, admitted, revision);
  }
}

/** The span the local bucket of a rule refills in: where its recent admissions are counted. */
const localWindowMs = (rule: Rule): number =>
  Math.max(1, (1000 * rule.limit.burst) / rule.limit.qps);

const YIELD_ABOVE_ITEMS = 100;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
