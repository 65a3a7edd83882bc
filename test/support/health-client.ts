import { ChannelCredentials, ServiceError, credentials } from '@grpc/grpc-js';
import { loadService } from '../../src/transport/grpc/proto';

type HealthStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN' | 'UNKNOWN';

interface RawHealth {
  Check(req: object, cb: (e: ServiceError | null, r: { status: HealthStatus }) => void): void;
  Watch(req: object): NodeJS.EventEmitter & { cancel(): void };
  close(): void;
}

/** A grpc.health.v1 client, as a load balancer or orchestrator probes an instance. */
export function healthClient(
  port: number,
  creds: ChannelCredentials = credentials.createInsecure(),
) {
  const Health = loadService('grpc/health/v1/health.proto', 'grpc.health.v1.Health');
  const client = new Health(`127.0.0.1:${port}`, creds) as unknown as RawHealth;
  return {
    check: (service = ''): Promise<HealthStatus> =>
      new Promise((resolve, reject) =>
        client.Check({ service }, (e, r) => (e ? reject(e) : resolve(r.status))),
      ),
    watch: (service = '') => client.Watch({ service }),
    close: () => client.close(),
  };
}
