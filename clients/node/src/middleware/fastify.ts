import { RateLimitOptions, Verdict, WithRateLimit, judge, reportOutcome } from './core.js';

/** The part of a Fastify reply the hooks use. */
export interface FastifyReplyLike {
  statusCode: number;
  code(statusCode: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(payload?: unknown): FastifyReplyLike;
}

const VERDICT = Symbol('rule-center verdict');

type Marked<Req> = WithRateLimit<Req> & { [VERDICT]?: { verdict: Verdict; started: number } };

/**
 * Fastify hooks: `app.addHook('onRequest', limiter.onRequest)` decides (REJECT → 429 with
 * Retry-After and RateLimit headers; DEGRADE → `request.rateLimit.degraded` and a response
 * header); `app.addHook('onResponse', limiter.onResponse)` reports the outcome for the breakers.
 */
export function fastifyRateLimit<Req extends object>(
  options: RateLimitOptions<Req>,
): {
  onRequest(request: Req, reply: FastifyReplyLike): Promise<unknown>;
  onResponse(request: Req, reply: FastifyReplyLike): Promise<void>;
} {
  return {
    async onRequest(request, reply) {
      const started = performance.now();
      const verdict = await judge(options, request);
      if (verdict.kind === 'skip') return;
      for (const [name, value] of verdict.headers) reply.header(name, value);
      if (verdict.kind === 'refuse') return reply.code(verdict.status).send(verdict.body);
      const marked = request as Marked<Req>;
      marked.rateLimit = verdict.state;
      marked[VERDICT] = { verdict, started };
    },
    async onResponse(request, reply) {
      const mark = (request as Marked<Req>)[VERDICT];
      if (mark?.verdict.kind === 'pass')
        reportOutcome(options, mark.verdict, reply.statusCode, performance.now() - mark.started);
    },
  };
}
