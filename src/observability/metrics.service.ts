import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { DecisionMetrics } from './decision-metrics';

/** One prom-client registry per process; every metric README "Operations" lists is declared here. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly rulesLoaded = new Gauge({
    name: 'rulecenter_rules_loaded',
    help: 'Rules in the in-memory index of this instance',
    registers: [this.registry],
  });
  readonly windowsLoaded = new Gauge({
    name: 'rulecenter_windows_loaded',
    help: 'Time windows in the in-memory index of this instance',
    registers: [this.registry],
  });
  readonly rulesRevision = new Gauge({
    name: 'rulecenter_rules_revision',
    help: 'etcd revision of the newest change applied to the rule index',
    registers: [this.registry],
  });
  readonly etcdSynced = new Gauge({
    name: 'rulecenter_etcd_synced',
    help: '1 while the rule index is listed and its etcd watch is connected, else 0',
    registers: [this.registry],
  });
  readonly etcdErrors = new Counter({
    name: 'rulecenter_etcd_errors_total',
    help: 'Failed etcd calls, by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly configLoadErrors = new Counter({
    name: 'rulecenter_config_load_errors_total',
    help: 'Values in etcd rejected by validation (the previous good value keeps serving)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly ruleChangesApplied = new Counter({
    name: 'rulecenter_rule_changes_applied_total',
    help: 'Rule and window changes applied to the index from the etcd watch',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly watchReconnects = new Counter({
    name: 'rulecenter_etcd_watch_reconnects_total',
    help: 'etcd watch sessions dropped and resumed from the last applied revision, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: 'rulecenter_ready',
    help: '1 while this instance can answer decisions (rules loaded, not shutting down), else 0',
    registers: [this.registry],
  });
  readonly degraded = new Gauge({
    name: 'rulecenter_degraded',
    help: '1 while a shared dependency (etcd, redis) is not fully usable, by dependency',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });
  readonly indexResyncs = new Counter({
    name: 'rulecenter_index_resyncs_total',
    help: 'Full relists of the etcd prefix (start, compaction, lost watch)',
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: 'rulecenter_auth_failures_total',
    help: 'REST requests with a wrong bearer token: answered 401 (counted) or 429 (over AUTH_FAILURES_PER_MINUTE)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly redisErrors = new Counter({
    name: 'rulecenter_redis_errors_total',
    help: 'Failed Redis calls (timeouts, refused connections), by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly redisReachable = new Gauge({
    name: 'rulecenter_redis_reachable',
    help: '1 while the last Redis health ping succeeded, else 0',
    registers: [this.registry],
  });
  readonly instancesKnown = new Gauge({
    name: 'rulecenter_instances_known',
    help: 'Live Rule Center instances registered in etcd (the fail-open share divisor)',
    registers: [this.registry],
  });
  readonly decisions = new DecisionMetrics(this.registry);
  readonly breakerTransitions = new Counter({
    name: 'rulecenter_breaker_transitions_total',
    help: 'Circuit breaker state changes seen by this instance, by from and to state',
    labelNames: ['from', 'to'] as const,
    registers: [this.registry],
  });
  readonly breakerState = new Gauge({
    name: 'rulecenter_breaker_state',
    help: 'Last known breaker state per rule: 0 closed, 1 open, 2 half-open (one series per rule with a breaker)',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  readonly outcomesReported = new Counter({
    name: 'rulecenter_outcomes_reported_total',
    help: 'Outcomes reported by gateways: accepted, or ignored because no rule governs or its breaker is disabled',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
