import { LocalFallback } from './fallback';

const scope = { department: 'cs', grade: '2023' };
const answer = (extra: Record<string, unknown> = {}) => ({
  verdict: 'ALLOW',
  reason: 'OK',
  rule: 'cs/2023/any',
  limit: 10,
  window_ms: 1000,
  instances: 2,
  fail_mode: 'FAIL_OPEN',
  ...extra,
});

describe('LocalFallback', () => {
  it('admits the last known share (limit / instances), refilled over the window', () => {
    let now = 0;
    const fallback = new LocalFallback('ALLOW', () => now);
    fallback.learn(scope, answer());
    const verdicts = Array.from({ length: 7 }, () => fallback.decide(scope).verdict);
    expect(verdicts).toEqual(['ALLOW', 'ALLOW', 'ALLOW', 'ALLOW', 'ALLOW', 'REJECT', 'REJECT']);
    const rejected = fallback.decide(scope);
    expect(rejected).toMatchObject({
      source: 'fallback',
      reason: 'UNREACHABLE',
      rule: 'cs/2023/any',
      retryAfterMs: 200,
    });
    now += 200; // a fifth of the window: one of the five back
    expect(fallback.decide(scope).verdict).toBe('ALLOW');
    expect(fallback.decide(scope).verdict).toBe('REJECT');
  });

  it("follows the rule's failMode closed, and counts per client when the rule does", () => {
    const fallback = new LocalFallback('ALLOW', () => 0);
    fallback.learn(scope, answer({ fail_mode: 'FAIL_CLOSED' }));
    expect(fallback.decide(scope).verdict).toBe('REJECT');
    const other = { department: 'ee', grade: '2023' };
    fallback.learn(
      other,
      answer({ rule: 'ee/2023/any', limit: 2, instances: 1, per_client: true }),
    );
    const take = (clientId: string) => fallback.decide({ ...other, clientId }).verdict;
    expect([take('a'), take('a'), take('a'), take('b')]).toEqual([
      'ALLOW',
      'ALLOW',
      'REJECT',
      'ALLOW',
    ]);
  });

  it('answers an unknown scope by the option, and a scope with no rule with ALLOW', () => {
    const fallback = new LocalFallback('REJECT', () => 0);
    expect(fallback.decide(scope).verdict).toBe('REJECT');
    fallback.learn(scope, { verdict: 'ALLOW', reason: 'NO_RULE' });
    expect(fallback.decide(scope)).toMatchObject({ verdict: 'ALLOW', rule: '' });
  });

  it('starts from a full share again after the center has answered', () => {
    const fallback = new LocalFallback('ALLOW', () => 0);
    fallback.learn(scope, answer({ limit: 1, instances: 1 }));
    expect(fallback.decide(scope).verdict).toBe('ALLOW');
    expect(fallback.decide(scope).verdict).toBe('REJECT');
    fallback.learn(scope, answer({ limit: 1, instances: 1 }));
    expect(fallback.decide(scope).verdict).toBe('ALLOW');
  });
});
