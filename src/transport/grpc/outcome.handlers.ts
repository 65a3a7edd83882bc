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
      let chain = Promise.resolve();
      call.on('data', (batch: { outcomes?: RawOutcome[] }) => {
        // Batches are applied in order; the first bad one ends the call with its error.
        chain = chain.then(async () => {
          if (failed) return;
          try {
            const s = await breakers.report(batch.outcomes ?? []);
            total.accepted += s.accepted;
            total.ignoredNoRule += s.ignoredNoRule;
            total.ignoredBreakerDisabled += s.ignoredBreakerDisabled;
          } catch (error) {
            failed = true;
            callback(toServiceError(error));
          }
        });
      });
      call.on('end', () => void chain.then(() => !failed && callback(null, toMessage(total))));
    },
  };
}
