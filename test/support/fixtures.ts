import { BreakerSettings, DEFAULT_BREAKER } from '../../src/domain/rule';

/**
 * The breaker of the acceptance scenario (issue 4): opens at a 50 % error rate over 20 outcomes,
 * or when more than 1 % of calls take 50 ms or longer ("P99 above 50 ms"). Tests pick their own
 * openMs and halfOpenMaxCalls to keep runs short.
 */
export function acceptanceBreaker(openMs: number, halfOpenMaxCalls: number): BreakerSettings {
  return {
    ...DEFAULT_BREAKER,
    enabled: true,
    statWindowMs: 10_000,
    minRequests: 20,
    errorRateThreshold: 0.5,
    slowCallMs: 50,
    slowCallRateThreshold: 0.01,
    openMs,
    halfOpenMaxCalls,
  };
}
