import { Metadata, status } from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { Writable } from 'node:stream';
import { DomainError } from '../../domain/errors';
import { logUnexpectedErrors } from './grpc-error-log';
import { toServiceError } from './grpc-status';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const metadataWith = (entries: Record<string, string>): Metadata => {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(entries)) metadata.set(k, v);
  return metadata;
};

describe('logUnexpectedErrors', () => {
  it('logs an INTERNAL answer once with the method and request id, never the token', async () => {
    const { logger, lines } = capturingLogger();
    const handlers = logUnexpectedErrors(
      {
        Decide: (_call: unknown, callback: (e: ReturnType<typeof toServiceError>) => void) =>
          callback(toServiceError(new TypeError('boom'))),
      },
      'rulecenter.v1.DecisionService',
      logger,
    );
    const call = Object.assign(new EventEmitter(), {
      metadata: metadataWith({ authorization: 'Bearer secret-token-123', 'x-request-id': 'req-1' }),
    });
    const answered = await new Promise<{ code?: number; details?: string }>((resolve) =>
      (handlers.Decide as (c: unknown, cb: (e: never) => void) => void)(call, resolve),
    );
    expect(answered.code).toBe(status.INTERNAL);
    expect(answered.details).toBe('unexpected error (request id req-1); see the service log');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      method: 'rulecenter.v1.DecisionService/Decide',
      requestId: 'req-1',
      err: { message: 'boom' },
    });
    expect(JSON.stringify(lines)).not.toContain('secret-token-123');
  });

  it('logs a server stream ended with INTERNAL, and leaves domain errors alone', async () => {
    const { logger, lines } = capturingLogger();
    const handlers = logUnexpectedErrors(
      {
        WatchRules: (call: EventEmitter) => {
          call.emit('error', toServiceError(new DomainError('VALIDATION_FAILED', 'bad')));
          call.emit('error', toServiceError(new Error('kaput')));
        },
      },
      'rulecenter.v1.RuleWatchService',
      logger,
    );
    const call = Object.assign(new EventEmitter(), { metadata: new Metadata() });
    const ended: { code?: number; details?: string }[] = [];
    call.on('error', (e: { code?: number; details?: string }) => ended.push(e));
    (handlers.WatchRules as (c: unknown) => void)(call);
    await new Promise((r) => setImmediate(r));
    expect(ended.map((e) => e.code)).toEqual([status.INVALID_ARGUMENT, status.INTERNAL]);
    expect(ended[1].details).toMatch(/^unexpected error \(request id [0-9a-f-]{36}\)/);
    expect(lines.map((l) => l.method)).toEqual(['rulecenter.v1.RuleWatchService/WatchRules']);
  });
});
