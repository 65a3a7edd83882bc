export { createClient } from './client.js';
export { RuleCenterRequestError } from './types.js';
export type {
  BreakerState,
  ClientOptions,
  ClientStats,
  DecideInput,
  DecisionResult,
  Outcome,
  Reason,
  RuleCenterClient,
  Verdict,
  WatchEvent,
  WatchEventType,
  WatchOptions,
  Watcher,
} from './types.js';
export { rateLimitHeaders } from './middleware/core.js';
export type { RateLimitOptions, RateLimitState, WithRateLimit } from './middleware/core.js';
export { expressRateLimit } from './middleware/express.js';
export { fastifyRateLimit } from './middleware/fastify.js';
export type { FastifyReplyLike } from './middleware/fastify.js';
export { RuleCenterGuard, RuleCenterHttpError } from './middleware/nest.js';
export type { ExecutionContextLike } from './middleware/nest.js';
