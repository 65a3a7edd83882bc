import {
  ServerReadableStream,
  ServerUnaryCall,
  UntypedServiceImplementation,
  sendUnaryData,
} from '@grpc/grpc-js';
import { BreakerService, RawOutcome, ReportSummary } from '../../services/breaker.service';
import { toServiceError } from './grpc-status';

interface ReportMessage {
  accepted: number;
  ignored_no_rule: number;
  ignored_breaker_disabled: number;
}

const toMessage = (s: ReportSummary): ReportMessage => ({
  accepted: s.accepted,
  ignored_no_rule: s.ignoredNoRule,
  ignored_breaker_disabled: s.ignoredBreakerDisabled,
});

/** ReportOutcomes (unary) and StreamOutcomes (client stream) of rulecenter.v1.DecisionService. */
export function outcomeHandlers(breakers: BreakerService): UntypedServiceImplementation {
  return {
    ReportOutcomes(
      call: ServerUnaryCall<{ outcomes?: RawOutcome[] }, ReportMessage>,
      callback: sendUnaryData<ReportMessage>,
    ) {
      breakers.report(call.request.outcomes ?? []).then(
        (summary) => callback(null, toMessage(summary)),
        (error: unknown) => callback(toServiceError(error)),
      );
    },
    StreamOutcomes(
      call: ServerReadableStream<{ outcomes?: RawOutcome[] }, ReportMessage>,
      callback: sendUnaryData<ReportMessage>,
    ) {
      const total: ReportSummary = { accepted: 0, ignoredNoRule: 0, ignoredBreakerDisabled: 0 };
      let failed = false;
      let ended = false;
      let inFlight = false;
      const finish = () => {
        if (ended && !inFlight && !failed) callback(null, toMessage(total));
      };
      // One batch at a time: the stream is paused while a batch is applied, so a fast sender is
      // held back by HTTP/2 flow control instead of piling batches up in memory.
      call.on('data', (batch: { outcomes?: RawOutcome[] }) => {
        if (failed) return;
        inFlight = true;
        call.pause();
        breakers.report(batch.outcomes ?? []).then(
          (s) => {
            total.accepted += s.accepted;
            total.ignoredNoRule += s.ignoredNoRule;
            total.ignoredBreakerDisabled += s.ignoredBreakerDisabled;
            inFlight = false;
            call.resume();
            finish();
          },
          (error: unknown) => {
            // The first bad batch ends the call with its error.
            failed = true;
            inFlight = false;
            callback(toServiceError(error));
          },
        );
      });
      call.on('end', () => {
        ended = true;
        finish();
      });
    },
  };
}
