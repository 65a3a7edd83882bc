import { Server, ServerCredentials, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { loadService } from '../../../src/transport/grpc/proto';
import { createClient } from '../src';

/**
 * A server of the release before DecideStream: DecisionService with Decide only (grpc-js answers
 * UNIMPLEMENTED for the rest, as that release did for a method it did not know).
 */
async function olderServer(): Promise<{ port: number; calls: () => number; stop(): void }> {
  const server = new Server();
  let calls = 0;
  const service = loadService(
    'rulecenter/v1/decision.proto',
    'rulecenter.v1.DecisionService',
  ).service;
  server.addService(service, {
    Decide(call: ServerUnaryCall<{ department: string }, object>, callback: sendUnaryData<object>) {
      calls++;
      callback(null, {
        verdict: 'REJECT',
        reason: 'RATE_LIMITED',
        rule: `${call.request.department}/2023/any`,
        limit: 5,
        retry_after_ms: 700,
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { port, calls: () => calls, stop: () => server.forceShutdown() };
}

describe('SDK against a server without DecideStream', () => {
  it('falls back to unary Decide for that target and answers from the center', async () => {
    const old = await olderServer();
    const rc = createClient({ targets: [`127.0.0.1:${old.port}`], deadlineMs: 1000 });
    const first = await rc.decide({ department: 'cs', grade: '2023' });
    const second = await rc.decide({ department: 'ee', grade: '2023' });
    expect(first).toMatchObject({
      source: 'center',
      verdict: 'REJECT',
      rule: 'cs/2023/any',
      retryAfterMs: 700,
    });
    expect(second).toMatchObject({ source: 'center', rule: 'ee/2023/any' });
    expect(old.calls()).toBe(2);
    expect(rc.stats().fallbacks).toBe(0);
    await rc.close(0);
    old.stop();
  });
});
