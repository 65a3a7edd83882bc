import type { IncomingMessage, ServerResponse } from 'node:http';
import { RateLimitOptions, WithRateLimit, judge, reportOutcome } from './core.js';

/**
 * Express / Connect middleware (and NestJS on Express via `consumer.apply()`): REJECT → 429 with
 * Retry-After and RateLimit headers; DEGRADE → `req.rateLimit.degraded` and a response header;
 * then the handler's outcome (status < 500 = success, latency) is reported for the breakers.
 */
export function expressRateLimit<Req extends IncomingMessage = IncomingMessage>(
  options: RateLimitOptions<Req>,
): (req: Req, res: ServerResponse, next: (error?: unknown) => void) => void {
  return (req, res, next) => {
    const started = performance.now();
    judge(options, req).then((verdict) => {
      if (verdict.kind === 'skip') return next();
      for (const [name, value] of verdict.headers) res.setHeader(name, value);
      if (verdict.kind === 'refuse') {
        res.statusCode = verdict.status;
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.end(JSON.stringify(verdict.body));
        return;
      }
      (req as WithRateLimit<Req>).rateLimit = verdict.state;
      res.once('finish', () =>
        reportOutcome(options, verdict, res.statusCode, performance.now() - started),
      );
      next();
    }, next);
  };
}
