import { ServerUnaryCall, UntypedServiceImplementation, sendUnaryData } from '@grpc/grpc-js';
import { RawDecideRequest } from '../../domain/decide-request';
import { Decision } from '../../domain/decision';
import { DecisionService } from '../../services/decision.service';
import { toServiceError } from './grpc-status';
import { isShed, shedError } from './load-shedding';

/** DecideResponse as proto-loader encodes it (keepCase, enums as names). */
export interface DecideResponseMessage {
  verdict: string;
  reason: string;
  rule: string;
  limit: number;
  remaining: number;
  retry_after_ms: number;
  reset_after_ms: number;
  breaker_state: string;
  rules_revision: number;
  detail: string;
  fail_mode?: 'FAIL_OPEN' | 'FAIL_CLOSED';
  window_ms?: number;
  instances: number;
  per_client?: boolean;
}

const U32 = 0xffffffff;
const u32 = (n: number): number => (n <= 0 ? 0 : n >= U32 ? U32 : Math.round(n));

/** `instances`: how many instances share each limit now (a client's local share while alone). */
export function toMessage(d: Decision, instances: number): DecideResponseMessage {
  return {
    verdict: d.verdict,
    reason: d.reason,
    rule: d.rule,
    limit: u32(d.limit),
    remaining: u32(d.remaining),
    retry_after_ms: u32(d.retryAfterMs),
    reset_after_ms: u32(d.resetAfterMs),
    breaker_state: d.breakerState,
    rules_revision: d.rulesRevision,
    detail: d.detail,
    fail_mode: d.failMode && (d.failMode === 'open' ? 'FAIL_OPEN' : 'FAIL_CLOSED'),
    window_ms: d.windowMs && u32(d.windowMs),
    instances: u32(instances),
    per_client: d.perClient,
  };
}

/** rulecenter.v1.DecisionService on a bare grpc-js server: no framework layer on the hot path. */
export function decisionHandlers(decisions: DecisionService): UntypedServiceImplementation {
  return {
    Decide(
      call: ServerUnaryCall<RawDecideRequest, DecideResponseMessage>,
      callback: sendUnaryData<DecideResponseMessage>,
    ) {
      decisions.decide(call.request).then(
        (d) => callback(null, toMessage(d, decisions.instanceCount)),
        (error: unknown) => callback(toServiceError(error)),
      );
    },
    DecideBatch(
      call: ServerUnaryCall<
        { requests?: RawDecideRequest[] },
        { responses: DecideResponseMessage[] }
      >,
      callback: sendUnaryData<{ responses: DecideResponseMessage[] }>,
    ) {
      if (isShed(call.request)) return callback(toServiceError(shedError('decisions')));
      decisions.decideBatch(call.request.requests ?? []).then(
        (ds) => {
          const instances = decisions.instanceCount;
          callback(null, { responses: ds.map((d) => toMessage(d, instances)) });
        },
        (error: unknown) => callback(toServiceError(error)),
      );
    },
  };
}
