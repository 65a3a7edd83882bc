import { Rule, ruleKeyOf, windowBudget } from './rule';

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

/** What to ask the counter store for one decision. */
export interface CountPlan {
  /** Counter scope: the rule's key, plus the client for `per: "client"`. Not the rule revision. */
  scope: string;
  algorithm: Rule['limit']['algorithm'];
  hits: number;
  /** sliding_window: hits per window; token_bucket: bucket capacity (burst). */
  limit: number;
  windowMs: number;
  /** token_bucket refill, tokens per millisecond. */
  refillPerMs: number;
  /**
   * How far past `limit` this request may go (0 = not at all): core resources under "degrade".
   * sliding_window: up to 2 × budget in the window; token_bucket: a debt of up to one burst.
   */
  overdraft: number;
}

export interface CountResult {
  admitted: boolean;
  /** Admitted only thanks to the overdraft. */
  overLimit: boolean;
  remaining: number;
  retryAfterMs: number;
  resetAfterMs: number;
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
}

export const limitOf = (rule: Rule): number =>
  rule.limit.algorithm === 'sliding_window' ? windowBudget(rule.limit) : rule.limit.burst;

const isCore = (rule: Rule, resource: string): boolean =>
  rule.onExceed === 'degrade' && resource !== '' && rule.coreResources.includes(resource);

export function planCount(rule: Rule, input: DecideInput): CountPlan {
  const limit = limitOf(rule);
  const key = ruleKeyOf(rule);
  return {
    scope: rule.limit.per === 'client' ? `${key}|c:${input.clientId}` : key,
    algorithm: rule.limit.algorithm,
    hits: input.hits,
    limit,
    windowMs: rule.limit.windowMs,
    refillPerMs: rule.limit.qps / 1000,
    overdraft: isCore(rule, input.resource) ? limit : 0,
  };
}

const breakerOf = (rule: Rule): BreakerStateName => (rule.breaker.enabled ? 'CLOSED' : 'DISABLED');

/** Turns a count into the answer, applying onExceed and shadow. */
export function decisionFromCount(
  rule: Rule,
  input: DecideInput,
  count: CountResult,
  rulesRevision: number,
): Decision {
  const base = {
    rule: ruleKeyOf(rule),
    limit: limitOf(rule),
    remaining: count.remaining,
    retryAfterMs: count.admitted ? 0 : count.retryAfterMs,
    resetAfterMs: count.resetAfterMs,
    breakerState: breakerOf(rule),
    rulesRevision,
  };
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
  } else if (rule.onExceed === 'degrade') {
    verdict = 'DEGRADE';
    reason = 'RATE_LIMITED';
    detail = isCore(rule, input.resource)
      ? 'over the hard cap for core resources'
      : 'over the limit: serve the fallback';
  } else {
    verdict = 'REJECT';
    reason = 'RATE_LIMITED';
  }
  if (rule.shadow) {
    return {
      ...base,
      verdict: 'ALLOW',
      reason: 'SHADOW',
      retryAfterMs: 0,
      detail: `shadow rule: would ${verdict} (${reason})${detail ? `: ${detail}` : ''}`,
    };
  }
  return { ...base, verdict, reason, detail };
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
    detail:
      rule.failMode === 'closed'
        ? 'counter store unavailable; failMode closed rejects'
        : `counter store unavailable; failMode open: this instance's share of the limit ${admitted ? 'admits' : 'is used up'}`,
  };
}
