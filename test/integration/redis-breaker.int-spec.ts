import Redis from 'ioredis';
import { CountPlan } from '../../src/domain/decision';
import { acceptanceBreaker } from '../support/fixtures';
import { RedisCounterStore } from '../../src/adapters/redis/redis-counter.store';
import { RedisServer } from '../support/redis-server';
import { sleep, waitFor } from '../support/ports';

const settings = acceptanceBreaker(300, 3);
const plan = (rule: string, mode: CountPlan['breaker']['mode'] = 'auto'): CountPlan => ({
  rule,
  client: '',
  scope: rule,
  algorithm: 'sliding_window',
  hits: 1,
  limit: 1_000_000,
  windowMs: 1000,
  refillPerMs: 0,
  overdraft: 0,
  breaker: { mode, openMs: settings.openMs, halfOpenMaxCalls: settings.halfOpenMaxCalls },
});

describe('breaker scripts against a real Redis', () => {
  let redis: RedisServer;
  let a: RedisCounterStore;
  let b: RedisCounterStore;

  beforeAll(async () => {
    redis = await RedisServer.start();
    // Two clients stand for two Rule Center instances sharing one Redis.
    a = new RedisCounterStore({
      url: redis.url,
      clusterNodes: [],
      timeoutMs: 500,
      keyPrefix: 'rc:',
    });
    b = new RedisCounterStore({
      url: redis.url,
      clusterNodes: [],
      timeoutMs: 500,
      keyPrefix: 'rc:',
    });
    await waitFor('clients connected', () =>
      Promise.all([a.ping(), b.ping()]).then(
        () => true,
        () => false,
      ),
    );
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  it('opens on the error rate once minRequests is reached, and blocks decisions on every client', async () => {
    expect(
      await a.report('r1/1/any', settings, { total: 19, failures: 19, slow: 0 }),
    ).toMatchObject({ from: 'CLOSED', to: 'CLOSED', total: 19 });
    expect((await b.consume(plan('r1/1/any'))).breaker).toEqual({
      blocked: false,
      state: 'CLOSED',
      openedToHalf: false,
    });
    expect(
      await a.report('r1/1/any', settings, { total: 11, failures: 11, slow: 0 }),
    ).toMatchObject({ from: 'CLOSED', to: 'OPEN', total: 30, errorRate: 1 });
    const blocked = await b.consume(plan('r1/1/any'));
    expect(blocked).toMatchObject({ admitted: false, breaker: { blocked: true, state: 'OPEN' } });
    expect(blocked.retryAfterMs).toBeGreaterThan(200);
    expect(blocked.retryAfterMs).toBeLessThanOrEqual(300);
  });

  it('lets exactly halfOpenMaxCalls probes through across clients after openMs, then closes on successes', async () => {
    await sleep(310);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).consume(plan('r1/1/any'))),
    );
    expect(answers.filter((r) => !r.breaker.blocked)).toHaveLength(3);
    expect(answers.filter((r) => r.breaker.openedToHalf)).toHaveLength(1);
    expect(answers.every((r) => r.breaker.state === 'HALF_OPEN')).toBe(true);
    expect(await a.report('r1/1/any', settings, { total: 2, failures: 0, slow: 0 })).toMatchObject({
      from: 'HALF_OPEN',
      to: 'HALF_OPEN',
    });
    expect(await b.report('r1/1/any', settings, { total: 1, failures: 0, slow: 0 })).toMatchObject({
      from: 'HALF_OPEN',
      to: 'CLOSED',
    });
    expect((await a.consume(plan('r1/1/any'))).breaker).toMatchObject({
      blocked: false,
      state: 'CLOSED',
    });
  });

  it('opens again for another openMs when a probe fails', async () => {
    await a.report('r2/1/any', settings, { total: 20, failures: 20, slow: 0 });
    await sleep(310);
    expect((await a.consume(plan('r2/1/any'))).breaker.state).toBe('HALF_OPEN');
    expect(await b.report('r2/1/any', settings, { total: 1, failures: 1, slow: 0 })).toMatchObject({
      from: 'HALF_OPEN',
      to: 'OPEN',
    });
    expect((await a.consume(plan('r2/1/any'))).breaker.blocked).toBe(true);
  });

  it('opens on the slow-call rate (P99 above slowCallMs) and not below it', async () => {
    const s = { ...settings, minRequests: 100 };
    expect(await a.report('r3/1/any', s, { total: 200, failures: 0, slow: 1 })).toMatchObject({
      to: 'CLOSED',
      slowRate: 0.005,
    });
    expect(await a.report('r3/1/any', s, { total: 100, failures: 0, slow: 3 })).toMatchObject({
      to: 'OPEN',
    }); // 4 of 300
  });

  it('ignores the automatic state when forced closed, and keeps a disabled breaker out of the way', async () => {
    await a.report('r4/1/any', settings, { total: 20, failures: 20, slow: 0 });
    expect((await a.consume(plan('r4/1/any'))).breaker.blocked).toBe(true);
    expect((await a.consume(plan('r4/1/any', 'forced-closed'))).breaker).toMatchObject({
      blocked: false,
      state: 'CLOSED',
    });
    expect((await a.consume(plan('r4/1/any', 'disabled'))).breaker).toMatchObject({
      blocked: false,
      state: 'DISABLED',
    });
  });

  it('gives back the probe slot when the probe is rate limited', async () => {
    await a.report('r5/1/any', settings, { total: 20, failures: 20, slow: 0 });
    await sleep(310);
    const limited = { ...plan('r5/1/any'), limit: 1 };
    expect((await a.consume(limited)).admitted).toBe(true); // probe 1, admitted
    expect((await a.consume(limited)).admitted).toBe(false); // probe 2, rate limited: slot returned
    const more = await Promise.all(Array.from({ length: 5 }, () => b.consume(plan('r5/1/any'))));
    expect(more.filter((r) => !r.breaker.blocked)).toHaveLength(2);
  });

  it('forgets outcomes older than the stat window (it slides in tenths of statWindowMs)', async () => {
    const short = { ...settings, statWindowMs: 200 }; // 20 ms buckets
    await a.report('old/1/any', short, { total: 19, failures: 19, slow: 0 });
    await sleep(260);
    // 19 + 11 failures would open it; the first 19 have left the window.
    expect(await a.report('old/1/any', short, { total: 11, failures: 11, slow: 0 })).toMatchObject({
      to: 'CLOSED',
      total: 11,
    });
    expect(await a.report('old/1/any', short, { total: 9, failures: 9, slow: 0 })).toMatchObject({
      to: 'OPEN',
      total: 20,
    });
  });

  it('keeps the outcome stats bounded when reports skip buckets', async () => {
    const sparse = { ...settings, statWindowMs: 100, minRequests: 1_000_000 }; // 10 ms buckets
    for (let i = 0; i < 200; i++) {
      await a.report('sparse/1/any', sparse, { total: 1, failures: 0, slow: 0 });
      await sleep(3 + ((i * 7) % 23)); // gaps of 0 to 3 buckets
    }
    const raw = new Redis(redis.url);
    const fields = await raw.hlen('rc:{sparse/1/any}:bs');
    raw.disconnect();
    expect(fields).toBeGreaterThan(0);
    expect(fields).toBeLessThanOrEqual(33);
  }, 20_000);
});
