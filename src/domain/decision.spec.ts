import { parseDecideRequest } from './decide-request';
import {
  CountResult,
  DecideInput,
  decisionFromCount,
  noRuleDecision,
  planCount,
  storeUnavailableDecision,
} from './decision';
import { LocalLimiter } from './local-limiter';
import { Rule, RuleBodyInput, applyRuleDefaults } from './rule';

const rule = (
  body: Partial<RuleBodyInput> = {},
  id = { department: 'cs', grade: '2023', window: 'any' },
): Rule => ({
  ...id,
  ...applyRuleDefaults({ limit: { qps: 10 }, ...body }),
  revision: 3,
  createdAt: '',
  updatedAt: '',
  updatedBy: 't',
});
const input = (extra: Partial<DecideInput> = {}): DecideInput => ({
  department: 'cs',
  grade: '2023',
  resource: '',
  clientId: '',
  hits: 1,
  atMs: 0,
  ...extra,
});
const count = (extra: Partial<CountResult> = {}): CountResult => ({
  admitted: true,
  overLimit: false,
  remaining: 5,
  retryAfterMs: 0,
  resetAfterMs: 900,
  breaker: { blocked: false, state: 'DISABLED', openedToHalf: false },
  ...extra,
});

describe('planCount', () => {
  it('counts a scope rule under its key and a client rule per client', () => {
    expect(planCount(rule(), input({ clientId: 's1' })).scope).toBe('cs/2023/any');
    expect(
      planCount(rule({ limit: { qps: 10, per: 'client' } }), input({ clientId: 's1' })).scope,
    ).toBe('cs/2023/any|c:s1');
  });

  it('uses the window budget for sliding windows and burst for token buckets', () => {
    expect(planCount(rule({ limit: { qps: 10, windowMs: 2000 } }), input())).toMatchObject({
      limit: 20,
      windowMs: 2000,
    });
    expect(
      planCount(rule({ limit: { qps: 10, burst: 15, algorithm: 'token_bucket' } }), input()),
    ).toMatchObject({ limit: 15, refillPerMs: 0.01 });
  });

  it('gives an overdraft only to core resources of a degrade rule', () => {
    const degrade = rule({ onExceed: 'degrade', coreResources: ['enroll'] });
    expect(planCount(degrade, input({ resource: 'enroll' })).overdraft).toBe(10);
    expect(planCount(degrade, input({ resource: 'browse' })).overdraft).toBe(0);
    expect(
      planCount(rule({ coreResources: ['enroll'] }), input({ resource: 'enroll' })).overdraft,
    ).toBe(0);
  });
});

describe('decisionFromCount', () => {
  it('allows what was admitted', () => {
    expect(decisionFromCount(rule(), input(), count(), 9)).toMatchObject({
      verdict: 'ALLOW',
      reason: 'OK',
      rule: 'cs/2023/any',
      limit: 10,
      remaining: 5,
      rulesRevision: 9,
      breakerState: 'DISABLED',
    });
  });

  it('rejects what was not, with retry_after', () => {
    expect(
      decisionFromCount(rule(), input(), count({ admitted: false, retryAfterMs: 120 }), 9),
    ).toMatchObject({ verdict: 'REJECT', reason: 'RATE_LIMITED', retryAfterMs: 120 });
  });

  it('degrades non-core traffic, lets core traffic pass on the overdraft and rejects it beyond (docs/rules-and-matching.md)', () => {
    const degrade = rule({ onExceed: 'degrade', coreResources: ['enroll'] });
    expect(
      decisionFromCount(degrade, input({ resource: 'browse' }), count({ admitted: false }), 1),
    ).toMatchObject({ verdict: 'DEGRADE', reason: 'RATE_LIMITED' });
    expect(
      decisionFromCount(degrade, input({ resource: 'enroll' }), count({ overLimit: true }), 1),
    ).toMatchObject({ verdict: 'ALLOW', reason: 'RATE_LIMITED' });
    expect(
      decisionFromCount(degrade, input({ resource: 'enroll' }), count({ admitted: false }), 1),
    ).toMatchObject({
      verdict: 'REJECT',
      reason: 'RATE_LIMITED',
      detail: 'over the hard cap for core resources',
    });
  });

  it('always allows under shadow and says what would have happened', () => {
    const d = decisionFromCount(
      rule({ shadow: true }),
      input(),
      count({ admitted: false, retryAfterMs: 50 }),
      1,
    );
    expect(d).toMatchObject({
      verdict: 'ALLOW',
      reason: 'SHADOW',
      retryAfterMs: 0,
      detail: 'shadow rule: would REJECT (RATE_LIMITED)',
    });
  });

  it('reports the breaker state the counting script saw', () => {
    const c = count({ breaker: { blocked: false, state: 'HALF_OPEN', openedToHalf: true } });
    expect(
      decisionFromCount(rule({ breaker: { enabled: true } }), input(), c, 1).breakerState,
    ).toBe('HALF_OPEN');
  });

  it('answers CIRCUIT_OPEN when the breaker blocked the call: REJECT, or DEGRADE under degrade', () => {
    const blocked = count({
      admitted: false,
      retryAfterMs: 2500,
      breaker: { blocked: true, state: 'OPEN', openedToHalf: false },
    });
    expect(
      decisionFromCount(rule({ breaker: { enabled: true } }), input(), blocked, 1),
    ).toMatchObject({
      verdict: 'REJECT',
      reason: 'CIRCUIT_OPEN',
      retryAfterMs: 2500,
      breakerState: 'OPEN',
    });
    expect(
      decisionFromCount(
        rule({ onExceed: 'degrade', breaker: { enabled: true } }),
        input(),
        blocked,
        1,
      ).verdict,
    ).toBe('DEGRADE');
    expect(
      decisionFromCount(rule({ shadow: true, breaker: { enabled: true } }), input(), blocked, 1),
    ).toMatchObject({ verdict: 'ALLOW', reason: 'SHADOW' });
  });

  it('plans the breaker gate from the rule and any admin override', () => {
    expect(planCount(rule(), input()).breaker.mode).toBe('disabled');
    expect(planCount(rule({ breaker: { enabled: true } }), input()).breaker.mode).toBe('auto');
    expect(planCount(rule({ breaker: { enabled: true } }), input(), 'closed').breaker.mode).toBe(
      'forced-closed',
    );
    expect(
      planCount(rule({ limit: { qps: 5, per: 'client' } }), input({ clientId: 's9' })),
    ).toMatchObject({ rule: 'cs/2023/any', client: 's9' });
  });
});

describe('no rule and store failures', () => {
  it('answers NO_RULE with the configured verdict', () => {
    expect(noRuleDecision('ALLOW', 4)).toMatchObject({
      verdict: 'ALLOW',
      reason: 'NO_RULE',
      rule: '',
      rulesRevision: 4,
    });
    expect(noRuleDecision('REJECT', 4).verdict).toBe('REJECT');
  });

  it('follows failMode when Redis is unavailable', () => {
    expect(storeUnavailableDecision(rule({ failMode: 'closed' }), undefined, 1)).toMatchObject({
      verdict: 'REJECT',
      reason: 'STORE_UNAVAILABLE',
    });
    expect(storeUnavailableDecision(rule({ failMode: 'open' }), true, 1)).toMatchObject({
      verdict: 'ALLOW',
      reason: 'STORE_UNAVAILABLE',
    });
    expect(storeUnavailableDecision(rule({ failMode: 'open' }), false, 1)).toMatchObject({
      verdict: 'REJECT',
      reason: 'STORE_UNAVAILABLE',
    });
    expect(
      storeUnavailableDecision(rule({ failMode: 'closed', shadow: true }), undefined, 1).verdict,
    ).toBe('ALLOW');
  });
});

describe('parseDecideRequest', () => {
  const limits = { maxHits: 100, maxAtSkewMs: 86_400_000 };
  const now = Date.UTC(2026, 10, 20);

  it('fills defaults', () => {
    expect(parseDecideRequest({ department: 'cs', grade: '2023' }, limits, now)).toEqual({
      department: 'cs',
      grade: '2023',
      resource: '',
      clientId: '',
      hits: 1,
      atMs: now,
    });
  });

  it('reads at as a protobuf Timestamp', () => {
    const parsed = parseDecideRequest(
      { department: 'cs', grade: '2023', at: { seconds: String(now / 1000 + 60), nanos: 5e8 } },
      limits,
      now,
    );
    expect(!Array.isArray(parsed) && parsed.atMs).toBe(now + 60_500);
  });

  it.each([
    [{ grade: '1' }, 'department is required'],
    [
      { department: 'cs', grade: '1', resource: 'a b' },
      'resource must be 1–128 printable characters without spaces',
    ],
    [
      { department: 'cs', grade: '1', hits: 1.5 },
      'hits must be between 1 and 100 (unset means 1); got 1.5',
    ],
    [
      { department: 'cs', grade: '1', client_id: 'x'.repeat(257) },
      'client_id must be at most 256 bytes',
    ],
    [
      { department: 'cs', grade: '1', at: { seconds: now / 1000 - 2 * 86_400 } },
      'at must be within 1 days of now',
    ],
  ])('refuses %j', (raw, message) => {
    expect(parseDecideRequest(raw, limits, now)).toContain(message);
  });

  it('prefixes problems with the batch path', () => {
    expect(parseDecideRequest({}, limits, now, 'requests[2].')).toEqual([
      'requests[2].department is required',
      'requests[2].grade is required',
    ]);
  });
});

describe('LocalLimiter (fake clock)', () => {
  it('admits the capacity, then refills at the rate', () => {
    let t = 0;
    const limiter = new LocalLimiter(() => t);
    const take = () => limiter.tryTake('s', 10, 2, 1);
    expect([take(), take(), take()]).toEqual([true, true, false]);
    t = 100;
    expect([take(), take()]).toEqual([true, false]);
  });

  it('stays bounded in the number of scopes it tracks', () => {
    const limiter = new LocalLimiter(() => 0, 3);
    for (const s of ['a', 'b', 'c', 'd']) limiter.tryTake(s, 1, 1, 1);
    expect(limiter.size).toBeLessThanOrEqual(3);
  });
});
