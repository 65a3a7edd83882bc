import { RawDecideRequest } from '../../domain/decide-request';
import { Decision } from '../../domain/decision';
import { Rule, windowBudget } from '../../domain/rule';

/** How Envoy descriptors map onto decisions (README "Envoy gateways"). */
export interface RlsOptions {
  /** Required domain; '' accepts any non-empty domain. */
  domain: string;
  keys: { department: string; grade: string; resource: string; clientId: string };
  degradeHeader: string;
  circuitHeader: string;
  /** Add RateLimit-Limit / -Remaining / -Reset (and Retry-After when over) to responses. */
  rateLimitHeaders: boolean;
}

export interface DescriptorMessage {
  entries?: { key?: string; value?: string }[];
  hits_addend?: { value?: number | string } | null;
}

type Code = 'OK' | 'OVER_LIMIT';
type Unit = 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY';

export interface HeaderValue {
  key: string;
  value: string;
}

export interface DescriptorStatus {
  code: Code;
  current_limit?: { name: string; requests_per_unit: number; unit: Unit };
  limit_remaining: number;
  duration_until_reset?: { seconds: number; nanos: number };
}

export interface RateLimitResponse {
  overall_code: Code;
  statuses: DescriptorStatus[];
  response_headers_to_add: HeaderValue[];
  request_headers_to_add: HeaderValue[];
  raw_body: Buffer;
}

/** A descriptor's entries as a decision request, or undefined when it lacks department or grade (no rule can match). */
export function descriptorToRequest(
  descriptor: DescriptorMessage,
  requestHits: number,
  options: RlsOptions,
): RawDecideRequest | undefined {
  const values = new Map((descriptor.entries ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const department = values.get(options.keys.department);
  const grade = values.get(options.keys.grade);
  if (!department || !grade) return undefined;
  // A descriptor's own hits_addend (even 0: check only) wins over the request's (0 means 1).
  const hits = descriptor.hits_addend
    ? Number(descriptor.hits_addend.value ?? 0)
    : requestHits || 1;
  return {
    department,
    grade,
    resource: values.get(options.keys.resource),
    client_id: values.get(options.keys.clientId),
    hits,
  };
}

const UNITS: [Unit, number][] = [
  ['SECOND', 1000],
  ['MINUTE', 60_000],
  ['HOUR', 3_600_000],
  ['DAY', 86_400_000],
];

const isWhole = (n: number): boolean => Math.abs(n - Math.round(n)) < 1e-9 * Math.max(1, n);

/**
 * The rule as Envoy's RateLimit, exactly: `amount` per `spanMs` (a window's budget, or a token
 * bucket's qps per second) in the first unit, from the largest one not longer than the span
 * upwards, that holds it as a whole number — 5 per 10 s is 30 per MINUTE, not a rounded-up 1 per
 * SECOND (twice the limit). A rate no unit holds whole is rounded down per DAY: never advertise
 * more than the rule admits.
 */
export function currentLimit(rule: Rule): NonNullable<DescriptorStatus['current_limit']> {
  const name = `${rule.department}/${rule.grade}/${rule.window}`;
  const bucket = rule.limit.algorithm === 'token_bucket';
  const amount = bucket ? rule.limit.qps : windowBudget(rule.limit);
  const spanMs = bucket ? 1000 : rule.limit.windowMs;
  const longer = UNITS.findIndex(([, ms]) => ms > spanMs);
  const first = longer < 0 ? UNITS.length - 1 : Math.max(0, longer - 1);
  for (const [unit, unitMs] of UNITS.slice(first)) {
    const perUnit = (amount * unitMs) / spanMs;
    if (perUnit >= 1 && isWhole(perUnit))
      return { name, requests_per_unit: Math.round(perUnit), unit };
  }
  const perDay = (amount * 86_400_000) / spanMs;
  return { name, requests_per_unit: Math.max(1, Math.floor(perDay + 1e-9)), unit: 'DAY' };
}

const duration = (ms: number) => ({
  seconds: Math.floor(ms / 1000),
  nanos: Math.round(ms % 1000) * 1_000_000,
});

/**
 * Decisions → Envoy's answer. REJECT → OVER_LIMIT; DEGRADE → OK plus a request header for the
 * upstream; CIRCUIT_OPEN → OVER_LIMIT with a header and body saying the breaker is open; no rule
 * → OK (or OVER_LIMIT under NO_RULE_VERDICT=REJECT) with no current_limit.
 */
export function toRateLimitResponse(
  decisions: (Decision | undefined)[],
  rules: (Rule | undefined)[],
  noRuleVerdict: 'ALLOW' | 'REJECT',
  options: RlsOptions,
): RateLimitResponse {
  const response: RateLimitResponse = {
    overall_code: 'OK',
    statuses: [],
    response_headers_to_add: [],
    request_headers_to_add: [],
    raw_body: Buffer.alloc(0),
  };
  const reasons: string[] = [];
  let tightest: { status: DescriptorStatus; retryAfterMs: number } | undefined;
  decisions.forEach((decision, i) => {
    const rule = rules[i];
    if (!decision || !rule) {
      const code: Code =
        decision?.verdict === 'REJECT' || (!decision && noRuleVerdict === 'REJECT')
          ? 'OVER_LIMIT'
          : 'OK';
      response.statuses.push({ code, limit_remaining: 0 });
      if (code === 'OVER_LIMIT')
        reasons.push(`descriptor ${i}: no rule governs it (NO_RULE_VERDICT=REJECT)`);
      return;
    }
    const code: Code = decision.verdict === 'REJECT' ? 'OVER_LIMIT' : 'OK';
    const status: DescriptorStatus = {
      code,
      current_limit: currentLimit(rule),
      limit_remaining: decision.remaining,
      duration_until_reset: duration(decision.resetAfterMs),
    };
    response.statuses.push(status);
    if (decision.verdict === 'DEGRADE')
      addOnce(response.request_headers_to_add, options.degradeHeader, '1');
    if (decision.reason === 'CIRCUIT_OPEN') {
      addOnce(response.response_headers_to_add, options.circuitHeader, 'open');
      reasons.push(`circuit breaker open for rule ${decision.rule}`);
    } else if (code === 'OVER_LIMIT') {
      reasons.push(
        `rate limited by rule ${decision.rule} (${decision.reason}); retry after ${decision.retryAfterMs} ms`,
      );
    }
    if (
      !tightest ||
      status.limit_remaining < tightest.status.limit_remaining ||
      code === 'OVER_LIMIT'
    ) {
      tightest = { status, retryAfterMs: decision.retryAfterMs };
    }
  });
  if (response.statuses.some((s) => s.code === 'OVER_LIMIT')) {
    response.overall_code = 'OVER_LIMIT';
    response.raw_body = Buffer.from(`${reasons.join('; ')}\n`);
  }
  if (options.rateLimitHeaders && tightest?.status.current_limit) {
    const { status, retryAfterMs } = tightest;
    response.response_headers_to_add.push(
      { key: 'RateLimit-Limit', value: String(status.current_limit?.requests_per_unit) },
      { key: 'RateLimit-Remaining', value: String(status.limit_remaining) },
      {
        key: 'RateLimit-Reset',
        value: String(
          Math.ceil(
            (status.duration_until_reset?.seconds ?? 0) +
              (status.duration_until_reset?.nanos ?? 0) / 1e9,
          ),
        ),
      },
    );
    if (response.overall_code === 'OVER_LIMIT')
      response.response_headers_to_add.push({
        key: 'Retry-After',
        value: String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
      });
  }
  return response;
}

function addOnce(headers: HeaderValue[], key: string, value: string): void {
  if (!headers.some((h) => h.key === key)) headers.push({ key, value });
}
