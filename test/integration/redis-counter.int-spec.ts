import Redis from 'ioredis';
import { CountPlan } from '../../src/domain/decision';
import { RedisCounterStore } from '../../src/adapters/redis/redis-counter.store';
import { RedisServer } from '../support/redis-server';
import { sleep, waitFor } from '../support/ports';

const NO_BREAKER = { mode: 'disabled' as const, openMs: 0, halfOpenMaxCalls: 0 };
const sw = (
  scope: string,
  limit: number,
  windowMs: number,
  extra: Partial<CountPlan> = {},
): CountPlan => ({
  rule: scope.split('|c:')[0],
  client: scope.split('|c:')[1] ?? '',
  breaker: NO_BREAKER,
  scope,
  algorithm: 'sliding_window',
  hits: 1,
  limit,
  windowMs,
  refillPerMs: 0,
  overdraft: 0,
  ...extra,
});
const tb = (
  scope: string,
  capacity: number,
  qps: number,
  extra: Partial<CountPlan> = {},
): CountPlan => ({
  rule: scope,
  client: '',
  breaker: NO_BREAKER,
  scope,
  algorithm: 'token_bucket',
  hits: 1,
  limit: capacity,
  windowMs: 1000,
  refillPerMs: qps / 1000,
  overdraft: 0,
  ...extra,
});

describe('Redis counter scripts against a real Redis', () => {
  let redis: RedisServer;
  let store: RedisCounterStore;
  let raw: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start();
    store = new RedisCounterStore({
      url: redis.url,
      clusterNodes: [],
      timeoutMs: 200,
      keyPrefix: 'rc:',
    });
    raw = new Redis(redis.url);
    await waitFor('client connected', () =>
      store.ping().then(
        () => true,
        () => false,
      ),
    );
  });
  afterAll(async () => {
    raw.disconnect();
    await store.close();
    await redis.stop();
  });

  describe('sliding window', () => {
    it('admits exactly the budget, counts remaining down, and rejected calls consume nothing', async () => {
      const results = [];
      for (let i = 0; i < 8; i++) results.push(await store.consume(sw('a/1/any', 5, 1000)));
      expect(results.map((r) => r.admitted)).toEqual([
        true,
        true,
        true,
        true,
        true,
        false,
        false,
        false,
      ]);
      expect(results.slice(0, 5).map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0]);
      expect(await raw.hget('rc:{a/1/any}:swm', 'n')).toBe('5');
      expect(await raw.zcard('rc:{a/1/any}:sw')).toBe(5);
      expect(results[7].retryAfterMs).toBeGreaterThan(0);
      expect(results[7].retryAfterMs).toBeLessThanOrEqual(1000);
    });

    it('gives an honest retry_after: a call after sleeping it passes', async () => {
      let last = await store.consume(sw('b/1/any', 3, 300));
      while (last.admitted) last = await store.consume(sw('b/1/any', 3, 300));
      await sleep(last.retryAfterMs + 1);
      expect((await store.consume(sw('b/1/any', 3, 300))).admitted).toBe(true);
    });

    it('never admits more than the budget in ANY interval of the window, under concurrency', async () => {
      const limit = 5;
      const windowMs = 100;
      const scores = new Map<string, number>();
      const deadline = Date.now() + 1200;
      const worker = async () => {
        while (Date.now() < deadline) {
          const r = await store.consume(sw('c/1/any', limit, windowMs));
          if (r.admitted) {
            const entries = await raw.zrange('rc:{c/1/any}:sw', '0', '-1', 'WITHSCORES');
            for (let i = 0; i < entries.length; i += 2)
              scores.set(entries[i], Number(entries[i + 1]));
          }
          await sleep(Math.random() * 4);
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      const times = [...scores.values()].sort((x, y) => x - y);
      expect(times.length).toBeGreaterThan(30);
      let worst = 0;
      for (let i = 0; i < times.length; i++) {
        let j = i;
        while (j < times.length && times[j] < times[i] + windowMs) j++;
        worst = Math.max(worst, j - i);
      }
      expect(worst).toBeLessThanOrEqual(limit);
      expect(worst).toBe(limit); // and the budget is actually reachable
    });

    it('takes hits > 1 at once and refuses more hits than the budget', async () => {
      expect(await store.consume(sw('d/1/any', 10, 1000, { hits: 7 }))).toMatchObject({
        admitted: true,
        remaining: 3,
      });
      expect(await store.consume(sw('d/1/any', 10, 1000, { hits: 4 }))).toMatchObject({
        admitted: false,
        remaining: 3,
      });
      expect(await store.consume(sw('d/1/any', 10, 1000, { hits: 3 }))).toMatchObject({
        admitted: true,
        remaining: 0,
      });
      expect(await store.consume(sw('e/1/any', 10, 1000, { hits: 11 }))).toMatchObject({
        admitted: false,
        retryAfterMs: 1000,
      });
    });

    it('keeps the counts when the rule numbers change (keyed by scope, not by revision)', async () => {
      for (let i = 0; i < 3; i++) await store.consume(sw('g/1/any', 3, 1000));
      expect((await store.consume(sw('g/1/any', 3, 1000))).admitted).toBe(false);
      expect(await store.consume(sw('g/1/any', 5, 1000))).toMatchObject({
        admitted: true,
        remaining: 1,
      });
    });

    it('answers a rejection in bounded time however large the budget (degrade surge, issue 11)', async () => {
      // A budget of 10,000 filled twice over by core traffic: 20,000 entries in the log.
      const scope = 'surge/1/any';
      for (let chunk = 0; chunk < 20; chunk++) {
        const calls = Array.from({ length: 1000 }, () =>
          store.consume(sw(scope, 10_000, 40_000, { overdraft: 10_000 })),
        );
        expect((await Promise.all(calls)).every((r) => r.admitted)).toBe(true);
      }
      const zrangeCalls = async () =>
        Number(/cmdstat_zrange:calls=(\d+)/.exec(await raw.info('commandstats'))?.[1] ?? 0);
      const before = await zrangeCalls();
      const rejected = [];
      for (let i = 0; i < 20; i++) rejected.push(await store.consume(sw(scope, 10_000, 40_000)));
      expect(rejected.every((r) => !r.admitted)).toBe(true);
      // Every entry took one hit: the wait is until the entry at rank 10,000 leaves the window.
      for (const r of rejected) {
        expect(r.retryAfterMs).toBeGreaterThan(30_000);
        expect(r.retryAfterMs).toBeLessThanOrEqual(40_000);
      }
      // Counted, not timed: before the fix each such call walked 10,000 entries in 157 ZRANGEs
      // (~10 ms of Redis time); now one ZRANGE of one entry.
      expect((await zrangeCalls()) - before).toBeLessThanOrEqual(20);
    });

    it('forgets a whole quiet window at once and counts afresh', async () => {
      for (let i = 0; i < 5; i++) await store.consume(sw('quiet/1/any', 5, 100));
      expect((await store.consume(sw('quiet/1/any', 5, 100))).admitted).toBe(false);
      await sleep(120);
      expect(await store.consume(sw('quiet/1/any', 5, 100))).toMatchObject({
        admitted: true,
        remaining: 4,
      });
      expect(await raw.zcard('rc:{quiet/1/any}:sw')).toBe(1);
    });

    it('keeps every key of a decision in one hash slot and lets keys expire', async () => {
      await store.consume(sw('h/1/any|c:student-42', 5, 500));
      const keys = (await raw.keys('rc:*h/1/any*')).sort();
      expect(keys).toEqual(['rc:{h/1/any}:c:student-42:sw', 'rc:{h/1/any}:c:student-42:swm']);
      for (const key of keys) {
        const ttl = await raw.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(1500);
      }
    });
  });

  describe('token bucket', () => {
    it('admits the burst, then refills at qps', async () => {
      const first = [];
      // 10 qps: a token every 100 ms, so eleven quick calls find the bucket empty even on a busy machine.
      for (let i = 0; i < 11; i++) first.push(await store.consume(tb('t/1/any', 10, 10)));
      expect(first.filter((r) => r.admitted).length).toBe(10);
      const rejected = first.find((r) => !r.admitted);
      expect(rejected?.retryAfterMs).toBeGreaterThan(0);
      expect(rejected?.retryAfterMs).toBeLessThanOrEqual(100);
      await sleep(550);
      let refilled = 0;
      while ((await store.consume(tb('t/1/any', 10, 10))).admitted) refilled++;
      expect(refilled).toBeGreaterThanOrEqual(4);
      expect(refilled).toBeLessThanOrEqual(8);
    });

    it('never moves its time back when the Redis clock steps back, and a rejection writes nothing', async () => {
      const key = 'rc:{clock/1/any}:tat';
      // As if the bucket had been drained on a clock a minute ahead: full again a minute from now.
      const ahead = Date.now() + 60_000;
      await raw.set(key, String(ahead));
      expect((await store.consume(tb('clock/1/any', 10, 100))).admitted).toBe(false);
      // Had it moved the time back to now, the minute in between would be refilled once more.
      expect(Number(await raw.get(key))).toBe(ahead);
    });

    it('lets a core resource overdraw the bucket by one burst, no further', async () => {
      for (let i = 0; i < 3; i++) await store.consume(tb('u/1/any', 3, 0.001));
      const core = [];
      for (let i = 0; i < 4; i++)
        core.push(await store.consume(tb('u/1/any', 3, 0.001, { overdraft: 3 })));
      expect(core.map((r) => r.admitted)).toEqual([true, true, true, false]);
      expect(core[0].overLimit).toBe(true);
    });
  });

  describe('when Redis goes away', () => {
    it('fails within the timeout with STORE_UNAVAILABLE and resumes by itself', async () => {
      await redis.stop();
      const started = Date.now();
      await expect(store.consume(sw('z/1/any', 5, 1000))).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
      expect(Date.now() - started).toBeLessThan(1000);
      await redis.resume();
      await waitFor(
        'counting to resume',
        async () =>
          (await store.consume(sw('z/1/any', 5, 1000)).catch(() => undefined))?.admitted === true,
        10_000,
        50,
      );
    });
  });

  describe('sliding window counter (approximate, O(1) memory)', () => {
    const swc = (scope: string, limit: number, windowMs: number, extra: Partial<CountPlan> = {}) =>
      sw(scope, limit, windowMs, { algorithm: 'sliding_window_counter', ...extra });

    it('admits the budget in a bucket and rejected calls consume nothing', async () => {
      const results = [];
      for (let i = 0; i < 12; i++) results.push(await store.consume(swc('c1/1/any', 10, 60_000)));
      expect(results.filter((r) => r.admitted)).toHaveLength(10);
      expect(results[9]).toMatchObject({ admitted: true, remaining: 0 });
      expect(results[10].retryAfterMs).toBeGreaterThan(0);
      expect((await raw.get('rc:{c1/1/any}:swc'))?.split(':')[1]).toBe('10');
    });

    it('counts the previous bucket in proportion to how much of it the window still covers', async () => {
      const windowMs = 60_000;
      const [seconds, micros] = await raw.time();
      const nowMs = Number(seconds) * 1000 + Number(micros) / 1000;
      const k = Math.floor(nowMs / windowMs);
      // Ten hits in the previous bucket, none yet in this one.
      await raw.set('rc:{c2/1/any}:swc', `${k - 1}:10:0`);
      const weight = 1 - (nowMs - k * windowMs) / windowMs;
      const r = await store.consume(swc('c2/1/any', 10, windowMs));
      const expected = Math.floor(10 - (10 * weight + 1));
      expect(r.admitted).toBe(10 * weight + 1 <= 10);
      if (r.admitted) expect(Math.abs(r.remaining - expected)).toBeLessThanOrEqual(1);
      expect((await raw.get('rc:{c2/1/any}:swc'))?.split(':')[2]).toBe('10');
    });

    it('forgets buckets older than the previous one, and refuses more hits than the budget', async () => {
      await raw.set('rc:{c3/1/any}:swc', '1:99:99');
      expect(await store.consume(swc('c3/1/any', 5, 1000))).toMatchObject({
        admitted: true,
        remaining: 4,
      });
      expect(await store.consume(swc('c3/1/any', 5, 1000, { hits: 6 }))).toMatchObject({
        admitted: false,
        retryAfterMs: 1000,
      });
    });
  });

  describe('fixed window (the cheapest; up to 2 × at a boundary)', () => {
    const fw = (scope: string, limit: number, windowMs: number, extra: Partial<CountPlan> = {}) =>
      sw(scope, limit, windowMs, { algorithm: 'fixed_window', ...extra });

    it('admits the budget per window aligned to the Redis clock, and starts afresh in the next', async () => {
      const windowMs = 300;
      // Start right after a window boundary, so the whole test sits in two windows.
      const [seconds, micros] = await raw.time();
      const nowMs = Number(seconds) * 1000 + Number(micros) / 1000;
      await sleep(windowMs - (nowMs % windowMs) + 5);
      const first = [];
      for (let i = 0; i < 6; i++) first.push(await store.consume(fw('f1/1/any', 5, windowMs)));
      expect(first.map((r) => r.admitted)).toEqual([true, true, true, true, true, false]);
      expect(first[5].retryAfterMs).toBeGreaterThan(0);
      expect(first[5].retryAfterMs).toBeLessThanOrEqual(windowMs);
      await sleep(first[5].retryAfterMs + 5);
      expect(await store.consume(fw('f1/1/any', 5, windowMs))).toMatchObject({
        admitted: true,
        remaining: 4,
      });
      const ttl = await raw.pttl('rc:{f1/1/any}:fw');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(windowMs + 1000);
    });
  });

  describe('every windowed algorithm', () => {
    it.each(['sliding_window', 'sliding_window_counter', 'fixed_window'] as const)(
      '%s lets an overdraft (core resource under degrade) pass up to twice the budget',
      async (algorithm) => {
        const plan = (overdraft: number) =>
          sw(`od-${algorithm}/1/any`, 4, 60_000, { algorithm, overdraft });
        for (let i = 0; i < 4; i++) await store.consume(plan(0));
        const core = [];
        for (let i = 0; i < 5; i++) core.push(await store.consume(plan(4)));
        expect(core.map((r) => [r.admitted, r.overLimit])).toEqual([
          [true, true],
          [true, true],
          [true, true],
          [true, true],
          [false, false],
        ]);
        expect((await store.consume(plan(0))).admitted).toBe(false);
      },
    );
  });

  describe('every counting script through its one wrapper', () => {
    const algorithms = [
      'sliding_window',
      'sliding_window_counter',
      'fixed_window',
      'token_bucket',
    ] as const;

    it.each(algorithms)(
      '%s: counts, keeps its keys in the rule slot, answers a check-only call without counting, and obeys the breaker gate',
      async (algorithm) => {
        const rule = `all-${algorithm}/1/any`;
        const plan = (extra: Partial<CountPlan> = {}) =>
          sw(rule, 3, 60_000, { algorithm, refillPerMs: 0.001, ...extra });
        expect(await store.consume(plan())).toMatchObject({ admitted: true, remaining: 2 });
        expect(await store.consume(plan({ hits: 0 }))).toMatchObject({
          admitted: true,
          remaining: 2,
        });
        const keys = await raw.keys(`rc:{${rule}}*`);
        expect(keys.length).toBeGreaterThan(0);
        await raw.hset(`rc:{${rule}}:br`, 'state', 'open', 'opened_at', String(Date.now() * 10));
        const gated = await store.consume(
          plan({ breaker: { mode: 'auto', openMs: 1000, halfOpenMaxCalls: 1 } }),
        );
        expect(gated.breaker).toMatchObject({ blocked: true, state: 'OPEN' });
      },
    );

    /** Script calls Redis has run since the last CONFIG RESETSTAT (EVALSHA, or EVAL on NOSCRIPT). */
    const scriptCalls = async (): Promise<number> => {
      const stats = await raw.info('commandstats');
      return [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    };

    it.each(algorithms)(
      '%s: the decisions of one rule asked in one turn share one script call, counted in the order asked',
      async (algorithm) => {
        const plan = (rule: string) =>
          sw(`${rule}-${algorithm}/1/any`, 4, 60_000, { algorithm, refillPerMs: 0.0001 });
        await raw.config('RESETSTAT');
        const [first, second] = await Promise.all([
          Promise.all(Array.from({ length: 6 }, () => store.consume(plan('turn-a')))),
          Promise.all(Array.from({ length: 2 }, () => store.consume(plan('turn-b')))),
        ]);
        expect(first.map((r) => [r.admitted, r.remaining])).toEqual([
          [true, 3],
          [true, 2],
          [true, 1],
          [true, 0],
          [false, 0],
          [false, 0],
        ]);
        expect(second.map((r) => r.admitted)).toEqual([true, true]);
        // One call per rule: the 8 decisions took 2 script calls, not 8.
        expect(await scriptCalls()).toBe(2);
        expect(new Set(first.map((r) => r.atUs)).size).toBe(1);
        // What the call wrote once at its end: every counter key with its TTL, and the sliding
        // log's running total and members as four separate calls would have left them.
        const keys = await raw.keys(`rc:{turn-a-${algorithm}/1/any}*`);
        expect(keys.length).toBeGreaterThan(0);
        for (const key of keys) expect([key, (await raw.pttl(key)) > 0]).toEqual([key, true]);
        if (algorithm === 'sliding_window') {
          expect(await raw.hmget(`rc:{turn-a-${algorithm}/1/any}:swm`, 'n', 'seq')).toEqual([
            '4',
            '4',
          ]);
          expect(await raw.zcard(`rc:{turn-a-${algorithm}/1/any}:sw`)).toBe(4);
        }
        // The next call reads what this one wrote.
        expect(await store.consume(plan('turn-a'))).toMatchObject({ admitted: false });
      },
    );

    it('answers a decision whose keys are broken with an error, and still counts and writes the others of its call', async () => {
      const rule = 'broken-peer/1/any';
      const plan = (client: string) => sw(`${rule}|c:${client}`, 3, 60_000);
      // Someone wrote a string where client b's meta hash belongs: HMGET fails with WRONGTYPE.
      await raw.set(`rc:{${rule}}:c:b:swm`, 'not a hash');
      await raw.config('RESETSTAT');
      const answers = await Promise.allSettled([
        store.consume(plan('a')),
        store.consume(plan('b')),
        store.consume(plan('a')),
        store.consume(plan('a')),
      ]);
      expect(await scriptCalls()).toBe(1);
      expect(answers.map((a) => a.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect(answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value.remaining] : []))).toEqual(
        [2, 1, 0],
      );
      expect(String((answers[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
      expect(await raw.hget(`rc:{${rule}}:c:a:swm`, 'n')).toBe('3');
      expect(await raw.zcard(`rc:{${rule}}:c:a:sw`)).toBe(3);
      expect(await raw.pttl(`rc:{${rule}}:c:a:sw`)).toBeGreaterThan(0);
    });

    it('splits a turn longer than one call can take into several calls, counting every decision', async () => {
      const plan = sw('long-turn/1/any', 50, 60_000, { algorithm: 'fixed_window' });
      await raw.config('RESETSTAT');
      const answers = await Promise.all(Array.from({ length: 70 }, () => store.consume(plan)));
      expect(answers.filter((r) => r.admitted)).toHaveLength(50);
      expect(answers.slice(0, 50).every((r) => r.admitted)).toBe(true);
      expect(await scriptCalls()).toBe(3);
    });
  });
});
