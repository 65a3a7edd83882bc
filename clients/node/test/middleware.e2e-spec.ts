import { Controller, Get, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express from 'express';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Instance, bearer, startInstance } from '../../../test/support/app-instance';
import { acceptanceBreaker } from '../../../test/support/fixtures';
import { waitFor } from '../../../test/support/ports';
import { useStack } from '../../../test/support/stack';
import {
  RuleCenterClient,
  RuleCenterGuard,
  WithRateLimit,
  createClient,
  expressRateLimit,
  fastifyRateLimit,
} from '../src';

type Headers = Record<string, string | string[] | undefined>;
const header = (h: Headers, name: string) => String(h[name] ?? '');
const scope = {
  department: (req: { headers: Headers }) => header(req.headers, 'x-department') || undefined,
  grade: (req: { headers: Headers }) => header(req.headers, 'x-grade') || undefined,
};
const ask = (port: number, path: string, department: string) =>
  fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { 'x-department': department, 'x-grade': '2023' },
  });

/** 429 with Retry-After = the rule's retry_after_ms in whole seconds, and the IETF RateLimit fields. */
async function expectExhausted(port: number, department: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const ok = await ask(port, '/ok', department);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('ratelimit-policy')).toBe(`"${department}/2023/any";q=3;w=10`);
    expect(ok.headers.get('ratelimit')).toMatch(
      new RegExp(`^"${department}/2023/any";r=${2 - i};t=\\d+$`),
    );
  }
  const refused = await ask(port, '/ok', department);
  expect(refused.status).toBe(429);
  const body = (await refused.json()) as { message: string };
  const retryAfterMs = Number(/retry after (\d+) ms/.exec(body.message)?.[1]);
  // The window is 10 s and the three admissions are a moment old: the oldest leaves in ~10 s.
  expect(retryAfterMs).toBeGreaterThan(8000);
  expect(retryAfterMs).toBeLessThanOrEqual(10_000);
  expect(refused.headers.get('retry-after')).toBe(String(Math.ceil(retryAfterMs / 1000)));
  expect(refused.headers.get('ratelimit')).toMatch(new RegExp(`^"${department}/2023/any";r=0;`));
}

describe('SDK middleware in real Express, Fastify and NestJS apps (two instances, real etcd and Redis)', () => {
  const stack = useStack();
  let a: Instance;
  let b: Instance;
  let rc: RuleCenterClient;
  const servers: { close(): unknown }[] = [];
  const listen = async (server: Server) => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    return (server.address() as AddressInfo).port;
  };

  beforeAll(async () => {
    a = await startInstance(stack.etcd.endpoint, stack.redis.url);
    b = await startInstance(stack.etcd.endpoint, stack.redis.url);
    const rules = [
      ...['ex', 'fy', 'ns'].map((department) => ({
        department,
        limit: { qps: 0.3, windowMs: 10_000 },
      })),
      { department: 'dg', limit: { qps: 0.1, windowMs: 10_000 }, onExceed: 'degrade' },
      { department: 'br', limit: { qps: 1000 }, breaker: acceptanceBreaker(30_000, 1) },
    ];
    let revision = 0;
    for (const rule of rules) {
      const res = await a
        .http()
        .post('/api/v1/rules')
        .set('Authorization', bearer('editor'))
        .send({ grade: '2023', window: 'any', ...rule })
        .expect(201);
      revision = res.body.revision;
    }
    await waitFor('B to have every rule', async () => {
      const res = await b.http().get('/readyz');
      return Number(res.body.etcd?.revision ?? 0) >= revision;
    });
    rc = createClient({
      targets: [`127.0.0.1:${a.grpcPort}`, `127.0.0.1:${b.grpcPort}`],
      deadlineMs: 1000,
      reportIntervalMs: 50,
    });
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await rc?.close();
    await a?.close();
    await b?.close();
  });

  it('Express: 429 with the right Retry-After and RateLimit headers once the rule is exhausted', async () => {
    const app = express();
    app.use(expressRateLimit({ client: rc, ...scope }));
    app.get('/ok', (req, res) => {
      res.json({ degraded: (req as WithRateLimit<typeof req>).rateLimit?.degraded ?? false });
    });
    app.get('/fail', (_req, res) => {
      res.status(503).end();
    });
    const port = await listen(app.listen(0, '127.0.0.1'));
    await expectExhausted(port, 'ex');

    // DEGRADE: the handler sees req.rateLimit.degraded; the response carries the header.
    expect(await (await ask(port, '/ok', 'dg')).json()).toEqual({ degraded: false });
    const degraded = await ask(port, '/ok', 'dg');
    expect(degraded.status).toBe(200);
    expect(degraded.headers.get('x-rulecenter-degrade')).toBe('1');
    expect(await degraded.json()).toEqual({ degraded: true });

    // A value that is not a scope token is the caller's error: 400, nothing counted.
    const bad = await ask(port, '/ok', 'CS');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^department /);
    // No department: not rate limited at all.
    expect((await fetch(`http://127.0.0.1:${port}/ok`)).status).toBe(200);
  });

  it("reports each handler's outcome: failing handlers open the rule's breaker", async () => {
    const app = express();
    app.use(expressRateLimit({ client: rc, ...scope }));
    app.get('/fail', (_req, res) => {
      res.status(503).end();
    });
    const port = await listen(app.listen(0, '127.0.0.1'));
    // The breaker needs 20 outcomes (minRequests), half of them failures: it may open before 25.
    const statuses = [];
    for (let i = 0; i < 25; i++) statuses.push((await ask(port, '/fail', 'br')).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(503));
    await waitFor(
      'the breaker to open',
      async () => {
        const res = await ask(port, '/fail', 'br');
        return res.status === 429 && (await res.text()).includes('circuit breaker open');
      },
      5000,
      50,
    );
    expect(rc.stats().outcomesSent).toBeGreaterThanOrEqual(20);
  });

  it('Fastify: the hooks answer 429 with the right Retry-After once the rule is exhausted', async () => {
    const app = Fastify();
    const limiter = fastifyRateLimit({ client: rc, ...scope });
    app.addHook('onRequest', limiter.onRequest);
    app.addHook('onResponse', limiter.onResponse);
    app.get('/ok', async (request) => ({
      degraded: (request as WithRateLimit<object>).rateLimit?.degraded,
    }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(app);
    await expectExhausted((app.server.address() as AddressInfo).port, 'fy');
  });

  it('NestJS: the guard answers 429 with the right Retry-After once the rule is exhausted', async () => {
    @Controller()
    class OkController {
      @Get('ok')
      ok(@Req() req: WithRateLimit<object>) {
        return { degraded: req.rateLimit?.degraded ?? false };
      }
    }
    const { Module } = await import('@nestjs/common');
    @Module({ controllers: [OkController] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    app.useGlobalGuards(new RuleCenterGuard({ client: rc, ...scope }));
    await app.listen(0, '127.0.0.1');
    servers.push(app);
    await expectExhausted((app.getHttpServer().address() as AddressInfo).port, 'ns');
  });
});
