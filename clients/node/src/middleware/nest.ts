import type { ServerResponse } from 'node:http';
import { RateLimitOptions, WithRateLimit, judge, reportOutcome } from './core.js';

/** The part of Nest's ExecutionContext the guard uses (no runtime dependency on @nestjs/common). */
export interface ExecutionContextLike {
  getType(): string;
  switchToHttp(): { getRequest<T = unknown>(): T; getResponse<T = unknown>(): T };
}

/** Express's response, or Fastify's reply (whose Node response is `raw`). */
type ResponseLike = (
  ServerResponse | { raw: ServerResponse; header(n: string, v: string): unknown }
) &
  object;

/**
 * Thrown for a refused request; Nest's exception filter answers with its `statusCode` and
 * `message` (as for any error that carries them), keeping the headers already set.
 */
export class RuleCenterHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RuleCenterHttpError';
  }
}

/**
 * A NestJS guard (`app.useGlobalGuards(new RuleCenterGuard({...}))`, or `@UseGuards(...)` per
 * controller), on Express or Fastify: REJECT → 429 with Retry-After and RateLimit headers;
 * DEGRADE → `req.rateLimit.degraded` and a response header; the handler's outcome is reported for
 * the breakers when the response finishes.
 */
export class RuleCenterGuard<Req extends object = object> {
  constructor(private readonly options: RateLimitOptions<Req>) {}

  async canActivate(context: ExecutionContextLike): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const started = performance.now();
    const http = context.switchToHttp();
    const req = http.getRequest<Req>();
    const res = http.getResponse<ResponseLike>();
    const raw: ServerResponse = 'raw' in res ? res.raw : res;
    const verdict = await judge(this.options, req);
    if (verdict.kind === 'skip') return true;
    for (const [name, value] of verdict.headers) {
      if ('raw' in res) res.header(name, value);
      else res.setHeader(name, value);
    }
    if (verdict.kind === 'refuse')
      throw new RuleCenterHttpError(verdict.status, verdict.body.message);
    (req as WithRateLimit<Req>).rateLimit = verdict.state;
    raw.once('finish', () =>
      reportOutcome(this.options, verdict, raw.statusCode, performance.now() - started),
    );
    return true;
  }
}
