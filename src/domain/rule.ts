import { ANY_WINDOW } from './time-window';

export type LimitAlgorithm =
  'sliding_window' | 'sliding_window_counter' | 'fixed_window' | 'token_bucket';
export type CountPer = 'scope' | 'client';
export type OnExceed = 'reject' | 'degrade';
export type FailMode = 'open' | 'closed';

export const LIMIT_ALGORITHMS: readonly LimitAlgorithm[] = [
  'sliding_window',
  'sliding_window_counter',
  'fixed_window',
  'token_bucket',
];

/** The algorithms that count hits per window of `windowMs` (all but the token bucket). */
export const isWindowed = (algorithm: LimitAlgorithm): boolean => algorithm !== 'token_bucket';
export const COUNT_PER: readonly CountPer[] = ['scope', 'client'];
export const ON_EXCEED: readonly OnExceed[] = ['reject', 'degrade'];
export const FAIL_MODES: readonly FailMode[] = ['open', 'closed'];

export interface RateLimit {
  qps: number;
  burst: number;
  algorithm: LimitAlgorithm;
  windowMs: number;
  per: CountPer;
}

export interface BreakerSettings {
  enabled: boolean;
  statWindowMs: number;
  minRequests: number;
  errorRateThreshold: number;
  slowCallMs: number;
  slowCallRateThreshold: number;
  openMs: number;
  halfOpenMaxCalls: number;
}

export interface RuleId {
  department: string;
  grade: string;
  window: string;
}

export interface RuleBody {
  limit: RateLimit;
  onExceed: OnExceed;
  coreResources: string[];
  breaker: BreakerSettings;
  failMode: FailMode;
  enabled: boolean;
  shadow: boolean;
  priority: number;
  description: string;
}

export interface RuleMeta {
  /** etcd mod_revision of the rule's key. */
  revision: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export type Rule = RuleId & RuleBody & RuleMeta;

/** What a client may send: every part of the body but `limit.qps` has a default. */
export type RuleBodyInput = {
  limit: Partial<RateLimit> & { qps: number };
  breaker?: Partial<BreakerSettings>;
} & Partial<Omit<RuleBody, 'limit' | 'breaker'>>;

export const DEFAULT_BREAKER: BreakerSettings = {
  enabled: false,
  statWindowMs: 10_000,
  minRequests: 20,
  errorRateThreshold: 0.5,
  slowCallMs: 1_000,
  slowCallRateThreshold: 1,
  openMs: 30_000,
  halfOpenMaxCalls: 5,
};

/** Fills every default so stored rules are explicit and readers never guess. */
export function applyRuleDefaults(input: RuleBodyInput): RuleBody {
  const qps = input.limit.qps;
  return {
    limit: {
      qps,
      burst: input.limit.burst ?? Math.max(1, Math.ceil(qps)),
      algorithm: input.limit.algorithm ?? 'sliding_window',
      windowMs: input.limit.windowMs ?? 1000,
      per: input.limit.per ?? 'scope',
    },
    onExceed: input.onExceed ?? 'reject',
    coreResources: [...new Set(input.coreResources ?? [])],
    breaker: { ...DEFAULT_BREAKER, ...input.breaker },
    failMode: input.failMode ?? 'open',
    enabled: input.enabled ?? true,
    shadow: input.shadow ?? false,
    priority: input.priority ?? 0,
    description: input.description ?? '',
  };
}

/** Requests admitted per sliding window: `qps × windowMs / 1000`, rounded down. */
export const windowBudget = (limit: RateLimit): number =>
  Math.floor((limit.qps * limit.windowMs) / 1000);

/**
 * The exact sliding log keeps one Redis entry per admission in the window, per scope (per student
 * with `per: "client"`), so its budget is capped: 100,000 entries is about 10 MB of Redis per key.
 */
export const MAX_SLIDING_LOG_BUDGET = 100_000;

/** Semantic checks the field-level DTO checks cannot express. */
export function ruleBodyProblems(body: RuleBody): string[] {
  const problems: string[] = [];
  const { algorithm } = body.limit;
  if (isWindowed(algorithm) && windowBudget(body.limit) < 1) {
    problems.push(
      'limit.qps × limit.windowMs / 1000 must be at least 1 (a window must admit one request)',
    );
  }
  if (algorithm === 'sliding_window' && windowBudget(body.limit) > MAX_SLIDING_LOG_BUDGET) {
    problems.push(
      `limit.qps × limit.windowMs / 1000 is ${windowBudget(body.limit)}; the exact sliding_window keeps one Redis entry per admission and allows at most ${MAX_SLIDING_LOG_BUDGET} per window: lower qps or windowMs, or use algorithm "sliding_window_counter" (two counters per key, whatever the budget)`,
    );
  }
  if (algorithm === 'token_bucket' && body.limit.burst < 1) {
    problems.push('limit.burst must be at least 1');
  }
  return problems;
}

export const ruleKeyOf = (id: RuleId): string => `${id.department}/${id.grade}/${id.window}`;

export const isNamedWindow = (window: string): boolean => window !== ANY_WINDOW;
