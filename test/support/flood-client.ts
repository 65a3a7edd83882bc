/**
 * A hostile client in its own process (so its own CPU is not what a test measures): opens
 * `count` concurrent calls of one kind against a Rule Center and prints one JSON line with the
 * status codes it got and the slowest answer.
 *   node -r ts-node/register/transpile-only test/support/flood-client.ts <port> <kind> <count> [holdMs]
 * kind: batch (DecideBatch of 1,000 valid items), watch (WatchRules, never read), health (Watch).
 */
import { ServiceError, credentials, status } from '@grpc/grpc-js';
import { loadService } from '../../src/transport/grpc/proto';

type Stream = NodeJS.EventEmitter & { pause(): void; cancel(): void };

const [port, kind, countText, holdText] = process.argv.slice(2);
const count = Number(countText);
const holdMs = Number(holdText ?? 3000);
const codes: Record<string, number> = {};
let slowest = 0;
const note = (code: number, startedAt: number) => {
  const name = status[code] ?? String(code);
  codes[name] = (codes[name] ?? 0) + 1;
  slowest = Math.max(slowest, Date.now() - startedAt);
};
// Many connections, as many gateways would open: one connection's stream limit (100) must not
// be what holds the flood back.
const channels = Array.from({ length: Math.min(64, Math.ceil(count / 90)) }, (_, i) => ({
  'grpc.channel_id': i,
}));

function flood(): Promise<void>[] {
  if (kind === 'batch') {
    const Decision = loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService');
    const clients = channels.map(
      (o) =>
        new Decision(`127.0.0.1:${port}`, credentials.createInsecure(), o) as unknown as {
          DecideBatch(req: object, opts: object, cb: (e: ServiceError | null) => void): void;
        },
    );
    const requests = Array.from({ length: 1000 }, (_, i) => ({
      department: 'flood',
      grade: '2023',
      client_id: `s${i}`,
    }));
    return Array.from(
      { length: count },
      (_, i) =>
        new Promise<void>((resolve) => {
          const started = Date.now();
          clients[i % clients.length].DecideBatch(
            { requests },
            { deadline: Date.now() + 60_000 },
            (e) => {
              note(e ? e.code : status.OK, started);
              resolve();
            },
          );
        }),
    );
  }
  const [file, name, method, request] =
    kind === 'watch'
      ? ['rulecenter/v1/watch.proto', 'rulecenter.v1.RuleWatchService', 'WatchRules', {}]
      : ['grpc/health/v1/health.proto', 'grpc.health.v1.Health', 'Watch', { service: '' }];
  const Service = loadService(file, name);
  const clients = channels.map(
    (o) =>
      new Service(`127.0.0.1:${port}`, credentials.createInsecure(), o) as unknown as Record<
        string,
        (req: object) => Stream
      >,
  );
  return Array.from(
    { length: count },
    (_, i) =>
      new Promise<void>((resolve) => {
        const started = Date.now();
        const call = clients[i % clients.length][method](request);
        let settled = false;
        const settle = (code: number) => {
          if (settled) return;
          settled = true;
          note(code, started);
          if (code === status.OK) call.pause(); // opened: now never read again
          resolve();
        };
        call.on('data', () => settle(status.OK));
        call.on('error', (e: ServiceError) => settle(e.code));
        setTimeout(() => settle(status.DEADLINE_EXCEEDED), 30_000);
      }),
  );
}

void Promise.all(flood()).then(async () => {
  process.stdout.write(`${JSON.stringify({ codes, slowestMs: slowest })}\n`);
  await new Promise((r) => setTimeout(r, holdMs));
  process.exit(0);
});
