import { Metadata, ServiceError, credentials } from '@grpc/grpc-js';
import { loadService } from '../src/transport/grpc/proto';

/**
 * `npm run decide -- --department cs --grade 2023 [--resource enroll] [--client-id s1] [--hits 1]
 * [--at 2026-12-29T09:00:00+08:00] [--target 127.0.0.1:9090] [--count 1] [--token T]`: asks
 * DecisionService and prints each answer as JSON. The smallest example of a gateway-side client.
 * The caller token (a GRPC_TOKENS entry with scope decide) comes from --token or RC_GRPC_TOKEN.
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const DecisionService = loadService(
  'rulecenter/v1/decision.proto',
  'rulecenter.v1.DecisionService',
);
const client = new DecisionService(
  arg('target') ?? '127.0.0.1:9090',
  credentials.createInsecure(),
) as unknown as {
  Decide(req: object, metadata: Metadata, cb: (e: ServiceError | null, r: object) => void): void;
  close(): void;
};
const metadata = new Metadata();
const token = arg('token') ?? process.env.RC_GRPC_TOKEN;
if (token) metadata.set('authorization', `Bearer ${token}`);
/** Refuses a bad option here, naming it, rather than sending NaN to the server. */
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
function integerArg(name: string, min: number): number | undefined {
  const raw = arg(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    fail(`--${name} must be an integer of at least ${min}; got "${raw}"`);
  return value;
}
const at = arg('at');
const atMs = at === undefined ? undefined : Date.parse(at);
if (atMs !== undefined && Number.isNaN(atMs))
  fail(`--at must be an ISO-8601 time such as 2026-12-29T09:00:00+08:00; got "${at}"`);
const request = {
  department: arg('department'),
  grade: arg('grade'),
  resource: arg('resource'),
  client_id: arg('client-id'),
  hits: integerArg('hits', 0),
  at: atMs === undefined ? undefined : { seconds: Math.floor(atMs / 1000) },
};

async function main(): Promise<void> {
  const count = integerArg('count', 1) ?? 1;
  for (let i = 0; i < count; i++) {
    const answer = await new Promise<object>((resolve, reject) =>
      client.Decide(request, metadata, (e, r) => (e ? reject(e) : resolve(r))),
    );
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
  client.close();
}

main().catch((error: ServiceError) => {
  process.stderr.write(
    `${error.code === undefined ? '' : `gRPC status ${error.code}: `}${error.details ?? error.message}\n`,
  );
  process.exit(1);
});
