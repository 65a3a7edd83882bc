import { Metadata, ServiceError, credentials } from '@grpc/grpc-js';
import { loadService } from '../src/transport/grpc/proto';

/**
 * `npm run watch-rules -- [--department cs] [--grade 2023] [--window fall] [--from-revision N]
 * [--target 127.0.0.1:9090] [--token T]`: prints every rule event as one JSON line as it arrives.
 * On exit it says which --from-revision resumes where it stopped. The simplest example of a
 * watcher. The caller token (scope watch) comes from --token or RC_GRPC_TOKEN.
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const RuleWatchService = loadService('rulecenter/v1/watch.proto', 'rulecenter.v1.RuleWatchService');
const client = new RuleWatchService(
  arg('target') ?? '127.0.0.1:9090',
  credentials.createInsecure(),
  {
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
  },
) as unknown as {
  WatchRules(req: object, metadata: Metadata): NodeJS.EventEmitter & { cancel(): void };
};
const metadata = new Metadata();
const token = arg('token') ?? process.env.RC_GRPC_TOKEN;
if (token) metadata.set('authorization', `Bearer ${token}`);

const from = arg('from-revision') ?? '0';
if (!/^\d+$/.test(from)) {
  process.stderr.write(`--from-revision must be 0 or a revision you received; got "${from}"\n`);
  process.exit(2);
}
let last = Number(from);
const call = client.WatchRules(
  {
    department: arg('department'),
    grade: arg('grade'),
    window: arg('window'),
    from_revision: last,
  },
  metadata,
);
call.on('data', (event: { revision?: number; revision_complete?: boolean }) => {
  // Resume only from a revision whose every event arrived (one transaction can change many keys).
  if (event.revision_complete && event.revision) last = Math.max(last, Number(event.revision));
  process.stdout.write(`${JSON.stringify(event)}\n`);
});
const bye = (why: string) => {
  process.stderr.write(`${why}; resume with --from-revision ${last}\n`);
  process.exit(why.startsWith('stopped') ? 0 : 1);
};
call.on('error', (e: ServiceError) =>
  bye(`stream ended: ${e.code === 1 ? 'cancelled' : `status ${e.code}: ${e.details}`}`),
);
call.on('end', () => bye('stream ended by the server'));
process.on('SIGINT', () => {
  call.cancel();
  bye('stopped');
});
