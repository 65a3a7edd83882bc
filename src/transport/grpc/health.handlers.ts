import {
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
  sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { ReadinessService } from '../../services/readiness.service';

type Status = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
const KNOWN = new Set(['', 'rulecenter.v1.DecisionService']);
const WATCH_POLL_MS = 1000;

/** grpc.health.v1.Health tied to the same readiness as /readyz. */
export function healthHandlers(readiness: ReadinessService): UntypedServiceImplementation {
  const statusOf = (service: string): Status =>
    !KNOWN.has(service) ? 'SERVICE_UNKNOWN' : readiness.status().ready ? 'SERVING' : 'NOT_SERVING';
  return {
    Check(
      call: ServerUnaryCall<{ service?: string }, { status: Status }>,
      callback: sendUnaryData<{ status: Status }>,
    ) {
      const s = statusOf(call.request.service ?? '');
      if (s === 'SERVICE_UNKNOWN')
        callback({ code: status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
      else callback(null, { status: s });
    },
    Watch(call: ServerWritableStream<{ service?: string }, { status: Status }>) {
      let last: Status | undefined;
      const send = () => {
        const s = statusOf(call.request.service ?? '');
        if (s !== last) call.write({ status: s });
        last = s;
      };
      send();
      const timer = setInterval(send, WATCH_POLL_MS);
      call.on('cancelled', () => clearInterval(timer));
      call.on('close', () => clearInterval(timer));
    },
  };
}
