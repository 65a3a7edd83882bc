import { CallOptions, ServiceError, credentials } from '@grpc/grpc-js';
import { DecideResponseMessage } from '../../src/transport/grpc/decision.handlers';
import { loadService } from '../../src/transport/grpc/proto';

export interface DecideRequestMessage {
  department?: string;
  grade?: string;
  resource?: string;
  client_id?: string;
  hits?: number;
  at?: { seconds: number; nanos?: number };
}

type Unary<Req, Res> = (
  req: Req,
  options: CallOptions,
  cb: (err: ServiceError | null, res: Res) => void,
) => void;

export interface DecisionClient {
  decide(req: DecideRequestMessage): Promise<DecideResponseMessage>;
  decideBatch(requests: DecideRequestMessage[]): Promise<DecideResponseMessage[]>;
  close(): void;
}

const DecisionServiceClient = loadService(
  'rulecenter/v1/decision.proto',
  'rulecenter.v1.DecisionService',
);

const call = <Req, Res>(fn: Unary<Req, Res>, req: Req, deadlineMs?: number): Promise<Res> =>
  new Promise((resolve, reject) =>
    fn(req, deadlineMs ? { deadline: Date.now() + deadlineMs } : {}, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );

/**
 * A real @grpc/grpc-js client, as a gateway would use (the simplest example client too).
 * `deadlineMs` bounds every call (a gateway never waits for ever); none by default.
 */
export function decisionClient(
  port: number,
  host = '127.0.0.1',
  { deadlineMs }: { deadlineMs?: number } = {},
): DecisionClient {
  const client = new DecisionServiceClient(
    `${host}:${port}`,
    credentials.createInsecure(),
  ) as unknown as {
    Decide: Unary<DecideRequestMessage, DecideResponseMessage>;
    DecideBatch: Unary<
      { requests: DecideRequestMessage[] },
      { responses: DecideResponseMessage[] }
    >;
    close(): void;
  };
  return {
    decide: (req) => call(client.Decide.bind(client), req, deadlineMs),
    decideBatch: async (requests) =>
      (await call(client.DecideBatch.bind(client), { requests }, deadlineMs)).responses ?? [],
    close: () => client.close(),
  };
}
