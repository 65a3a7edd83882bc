import { Decision } from '../../domain/decision';
import { Rule, RuleBodyInput, applyRuleDefaults } from '../../domain/rule';
import {
  RlsOptions,
  currentLimit,
  descriptorToRequest,
  toRateLimitResponse,
} from './envoy-rls.mapper';

const options: RlsOptions = {
  domain: '',
  keys: { department: 'department', grade: 'grade', resource: 'resource', clientId: 'client_id' },
  degradeHeader: 'x-rulecenter-degrade',
  circuitHeader: 'x-rulecenter-circuit',
  rateLimitHeaders: true,
};
const rule = (body: Partial<RuleBodyInput> = {}): Rule => ({
  department: 'cs',
  grade: '2023',
  window: 'any',
  ...applyRuleDefaults({ limit: { qps: 50 }, ...body }),
  revision: 1,
  createdAt: '',
  updatedAt: '',
  updatedBy: 't',
});
const decision = (extra: Partial<Decision> = {}): Decision => ({
  verdict: 'ALLOW',
  reason: 'OK',
  rule: 'cs/2023/any',
  limit: 50,
  remaining: 7,
  retryAfterMs: 0,
  resetAfterMs: 1500,
  breakerState: 'DISABLED',
  rulesRevision: 3,
  detail: '',
  ...extra,
});

describe('Envoy descriptors', () => {
  it('maps entries by configured key names, ignoring other entries', () => {
    const d = {
      entries: [
        { key: 'department', value: 'cs' },
        { key: 'grade', value: '2023' },
        { key: 'remote_address', value: '10.0.0.1' },
        { key: 'client_id', value: 's1' },
      ],
    };
    expect(descriptorToRequest(d, 0, options)).toEqual({
      department: 'cs',
      grade: '2023',
      resource: undefined,
      client_id: 's1',
      hits: 1,
    });
  });

  it('takes hits from the descriptor (0 = check only), else the request (0 means 1)', () => {
    const entries = [
      { key: 'department', value: 'cs' },
      { key: 'grade', value: '2023' },
    ];
    expect(descriptorToRequest({ entries }, 5, options)?.hits).toBe(5);
    expect(descriptorToRequest({ entries, hits_addend: { value: 3 } }, 5, options)?.hits).toBe(3);
    expect(descriptorToRequest({ entries, hits_addend: {} }, 5, options)?.hits).toBe(0);
  });

  it('leaves a descriptor without department or grade unmatched', () => {
    expect(
      descriptorToRequest({ entries: [{ key: 'department', value: 'cs' }] }, 0, options),
    ).toBeUndefined();
  });
});

describe('current_limit', () => {
  it('picks the largest unit not longer than the window', () => {
    expect(currentLimit(rule())).toEqual({
      name: 'cs/2023/any',
      requests_per_unit: 50,
      unit: 'SECOND',
    });
    expect(currentLimit(rule({ limit: { qps: 0.5, windowMs: 60_000 } }))).toMatchObject({
      requests_per_unit: 30,
      unit: 'MINUTE',
    });
    expect(currentLimit(rule({ limit: { qps: 1, windowMs: 7_200_000 } }))).toMatchObject({
      requests_per_unit: 3600,
      unit: 'HOUR',
    });
    expect(
      currentLimit(rule({ limit: { qps: 20, algorithm: 'token_bucket', burst: 40 } })),
    ).toMatchObject({ requests_per_unit: 20, unit: 'SECOND' });
  });

  it('advertises a limit below one per second exactly, in the first unit that holds it whole', () => {
    // 5 per 10 s: "1 per second" would be twice the real limit.
    expect(currentLimit(rule({ limit: { qps: 0.5, windowMs: 10_000 } }))).toMatchObject({
      requests_per_unit: 30,
      unit: 'MINUTE',
    });
    expect(
      currentLimit(rule({ limit: { qps: 0.25, algorithm: 'token_bucket', burst: 1 } })),
    ).toMatchObject({ requests_per_unit: 15, unit: 'MINUTE' });
    expect(currentLimit(rule({ limit: { qps: 0.001, windowMs: 86_400_000 } }))).toMatchObject({
      requests_per_unit: 86,
      unit: 'DAY',
    });
  });

  it('never advertises more than the real limit', () => {
    const perDay = { SECOND: 86_400, MINUTE: 1440, HOUR: 24, DAY: 1 };
    for (const [qps, windowMs] of [
      [0.7, 10_000],
      [1.5, 1000],
      [7 / 13, 13_000],
      [0.3, 3_340],
      [2.4, 2_500],
    ]) {
      const limit = currentLimit(rule({ limit: { qps, windowMs } }));
      const budget = Math.floor((qps * windowMs) / 1000);
      expect(limit.requests_per_unit).toBeGreaterThanOrEqual(1);
      expect(limit.requests_per_unit * perDay[limit.unit]).toBeLessThanOrEqual(
        (budget * 86_400_000) / windowMs + 1e-6,
      );
    }
  });
});

describe('toRateLimitResponse', () => {
  it('answers OK with the limit, remaining and reset', () => {
    const r = toRateLimitResponse([decision()], [rule()], 'ALLOW', {
      ...options,
      rateLimitHeaders: false,
    });
    expect(r.overall_code).toBe('OK');
    expect(r.statuses[0]).toEqual({
      code: 'OK',
      current_limit: { name: 'cs/2023/any', requests_per_unit: 50, unit: 'SECOND' },
      limit_remaining: 7,
      duration_until_reset: { seconds: 1, nanos: 500_000_000 },
    });
    expect(r.response_headers_to_add).toEqual([]);
  });

  it('is OVER_LIMIT overall if any descriptor is rejected, with a body and RateLimit headers', () => {
    const r = toRateLimitResponse(
      [
        decision(),
        decision({ verdict: 'REJECT', reason: 'RATE_LIMITED', remaining: 0, retryAfterMs: 2100 }),
      ],
      [rule(), rule()],
      'ALLOW',
      options,
    );
    expect(r.overall_code).toBe('OVER_LIMIT');
    expect(r.statuses.map((s) => s.code)).toEqual(['OK', 'OVER_LIMIT']);
    expect(r.raw_body.toString()).toBe(
      'rate limited by rule cs/2023/any (RATE_LIMITED); retry after 2100 ms\n',
    );
    expect(r.response_headers_to_add).toEqual([
      { key: 'RateLimit-Limit', value: '50' },
      { key: 'RateLimit-Remaining', value: '0' },
      { key: 'RateLimit-Reset', value: '2' },
      { key: 'Retry-After', value: '3' },
    ]);
  });

  it('turns DEGRADE into OK plus a request header for the upstream', () => {
    const r = toRateLimitResponse(
      [decision({ verdict: 'DEGRADE', reason: 'RATE_LIMITED' })],
      [rule()],
      'ALLOW',
      options,
    );
    expect(r.overall_code).toBe('OK');
    expect(r.request_headers_to_add).toEqual([{ key: 'x-rulecenter-degrade', value: '1' }]);
  });

  it('turns CIRCUIT_OPEN into OVER_LIMIT with a header and body naming the breaker', () => {
    const r = toRateLimitResponse(
      [decision({ verdict: 'REJECT', reason: 'CIRCUIT_OPEN', breakerState: 'OPEN' })],
      [rule()],
      'ALLOW',
      { ...options, rateLimitHeaders: false },
    );
    expect(r.overall_code).toBe('OVER_LIMIT');
    expect(r.response_headers_to_add).toEqual([{ key: 'x-rulecenter-circuit', value: 'open' }]);
    expect(r.raw_body.toString()).toBe('circuit breaker open for rule cs/2023/any\n');
  });

  it('answers an unmatched descriptor OK with no current_limit, or OVER_LIMIT under NO_RULE_VERDICT=REJECT', () => {
    expect(toRateLimitResponse([undefined], [undefined], 'ALLOW', options).statuses[0]).toEqual({
      code: 'OK',
      limit_remaining: 0,
    });
    expect(toRateLimitResponse([undefined], [undefined], 'REJECT', options).overall_code).toBe(
      'OVER_LIMIT',
    );
  });
});
