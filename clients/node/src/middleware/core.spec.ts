import type { DecisionResult } from '../types';
import { rateLimitHeaders } from './core';

const decision = (extra: Partial<DecisionResult> = {}): DecisionResult => ({
  verdict: 'REJECT',
  reason: 'RATE_LIMITED',
  source: 'center',
  rule: 'cs/2023/any',
  limit: 5,
  remaining: 0,
  retryAfterMs: 2100,
  resetAfterMs: 9500,
  windowMs: 10_000,
  breakerState: 'DISABLED',
  rulesRevision: 3,
  detail: '',
  ...extra,
});

describe('rateLimitHeaders', () => {
  it('names the rule, its quota per window and what is left (IETF RateLimit fields)', () => {
    expect(rateLimitHeaders(decision())).toEqual([
      ['RateLimit-Policy', '"cs/2023/any";q=5;w=10'],
      ['RateLimit', '"cs/2023/any";r=0;t=10'],
    ]);
  });

  it('sends none when no rule governs', () => {
    expect(rateLimitHeaders(decision({ rule: '', limit: 0, windowMs: 0 }))).toEqual([]);
  });
});
