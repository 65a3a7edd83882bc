import type { DecideResponseMessage } from './proto.js';
import type { DecideInput, DecisionResult } from './types.js';

/** What the center last said about a scope: enough to decide alone while it is away. */
interface Policy {
  rule: string;
  limit: number;
  windowMs: number;
  instances: number;
  failMode: 'open' | 'closed';
  perClient: boolean;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept at most (per-client rules could otherwise grow one per student); oldest go first. */
const MAX_BUCKETS = 10_000;
/** Scopes remembered at most. */
const MAX_POLICIES = 10_000;

/**
 * The in-process limiter used when no instance answers in time. Per scope it keeps the last
 * answer's rule: failMode `closed` rejects; `open` admits this process's share of the limit
 * (`limit / instances`, refilled over the rule's window) — the share each instance enforces when
 * Redis is away. A scope never answered for gets `unknownScopeVerdict`; one the center said no rule
 * governs is allowed.
 */
export class LocalFallback {
  private readonly policies = new Map<string, Policy | null>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly unknownScopeVerdict: 'ALLOW' | 'REJECT',
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers what the center answered; its return retires the buckets of the last outage. */
  learn(input: DecideInput, answer: DecideResponseMessage): void {
    if (this.buckets.size) this.buckets.clear();
    const key = scopeKey(input);
    if (!this.policies.has(key) && this.policies.size >= MAX_POLICIES) this.policies.clear();
    if (answer.reason === 'NO_RULE' || !answer.rule) return void this.policies.set(key, null);
    // An older server sends no fail_mode: keep what was known.
    if (answer.fail_mode !== 'FAIL_OPEN' && answer.fail_mode !== 'FAIL_CLOSED') return;
    this.policies.set(key, {
      rule: answer.rule,
      limit: answer.limit ?? 0,
      windowMs: answer.window_ms ?? 1000,
      instances: Math.max(1, answer.instances ?? 1),
      failMode: answer.fail_mode === 'FAIL_OPEN' ? 'open' : 'closed',
      perClient: answer.per_client === true,
    });
  }

  decide(input: DecideInput): DecisionResult {
    const policy = this.policies.get(scopeKey(input));
    if (policy === undefined)
      return answer(
        this.unknownScopeVerdict,
        '',
        0,
        0,
        'no answer from the center yet for this scope',
      );
    if (policy === null)
      return answer('ALLOW', '', 0, 0, 'no rule governed this scope when last asked');
    const { rule, limit, windowMs } = policy;
    if (policy.failMode === 'closed')
      return answer('REJECT', rule, limit, windowMs, 'center unreachable; the rule fails closed');
    const share = Math.max(1, limit / policy.instances);
    const key = policy.perClient ? `${rule}|${input.clientId ?? ''}` : rule;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS)
        this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = { tokens: share, at: now };
      this.buckets.set(key, bucket);
    }
    const perMs = share / Math.max(1, windowMs);
    bucket.tokens = Math.min(share, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    const hits = input.hits ?? 1;
    const admitted = bucket.tokens >= hits;
    if (admitted) bucket.tokens -= hits;
    const result = answer(
      admitted ? 'ALLOW' : 'REJECT',
      rule,
      limit,
      windowMs,
      `center unreachable; this process's share of the limit (${share.toFixed(1)} per ${windowMs} ms) ${admitted ? 'admits' : 'is used up'}`,
    );
    result.remaining = Math.floor(bucket.tokens);
    if (!admitted) result.retryAfterMs = Math.ceil((hits - bucket.tokens) / perMs);
    return result;
  }
}

const scopeKey = (input: DecideInput): string => `${input.department}\u0000${input.grade}`;

function answer(
  verdict: 'ALLOW' | 'REJECT',
  rule: string,
  limit: number,
  windowMs: number,
  detail: string,
): DecisionResult {
  return {
    verdict,
    reason: 'UNREACHABLE',
    source: 'fallback',
    rule,
    limit,
    remaining: 0,
    retryAfterMs: verdict === 'REJECT' ? 1000 : 0,
    resetAfterMs: 0,
    windowMs,
    breakerState: 'DISABLED',
    rulesRevision: 0,
    detail,
  };
}
