import type { DecideInput, DecisionResult, RuleCenterClient } from '../types.js';
import { RuleCenterRequestError } from '../types.js';

/** How a request maps onto a decision; return undefined from department or grade to skip it. */
export interface RateLimitOptions<Req> {
  client: RuleCenterClient;
  department(req: Req): string | undefined;
  grade(req: Req): string | undefined;
  resource?(req: Req): string | undefined;
  clientId?(req: Req): string | undefined;
  /** Response header set (to `1`) on a DEGRADE verdict. Default `x-rulecenter-degrade`. */
  degradeHeader?: string;
  /** Report each allowed request's outcome (status < 500 = success, latency) for the breakers. Default true. */
  reportOutcomes?: boolean;
}

/** What the middleware leaves on the request as `req.rateLimit`. */
export interface RateLimitState {
  decision: DecisionResult;
  /** DEGRADE: serve the fallback, switch off non-core features. */
  degraded: boolean;
}

export type WithRateLimit<Req> = Req & { rateLimit?: RateLimitState };

/** What to do with one request. */
export type Verdict =
  | { kind: 'skip' }
  | { kind: 'pass'; input: DecideInput; state: RateLimitState; headers: [string, string][] }
  | {
      kind: 'refuse';
      status: 429 | 400;
      headers: [string, string][];
      body: { error: string; message: string };
    };

/** Asks the center about one request and turns the answer into HTTP terms. */
export async function judge<Req>(options: RateLimitOptions<Req>, req: Req): Promise<Verdict> {
  const department = options.department(req);
  const grade = options.grade(req);
  if (department === undefined || grade === undefined) return { kind: 'skip' };
  const input: DecideInput = {
    department,
    grade,
    resource: options.resource?.(req),
    clientId: options.clientId?.(req),
  };
  let decision: DecisionResult;
  try {
    decision = await options.client.decide(input);
  } catch (error) {
    if (!(error instanceof RuleCenterRequestError)) throw error;
    // The request's own values are not valid scope tokens: the caller's fault, never counted.
    return {
      kind: 'refuse',
      status: 400,
      headers: [],
      body: { error: 'Bad Request', message: error.message },
    };
  }
  const headers = rateLimitHeaders(decision);
  if (decision.verdict === 'REJECT') {
    headers.push(['Retry-After', String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)))]);
    const why = decision.reason === 'CIRCUIT_OPEN' ? 'circuit breaker open' : 'rate limited';
    return {
      kind: 'refuse',
      status: 429,
      headers,
      body: {
        error: 'Too Many Requests',
        message: `${why} by rule ${decision.rule || '(none)'}; retry after ${decision.retryAfterMs} ms`,
      },
    };
  }
  const degraded = decision.verdict === 'DEGRADE';
  if (degraded) headers.push([options.degradeHeader ?? 'x-rulecenter-degrade', '1']);
  return { kind: 'pass', input, state: { decision, degraded }, headers };
}

/**
 * IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers): the policy (quota `q` per window
 * `w` seconds) and what is left (`r`) and when the window resets (`t` seconds), named by the rule.
 */
export function rateLimitHeaders(d: DecisionResult): [string, string][] {
  if (!d.rule || !d.limit || !d.windowMs) return [];
  const name = JSON.stringify(d.rule);
  return [
    ['RateLimit-Policy', `${name};q=${d.limit};w=${Math.max(1, Math.ceil(d.windowMs / 1000))}`],
    ['RateLimit', `${name};r=${d.remaining};t=${Math.ceil(d.resetAfterMs / 1000)}`],
  ];
}

/** Reports how an admitted request went, if it was governed by a rule. */
export function reportOutcome<Req>(
  options: RateLimitOptions<Req>,
  verdict: Extract<Verdict, { kind: 'pass' }>,
  statusCode: number,
  latencyMs: number,
): void {
  if (options.reportOutcomes === false || !verdict.state.decision.rule) return;
  options.client.report({
    department: verdict.input.department,
    grade: verdict.input.grade,
    resource: verdict.input.resource,
    success: statusCode < 500,
    latencyMs,
  });
}
