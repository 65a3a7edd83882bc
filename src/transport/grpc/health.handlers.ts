import {
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
  sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { ReadinessService } from '../../services/readiness.service';

type Status = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
type WatchCall = ServerWritableStream<{ service?: string }, { status: Status }>;
const KNOWN = new Set(['', 'rulecenter.v1.DecisionService']);
const WATCH_POLL_MS = 1000;

/**
 * grpc.health.v1.Health tied to the same readiness as /readyz. `Watch` streams (at most
 * `maxWatchers`) share one poll timer and are ended by `stopAll` (shutdown) after a last
 * NOT_SERVING, so they never hold the server open for its whole grace period.
 *
 * Why not the `grpc-health-check` package (its HealthImplementation, v2): its Watch has no cap
 * (health is open to unauthenticated probes, so an unbounded number of streams is a cheap way to
 * exhaust an instance) and its streams never end, so a draining server would wait out its whole
 * grace period for every watching probe. Both behaviours are tested (hostile-security,
 * rolling-restart); keeping them would mean wrapping every method the package provides.
 */
export function healthHandlers(
  readiness: ReadinessService,
  maxWatchers: number,
): {
  handlers: UntypedServiceImplementation;
  stopAll(): void;
} {
  const statusOf = (service: string): Status =>
    !KNOWN.has(service) ? 'SERVICE_UNKNOWN' : readiness.status().ready ? 'SERVING' : 'NOT_SERVING';
  const watchers = new Map<WatchCall, Status | undefined>();
  let timer: NodeJS.Timeout | undefined;
  const poll = () => {
    for (const [call, last] of watchers) {
      const now = statusOf(call.request.service ?? '');
      if (now !== last) call.write({ status: now });
      watchers.set(call, now);
    }
  };
  const forget = (call: WatchCall) => {
    watchers.delete(call);
    if (watchers.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  const handlers: UntypedServiceImplementation = {
    Check(
      call: ServerUnaryCall<{ service?: string }, { status: Status }>,
      callback: sendUnaryData<{ status: Status }>,
    ) {
      const s = statusOf(call.request.service ?? '');
      if (s === 'SERVICE_UNKNOWN')
        callback({ code: status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
      else callback(null, { status: s });
    },
    Watch(call: WatchCall) {
      // Health stays open to unauthenticated probes, so the number of watches is bounded.
      if (watchers.size >= maxWatchers) {
        call.emit('error', {
          code: status.RESOURCE_EXHAUSTED,
          details: `too many health watches on this instance (at most ${maxWatchers}); use Check`,
        });
        return;
      }
      watchers.set(call, undefined);
      call.on('cancelled', () => forget(call));
      call.on('close', () => forget(call));
      poll();
      timer ??= setInterval(poll, WATCH_POLL_MS);
      timer.unref();
    },
  };
  return {
    handlers,
    stopAll: () => {
      for (const call of [...watchers.keys()]) {
        forget(call);
        call.write({ status: 'NOT_SERVING' });
        call.end();
      }
    },
  };
}
