import { ServiceError, credentials } from '@grpc/grpc-js';
import { loadService } from '../../src/transport/grpc/proto';

export interface OutcomeMessage {
  department?: string;
  grade?: string;
  resource?: string;
  success?: boolean;
  latency_ms?: number;
}

export interface ReportReply {
  accepted?: number;
  ignored_no_rule?: number;
  ignored_breaker_disabled?: number;
}

type Callback = (err: ServiceError | null, res: ReportReply) => void;

/** A gateway's outcome reporter: unary batches and the client-streaming variant. */
export function outcomeClient(port: number) {
  const Service = loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService');
  const client = new Service(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as {
    ReportOutcomes(req: { outcomes: OutcomeMessage[] }, cb: Callback): void;
    StreamOutcomes(cb: Callback): {
      write(batch: { outcomes: OutcomeMessage[] }): void;
      end(): void;
    };
    close(): void;
  };
  return {
    report: (outcomes: OutcomeMessage[]) =>
      new Promise<ReportReply>((resolve, reject) =>
        client.ReportOutcomes({ outcomes }, (e, r) => (e ? reject(e) : resolve(r))),
      ),
    stream: (batches: OutcomeMessage[][]) =>
      new Promise<ReportReply>((resolve, reject) => {
        const call = client.StreamOutcomes((e, r) => (e ? reject(e) : resolve(r)));
        for (const outcomes of batches) call.write({ outcomes });
        call.end();
      }),
    close: () => client.close(),
  };
}
