import {
  BreakerMode,
  BreakerPhase,
  BreakerTransitionEvent,
  OutcomeCounts,
} from '../domain/breaker';
import { DomainError, validationFailed } from '../domain/errors';
import { InFlight } from '../domain/in-flight';
import { KEYS } from '../domain/keys';
import { Rule, RuleId, ruleKeyOf } from '../domain/rule';
import { requiredTokenProblem } from '../domain/scope';
import type { Logger } from '../observability/logger';
import { MetricsService } from '../observability/metrics.service';
import { BreakerStore } from '../ports/breaker-store.port';
import { ConfigStore } from '../ports/config-store.port';
import { auditWrite } from './audit.service';
import { LiveIndex } from './rule-index.service';

/** An outcome as the transport decoded it (proto field names). */
export interface RawOutcome {
  department?: string;
  grade?: string;
  resource?: string;
  success?: boolean;
  latency_ms?: number;
}

export interface ReportSummary {
  accepted: number;
  /** No enabled rule governs the outcome's department and grade now. */
  ignoredNoRule: number;
  /** The governing rule has no breaker. */
  ignoredBreakerDisabled: number;
}

export type { BreakerTransitionEvent };

export interface BreakerView {
  rule: string;
  /** What decisions see: the override when one is set, else the shared automatic state. */
  state: BreakerPhase;
  automaticState: BreakerPhase | 'UNKNOWN';
  mode: BreakerMode;
  override?: { by: string; at: string };
  window: { total: number; errorRate: number; slowRate: number };
  settings: Rule['breaker'];
  error?: string;
}

export interface BreakerOptions {
  maxOutcomes: number;
  /** Outcomes worked on at once across calls; more are refused (OVERLOADED). */
  maxInFlight: number;
  /** Latencies above this are refused as absurd (a gateway clock or unit bug). */
  maxLatencyMs: number;
  writeVisibilityTimeoutMs: number;
}

const STATE_VALUE: Record<BreakerPhase, number> = { CLOSED: 0, OPEN: 1, HALF_OPEN: 2 };

/**
 * Circuit breakers: gateways' outcome reports go to the rule a decision would pick, aggregated per
 * rule into one atomic Redis script call each; every transition is logged, counted and emitted.
 * Admins force a breaker open or closed through an etcd key (durable, audited, watched by every
 * instance), which the decision path reads from memory.
 */
/** Where breaker transitions (this instance's and its peers') are told. */
export interface BreakerTransitions {
  onTransition(listener: (event: BreakerTransitionEvent) => void): void;
}

export class BreakerService implements BreakerTransitions {
  private readonly transitionListeners: ((event: BreakerTransitionEvent) => void)[] = [];
  /** Rules with a breaker_state series, so deleted rules' series can be dropped. */
  private readonly stateSeries = new Set<string>();
  private readonly inFlight: InFlight;

  constructor(
    private readonly live: LiveIndex,
    private readonly breakers: BreakerStore,
    private readonly config: ConfigStore,
    private readonly metrics: MetricsService,
    private readonly logger: Logger,
    private readonly options: BreakerOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.inFlight = new InFlight(options.maxInFlight, 'outcomes');
  }

  async report(raws: RawOutcome[]): Promise<ReportSummary> {
    if (raws.length === 0) throw validationFailed(['outcomes must hold at least one outcome']);
    if (raws.length > this.options.maxOutcomes) {
      throw validationFailed([
        `outcomes may hold at most ${this.options.maxOutcomes} outcomes (MAX_OUTCOMES); got ${raws.length}`,
      ]);
    }
    const problems = raws.flatMap((raw, i) => this.problems(raw, `outcomes[${i}].`));
    if (problems.length) throw validationFailed(problems);
    return this.inFlight.run(raws.length, () => this.apply(raws));
  }

  private async apply(raws: RawOutcome[]): Promise<ReportSummary> {
    const index = this.live.index;
    const at = this.now();
    const perRule = new Map<string, { rule: Rule; counts: OutcomeCounts }>();
    const summary: ReportSummary = { accepted: 0, ignoredNoRule: 0, ignoredBreakerDisabled: 0 };
    for (const raw of raws) {
      const rule = index.match(raw.department ?? '', raw.grade ?? '', at);
      if (!rule) {
        summary.ignoredNoRule++;
        continue;
      }
      if (!rule.breaker.enabled) {
        summary.ignoredBreakerDisabled++;
        continue;
      }
      summary.accepted++;
      const key = ruleKeyOf(rule);
      const entry = perRule.get(key) ?? { rule, counts: { total: 0, failures: 0, slow: 0 } };
      entry.counts.total++;
      if (raw.success !== true) entry.counts.failures++;
      if ((raw.latency_ms ?? 0) >= rule.breaker.slowCallMs) entry.counts.slow++;
      perRule.set(key, entry);
    }
    this.metrics.outcomesReported.inc({ result: 'accepted' }, summary.accepted);
    this.metrics.outcomesReported.inc({ result: 'no_rule' }, summary.ignoredNoRule);
    this.metrics.outcomesReported.inc(
      { result: 'breaker_disabled' },
      summary.ignoredBreakerDisabled,
    );
    await Promise.all(
      [...perRule].map(async ([key, { rule, counts }]) => {
        const result = await this.breakers.report(key, rule.breaker, counts);
        if (result.from !== result.to)
          this.transition({ rule: key, ...result, at: new Date(at).toISOString() });
      }),
    );
    return summary;
  }

  /** Called by the decision path when a decision moved a breaker OPEN → HALF_OPEN. */
  noteHalfOpen(rule: string): void {
    this.transition({
      rule,
      from: 'OPEN',
      to: 'HALF_OPEN',
      total: 0,
      errorRate: 0,
      slowRate: 0,
      at: new Date(this.now()).toISOString(),
    });
  }

  async list(): Promise<BreakerView[]> {
    const index = this.live.index;
    const rules = index.rules().filter((r) => r.breaker.enabled);
    return Promise.all(rules.map((rule) => this.view(rule)));
  }

  async get(id: RuleId): Promise<BreakerView> {
    return this.view(this.requireRule(id));
  }

  /** Forces a breaker open or closed, or back to automatic; audited; 404 for an unknown rule. */
  async force(id: RuleId, mode: BreakerMode, actor: string): Promise<BreakerView> {
    const rule = this.requireRule(id);
    if (!rule.breaker.enabled && mode !== 'auto') {
      throw new DomainError(
        'BREAKER_DISABLED',
        `rule ${ruleKeyOf(id)} has no breaker (breaker.enabled is false); enable it before forcing it`,
      );
    }
    const key = KEYS.breaker(id);
    const current = await this.config.get(key);
    const now = new Date(this.now());
    const after = mode === 'auto' ? null : { mode, by: actor, at: now.toISOString() };
    const before = current ? (JSON.parse(current.value) as unknown) : null;
    const result = await this.config.commit({
      guards: [
        { key: KEYS.rule(id), expect: { kind: 'present' } },
        current
          ? { key, expect: { kind: 'revision', revision: current.modRevision } }
          : { key, expect: { kind: 'absent' } },
      ],
      writes: [
        { key, value: after && JSON.stringify(after) },
        auditWrite(
          {
            actor,
            action: mode === 'auto' ? 'delete' : current ? 'replace' : 'create',
            key,
            before,
            after,
            at: now.toISOString(),
          },
          now,
        ),
      ],
    });
    if (!result.committed) {
      throw new DomainError(
        'REVISION_CONFLICT',
        `the breaker of ${ruleKeyOf(id)} or its rule changed meanwhile; try again`,
      );
    }
    await this.live.waitForRevision(result.revision, this.options.writeVisibilityTimeoutMs);
    this.logger.info(
      { rule: ruleKeyOf(id), mode, actor, revision: result.revision },
      'breaker mode set',
    );
    return this.view(this.live.index.rule(ruleKeyOf(id)) ?? rule);
  }

  private requireRule(id: RuleId): Rule {
    const rule = this.live.index.rule(ruleKeyOf(id));
    if (!rule) throw new DomainError('RULE_NOT_FOUND', `rule ${ruleKeyOf(id)} does not exist`);
    return rule;
  }

  private async view(rule: Rule): Promise<BreakerView> {
    const key = ruleKeyOf(rule);
    const override = this.live.index.override(key);
    const base = {
      rule: key,
      mode: override?.mode ?? ('auto' as BreakerMode),
      override: override && { by: override.by, at: override.at },
      settings: rule.breaker,
    };
    try {
      const r = await this.breakers.report(key, rule.breaker, { total: 0, failures: 0, slow: 0 });
      const state = override ? (override.mode === 'open' ? 'OPEN' : 'CLOSED') : r.to;
      this.setState(key, state);
      return {
        ...base,
        state,
        automaticState: r.to,
        window: { total: r.total, errorRate: r.errorRate, slowRate: r.slowRate },
      };
    } catch (error) {
      const state = override?.mode === 'open' ? 'OPEN' : 'CLOSED';
      return {
        ...base,
        state,
        automaticState: 'UNKNOWN',
        window: { total: 0, errorRate: 0, slowRate: 0 },
        error: String(error instanceof Error ? error.message : error),
      };
    }
  }

  onTransition(listener: (event: BreakerTransitionEvent) => void): void {
    this.transitionListeners.push(listener);
  }

  private tell(event: BreakerTransitionEvent): void {
    for (const listener of this.transitionListeners) listener(event);
  }

  /**
   * Transitions other instances caused reach this instance's watchers too (Redis pub/sub, best
   * effort: a notification lost while Redis is away is not replayed; the state itself is in Redis).
   */
  listenToPeers(): void {
    this.breakers.onPeerTransition((event) => {
      this.setState(event.rule, event.to);
      this.logger.debug(event, `breaker ${event.rule} ${event.from} -> ${event.to} (on a peer)`);
      this.tell(event);
    });
  }

  /** Drops the state series of rules that are gone or have no breaker any more. */
  pruneStateSeries(): void {
    const index = this.live.index;
    for (const rule of this.stateSeries) {
      if (index.rule(rule)?.breaker.enabled) continue;
      this.metrics.breakerState.remove({ rule });
      this.stateSeries.delete(rule);
    }
  }

  private setState(rule: string, phase: BreakerPhase): void {
    this.metrics.breakerState.set({ rule }, STATE_VALUE[phase]);
    this.stateSeries.add(rule);
  }

  private transition(event: BreakerTransitionEvent): void {
    this.metrics.breakerTransitions.inc({ from: event.from, to: event.to });
    this.setState(event.rule, event.to);
    this.logger.warn(event, `breaker ${event.rule} ${event.from} -> ${event.to}`);
    this.tell(event);
    this.breakers
      .publishTransition(event)
      .catch((error: unknown) =>
        this.logger.debug(
          { err: String(error), rule: event.rule },
          'breaker transition not published',
        ),
      );
  }

  private problems(raw: RawOutcome, path: string): string[] {
    const problems: string[] = [];
    for (const field of ['department', 'grade'] as const) {
      const problem = requiredTokenProblem(`${path}${field}`, raw[field]);
      if (problem) problems.push(problem);
    }
    const latency = raw.latency_ms ?? 0;
    if (!Number.isFinite(latency) || latency < 0 || latency > this.options.maxLatencyMs) {
      problems.push(
        `${path}latency_ms must be between 0 and ${this.options.maxLatencyMs} (MAX_LATENCY_MS); got ${raw.latency_ms}`,
      );
    }
    return problems;
  }
}
