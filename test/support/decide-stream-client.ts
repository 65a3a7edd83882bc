import { Metadata, ServiceError, credentials } from '@grpc/grpc-js';
import { DecideResponseMessage } from '../../src/transport/grpc/decision.handlers';
import { loadService } from '../../src/transport/grpc/proto';
import { DecideRequestMessage } from './grpc-client';
import { waitFor } from './ports';

export interface StreamAnswer {
  id: number;
  decision?: DecideResponseMessage;
  error?: { code: number; message: string };
  closing?: boolean;
}

type Call = NodeJS.WritableStream &
  NodeJS.ReadableStream & { write(m: object): boolean; end(): void; cancel(): void };

let Service: ReturnType<typeof loadService> | undefined;

/** A raw DecideStream, as a gateway without the SDK would open it; records answers and the end status. */
export class TestDecideStream {
  readonly answers: StreamAnswer[] = [];
  error?: ServiceError;
  ended = false;
  private readonly client: { DecideStream(m: Metadata): Call; close(): void };
  private readonly call: Call;

  constructor(port: number, token?: string) {
    Service ??= loadService('rulecenter/v1/decision.proto', 'rulecenter.v1.DecisionService');
    this.client = new Service(
      `127.0.0.1:${port}`,
      credentials.createInsecure(),
    ) as unknown as TestDecideStream['client'];
    const metadata = new Metadata();
    if (token) metadata.set('authorization', `Bearer ${token}`);
    this.call = this.client.DecideStream(metadata);
    this.call.on('data', (a: StreamAnswer) => this.answers.push(a));
    this.call.on('error', (e: ServiceError) => (this.error = e));
    this.call.on('end', () => (this.ended = true));
  }

  send(id: number, request: DecideRequestMessage | null): void {
    this.call.write({ id, request });
  }

  answer(id: number): StreamAnswer | undefined {
    return this.answers.find((a) => a.id === id);
  }

  async until(what: string, check: (s: TestDecideStream) => boolean, timeoutMs = 5000) {
    await waitFor(what, () => check(this), timeoutMs, 5);
  }

  /** Half-closes: the server answers what it read, then ends with OK. */
  end(): void {
    this.call.end();
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}
