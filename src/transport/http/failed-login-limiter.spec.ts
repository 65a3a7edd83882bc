import { FailedLoginLimiter } from './failed-login-limiter';

describe('FailedLoginLimiter', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('allows perMinute failures, then refuses until one refills', () => {
    const limiter = new FailedLoginLimiter(clock, { perMinute: 3, maxTracked: 10 });
    expect([1, 2, 3].map(() => limiter.fail('a'))).toEqual([0, 0, 0]);
    expect(limiter.blocked('a')).toBe(true);
    expect(limiter.fail('a')).toBe(20_000);
    now += 19_999;
    expect(limiter.fail('a')).toBe(1);
    now += 1;
    expect(limiter.fail('a')).toBe(0);
    expect(limiter.fail('a')).toBe(20_000);
    expect(limiter.blocked('b')).toBe(false);
  });

  it('forgets the least recently failed group when full, never all of them', () => {
    const limiter = new FailedLoginLimiter(clock, { perMinute: 2, maxTracked: 3 });
    limiter.fail('old');
    limiter.fail('old');
    limiter.fail('locked');
    limiter.fail('locked');
    limiter.fail('x');
    expect(limiter.size).toBe(3);
    limiter.fail('y');
    expect(limiter.size).toBe(3);
    expect(limiter.blocked('old')).toBe(false);
    expect(limiter.blocked('locked')).toBe(true);
    for (let i = 0; i < 1000; i++) limiter.fail(`spray-${i}`);
    expect(limiter.size).toBe(3);
  });

  it('a new failure moves a group to the back of the eviction queue', () => {
    const limiter = new FailedLoginLimiter(clock, { perMinute: 5, maxTracked: 2 });
    limiter.fail('a');
    limiter.fail('b');
    limiter.fail('a');
    limiter.fail('c');
    expect(limiter.blocked('a')).toBe(false);
    for (let i = 0; i < 3; i++) limiter.fail('a');
    expect(limiter.blocked('a')).toBe(true);
    limiter.fail('d');
    expect(limiter.blocked('a')).toBe(true);
  });
});
