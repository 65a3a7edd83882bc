import { status } from '@grpc/grpc-js';
import Redis from 'ioredis';
import { Instance, bearer, startInstance } from '../support/app-instance';
import { TestDecideStream } from '../support/decide-stream-client';
import { sleep, waitFor } from '../support/ports';
import { useStack } from '../support/stack';

const DECIDE_TOKEN = 'gw-decide-6f1d0c9a2b7e4d3f8a5c1e9b0d7f2a4c6e8b3d1f';
const REPORT_TOKEN = 'gw-report-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b';

const metric = async (instance: Instance, name: string): Promise<number> => {
  const text = (await instance.http().get('/metrics')).text;
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
};

describe('DecideStream (e2e, real etcd and Redis)', () => {
  const stack = useStack();
  let a: Instance;
  let redis: Redis;
  const streams: TestDecideStream[] = [];
  const open = (port = a.grpcPort, token?: string) => {
    const s = new TestDecideStream(port, token);
    streams.push(s);
    return s;
  };

  beforeAll(async () => {
    // A Redis call may wait 2 s: these tests hold decisions in flight by pausing Redis.
    a = await startInstance(stack.etcd.endpoint, stack.redis.url, {
      REDIS_TIMEOUT_MS: '2000',
      DECIDE_STREAM_MAX_IN_FLIGHT: '16',
      MAX_IN_FLIGHT: '24',
    });
    redis = new Redis(stack.redis.url);
    for (const [department, qps] of [
      ['ds', 3],
      ['big', 100_000],
    ] as const) {
      await a
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .send({ department, grade: '2023', window: 'any', limit: { qps } })
        .expect(201);
    }
  });
  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
  });
  afterAll(async () => {
    await redis.quit();
    await a?.close();
  });

  it('echoes each id with the verdict Decide gives, counted and measured the same way', async () => {
    const before = await metric(a, 'rulecenter_decisions_total');
    const s = open();
    for (let id = 1; id <= 5; id++) s.send(id, { department: 'ds', grade: '2023' });
    await s.until('5 answers', (x) => x.answers.length === 5);
    expect(s.answers.map((x) => x.id).sort()).toEqual([1, 2, 3, 4, 5]);
    const verdicts = s.answers.map((x) => x.decision?.verdict);
    expect(verdicts.filter((v) => v === 'ALLOW')).toHaveLength(3);
    expect(verdicts.filter((v) => v === 'REJECT')).toHaveLength(2);
    expect(s.answers.find((x) => x.decision?.verdict === 'REJECT')?.decision).toMatchObject({
      reason: 'RATE_LIMITED',
      rule: 'ds/2023/any',
      limit: 3,
      fail_mode: 'FAIL_OPEN',
      window_ms: 1000,
      instances: 1,
    });
    // The unary call shares the same counter: the window is used up.
    const client = a.grpc();
    expect((await client.decide({ department: 'ds', grade: '2023' })).verdict).toBe('REJECT');
    client.close();
    expect((await metric(a, 'rulecenter_decisions_total')) - before).toBe(6);
    s.end();
    await s.until('the stream to end', (x) => x.ended);
    expect(s.error).toBeUndefined();
  });

  it('answers a bad request with an error for its id and keeps the stream open', async () => {
    const s = open();
    s.send(7, { department: 'CS', grade: '2023' });
    s.send(8, null);
    s.send(9, { department: 'big', grade: '2023', hits: 0 });
    s.send(10, { department: 'big', grade: '2023' });
    await s.until('4 answers', (x) => x.answers.length === 4);
    expect(s.answer(7)?.error).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(s.answer(7)?.error?.message).toMatch(/^department /);
    expect(s.answer(8)?.error?.message).toContain('department is required');
    expect(s.answer(9)?.error?.message).toContain('hits must be between 1');
    expect(s.answer(10)?.decision?.verdict).toBe('ALLOW');
    expect(s.error).toBeUndefined();
    s.send(11, { department: 'big', grade: '2023' });
    await s.until('a later answer', (x) => x.answer(11) !== undefined);
  });

  it('answers out of order: a decision made from memory overtakes one waiting on Redis', async () => {
    const s = open();
    await redis.call('CLIENT', 'PAUSE', '300', 'WRITE');
    s.send(1, { department: 'big', grade: '2023' });
    s.send(2, { department: 'norule', grade: '2023' });
    await s.until('both answers', (x) => x.answers.length === 2);
    expect(s.answers.map((x) => x.id)).toEqual([2, 1]);
    expect(s.answer(2)?.decision?.reason).toBe('NO_RULE');
    expect(s.answer(1)?.decision?.reason).toBe('OK');
  });

  it('stops reading a stream with DECIDE_STREAM_MAX_IN_FLIGHT unanswered requests, then catches up', async () => {
    const s = open();
    await redis.call('CLIENT', 'PAUSE', '800', 'WRITE');
    for (let id = 0; id < 200; id++) s.send(id, { department: 'big', grade: '2023' });
    await waitFor(
      '16 decisions in flight',
      async () => (await metric(a, 'rulecenter_decisions_in_flight')) === 16,
    );
    for (let i = 0; i < 5; i++) {
      await sleep(50);
      expect(await metric(a, 'rulecenter_decisions_in_flight')).toBe(16);
    }
    expect(s.answers).toHaveLength(0);
    await s.until('every answer', (x) => x.answers.length === 200, 10_000);
    expect(new Set(s.answers.map((x) => x.id)).size).toBe(200);
    expect(s.answers.every((x) => x.decision?.verdict === 'ALLOW')).toBe(true);
  });

  it('answers RESOURCE_EXHAUSTED for requests past MAX_IN_FLIGHT, and the stream stays open', async () => {
    const first = open();
    const second = open();
    await redis.call('CLIENT', 'PAUSE', '800', 'WRITE');
    for (let id = 0; id < 16; id++) first.send(id, { department: 'big', grade: '2023' });
    await waitFor(
      'the first stream to fill its share',
      async () => (await metric(a, 'rulecenter_decisions_in_flight')) === 16,
    );
    for (let id = 0; id < 40; id++) second.send(id, { department: 'big', grade: '2023' });
    await second.until('32 refusals', (x) => x.answers.length === 32);
    expect(second.answers.every((x) => x.error?.code === status.RESOURCE_EXHAUSTED)).toBe(true);
    expect(second.answers[0].error?.message).toContain('too many decisions in flight');
    await second.until('the 8 admitted answers', (x) => x.answers.length === 40, 10_000);
    await first.until('the first stream answered', (x) => x.answers.length === 16, 10_000);
    expect(second.answers.filter((x) => x.decision?.verdict === 'ALLOW')).toHaveLength(8);
    expect(second.error).toBeUndefined();
  });

  it('needs the decide scope, and on shutdown answers what it read, then ends with UNAVAILABLE', async () => {
    const b = await startInstance(stack.etcd.endpoint, stack.redis.url, {
      REDIS_TIMEOUT_MS: '2000',
      GRPC_TOKENS: `gw:decide:${DECIDE_TOKEN},rep:report:${REPORT_TOKEN}`,
    });
    const refused = open(b.grpcPort, REPORT_TOKEN);
    refused.send(1, { department: 'big', grade: '2023' });
    await refused.until('refusal', (x) => x.error !== undefined);
    expect(refused.error?.code).toBe(status.PERMISSION_DENIED);

    const s = open(b.grpcPort, DECIDE_TOKEN);
    s.send(0, { department: 'big', grade: '2023' });
    await s.until('the first answer', (x) => x.answers.length === 1);
    await redis.call('CLIENT', 'PAUSE', '300', 'WRITE');
    for (let id = 1; id <= 10; id++) s.send(id, { department: 'big', grade: '2023' });
    await waitFor(
      '10 in flight',
      async () => (await metric(b, 'rulecenter_decisions_in_flight')) === 10,
    );
    await b.close();
    await s.until('the end status', (x) => x.error !== undefined);
    expect(s.error?.code).toBe(status.UNAVAILABLE);
    expect(s.error?.details).toContain('server shutting down');
    expect(s.answers.pop()).toEqual({ id: 0, closing: true });
    expect(s.answers.map((x) => x.id).sort((x, y) => x - y)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(s.answers.every((x) => x.decision?.verdict === 'ALLOW')).toBe(true);
  });
});
