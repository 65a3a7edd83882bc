import { FailMode, Rule, isWindowed, ruleKeyOf, windowBudget } from './rule';

export type Verdict = 'ALLOW' | 'REJECT' | 'DEGRADE';
export type Reason =
  'OK' | 'RATE_LIMITED' | 'CIRCUIT_OPEN' | 'NO_RULE' | 'SHADOW' | 'STORE_UNAVAILABLE';
export type BreakerStateName = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'DISABLED';

/** A validated decision request. */
export interface DecideInput {
  department: string;
  grade: string;
  resource: string;
  clientId: string;
  hits: number;
  /** Chooses the governing rule (time windows); counting always uses the Redis clock. */
  atMs: number;
}

/** How the counting script treats the rule's breaker. A forced-open breaker never reaches it. */
export type BreakerGateMode = 'disabled' | 'auto' | 'forced-closed';

/** What to ask the counter store for one decision. */
export interface CountPlan {
  /** The rule's key: all of a rule's counters and its breaker share one Redis hash slot. */
  rule: string;
  /** Counter scope: the rule's key, plus the client for `per: "client"`. Not the rule revision. */
  scope: string;
  /** The client id for `per: "client"`, else ''. */
  client: string;
  algorithm: Rule['limit']['algorithm'];
  hits: number;
  /** Windowed algorithms: hits per window; token_bucket: bucket capacity (burst). */
  limit: number;
  windowMs: number;
  /** token_bucket refill, tokens per millisecond. */
  refillPerMs: number;
  /**
   * How far past `limit` this request may go (0 = not at all): core resources under "degrade".
   * Windowed algorithms: up to 2 × budget in the window; token_bucket: a debt of up to one burst.
   */
  overdraft: number;
  breaker: { mode: BreakerGateMode; openMs: number; halfOpenMaxCalls: number };
}

export interface CountResult {
  /** When the store counted it, on its own clock, in µs (for measurements; never for decisions). */
  atUs?: number;
  admitted: boolean;
  /** Admitted only thanks to the overdraft. */
  overLimit: boolean;
  remaining: number;
  retryAfterMs: number;
  resetAfterMs: number;
  breaker: {
    /** The breaker refused the call before anything was counted. */
    blocked: boolean;
    state: BreakerStateName;
    /** This call moved the breaker OPEN → HALF_OPEN. */
    openedToHalf: boolean;
  };
}

export interface Decision {
  verdict: Verdict;
  reason: Reason;
  rule: string;
  limit: number;
  remaining: number;
  retryAfterMs: number;
  resetAfterMs: number;
  breakerState: BreakerStateName;
  rulesRevision: number;
  detail: string;
  /**
   * What a client needs to decide alone while no instance answers (absent for NO_RULE): the
   * rule's failMode, and the span `limit` applies to — the window, or for a token bucket the time
   * to refill the whole bucket — and whether it counts each client apart.
   */
  failMode?: FailMode;
  windowMs?: number;
  perClient?: boolean;
}

/** The span a client's local share is counted over: the window, or the time to refill the burst. */
const windowMsOf = (rule: Rule): number =>
  isWindowed(rule.limit.algorithm)
    ? rule.limit.windowMs
    : Math.ceil((1000 * rule.limit.burst) / rule.limit.qps);

const policyOf = (rule: Rule): { failMode: FailMode; windowMs: number; perClient: boolean } => ({
  failMode: rule.failMode,
  perClient: rule.limit.per === 'client',
  windowMs: windowMsOf(rule),
});

export const limitOf = (rule: Rule): number =>
  isWindowed(rule.limit.algorithm) ? windowBudget(rule.limit) : rule.limit.burst;

const isCore = (rule: Rule, resource: string): boolean =>
  rule.onExceed === 'degrade' && resource !== '' && rule.coreResources.includes(resource);

export function planCount(rule: Rule, input: DecideInput, override?: 'open' | 'closed'): CountPlan {
  const limit = limitOf(rule);
  const key = ruleKeyOf(rule);
  const client = rule.limit.per === 'client' ? input.clientId : '';
  return {
    rule: key,
    client,
    scope: client ? `${key}|c:${client}` : key,
    algorithm: rule.limit.algorithm,
    hits: input.hits,
    limit,
    windowMs: rule.limit.windowMs,
    refillPerMs: rule.limit.qps / 1000,
    overdraft: isCore(rule, input.resource) ? limit : 0,
    breaker: {
      mode: !rule.breaker.enabled ? 'disabled' : override === 'closed' ? 'forced-closed' : 'auto',
      openMs: rule.breaker.openMs,
      halfOpenMaxCalls: rule.breaker.halfOpenMaxCalls,
    },
  };
}

const breakerOf = (rule: Rule): BreakerStateName => (rule.breaker.enabled ? 'CLOSED' : 'DISABLED');

/** The breaker is open (or forced open): answer at once, count nothing. */
export function circuitOpenDecision(
  rule: Rule,
  state: BreakerStateName,
  retryAfterMs: number,
  rulesRevision: number,
  forced: boolean,
): Decision {
  const verdict: Verdict = rule.onExceed === 'degrade' ? 'DEGRADE' : 'REJECT';
  const why = forced
    ? 'circuit breaker forced open by an admin'
    : state === 'HALF_OPEN'
      ? 'circuit breaker half-open: probe quota in use'
      : 'circuit breaker open';
  const base = {
    rule: ruleKeyOf(rule),
    limit: limitOf(rule),
    remaining: 0,
    resetAfterMs: 0,
    breakerState: state,
    rulesRevision,
    ...policyOf(rule),
  };
  if (rule.shadow)
    return {
      ...base,
      verdict: 'ALLOW',
      reason: 'SHADOW',
      retryAfterMs: 0,
      detail: `shadow rule: would ${verdict} (CIRCUIT_OPEN): ${why}`,
    };
  return { ...base, verdict, reason: 'CIRCUIT_OPEN', retryAfterMs, detail: why };
}

/** Turns a count into the answer, applying onExceed and shadow. */
export function decisionFromCount(
  rule: Rule,
  input: DecideInput,
  count: CountResult,
  rulesRevision: number,
): Decision {
  if (count.breaker.blocked) {
    return circuitOpenDecision(rule, count.breaker.state, count.retryAfterMs, rulesRevision, false);
  }
  let verdict: Verdict;
  let reason: Reason;
  let detail = '';
  if (count.admitted && !count.overLimit) {
    verdict = 'ALLOW';
    reason = 'OK';
  } else if (count.admitted) {
    verdict = 'ALLOW';
    reason = 'RATE_LIMITED';
    detail = `over the limit; "${input.resource}" is a core resource and passes up to the hard cap`;
  } else if (isCore(rule, input.resource)) {
    // docs/rules-and-matching.md: core resources pass up to the hard cap and are rejected beyond it.
    verdict = 'REJECT';
    reason = 'RATE_LIMITED';
    detail = 'over the hard cap for core resources';
  } else if (rule.onExceed === 'degrade') {
    verdict = 'DEGRADE';
    reason = 'RATE_LIMITED';
    detail = 'over the limit: serve the fallback';
  } else {
    verdict = 'REJECT';
    reason = 'RATE_LIMITED';
  }
  let retryAfterMs = count.admitted ? 0 : count.retryAfterMs;
  if (rule.shadow) {
    detail = `shadow rule: would ${verdict} (${reason})${detail ? `: ${detail}` : ''}`;
    verdict = 'ALLOW';
    reason = 'SHADOW';
    retryAfterMs = 0;
  }
  // One object literal (this runs for every decision): the policy fields as policyOf gives them.
  return {
    verdict,
    reason,
    rule: ruleKeyOf(rule),
    limit: limitOf(rule),
    remaining: count.remaining,
    retryAfterMs,
    resetAfterMs: count.resetAfterMs,
    breakerState: count.breaker.state,
    rulesRevision,
    detail,
    failMode: rule.failMode,
    perClient: rule.limit.per === 'client',
    windowMs: windowMsOf(rule),
  };
}

export function noRuleDecision(verdict: 'ALLOW' | 'REJECT', rulesRevision: number): Decision {
  return {
    verdict,
    reason: 'NO_RULE',
    rule: '',
    limit: 0,
    remaining: 0,
    retryAfterMs: 0,
    resetAfterMs: 0,
    breakerState: 'DISABLED',
    rulesRevision,
    detail: 'no enabled rule matches this department, grade and time',
  };
}

/**
 * Redis could not answer in time. failMode "closed" rejects; "open" lets the in-process limiter
 * (this instance's share of the limit) decide. Either way the reason says so.
 */
export function storeUnavailableDecision(
  rule: Rule,
  locallyAdmitted: boolean | undefined,
  rulesRevision: number,
): Decision {
  const admitted = rule.failMode === 'open' && locallyAdmitted === true;
  const verdict: Verdict = rule.shadow || admitted ? 'ALLOW' : 'REJECT';
  return {
    verdict,
    reason: 'STORE_UNAVAILABLE',
    rule: ruleKeyOf(rule),
    limit: limitOf(rule),
    remaining: 0,
    retryAfterMs: admitted ? 0 : 1000,
    resetAfterMs: 0,
    breakerState: breakerOf(rule),
    rulesRevision,
    ...policyOf(rule),
    detail:
      rule.failMode === 'closed'
        ? 'counter store unavailable; failMode closed rejects'
        : `counter store unavailable; failMode open: this instance's share of the limit ${admitted ? 'admits' : 'is used up'}`,
  };
}
