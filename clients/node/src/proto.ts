import {
  GrpcObject,
  Metadata,
  ServiceClientConstructor,
  loadPackageDefinition,
} from '@grpc/grpc-js';
import type { ClientDuplexStream, ClientReadableStream, ClientWritableStream } from '@grpc/grpc-js';
import type { CallOptions, Client, ServiceError } from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import { DESCRIPTOR } from './generated/descriptor.js';

/** DecideRequest / DecideResponse as proto-loader shapes them (keepCase, enums as names). */
export interface DecideRequestMessage {
  department: string;
  grade: string;
  resource?: string;
  client_id?: string;
  hits?: number;
}

export interface DecideResponseMessage {
  verdict?: string;
  reason?: string;
  rule?: string;
  limit?: number;
  remaining?: number;
  retry_after_ms?: number;
  reset_after_ms?: number;
  breaker_state?: string;
  rules_revision?: number;
  detail?: string;
  fail_mode?: string;
  window_ms?: number;
  instances?: number;
  per_client?: boolean;
}

export interface StreamAnswer {
  id?: number;
  decision?: DecideResponseMessage;
  error?: { code?: number; message?: string };
  /** The server stopped reading: what it read is answered; send the rest elsewhere. */
  closing?: boolean;
}

export interface OutcomeMessage {
  department: string;
  grade: string;
  resource: string;
  success: boolean;
  latency_ms: number;
}

export interface RuleEventMessage {
  type?: string;
  kind?: string;
  key?: string;
  revision?: number;
  value_json?: string;
  snapshot?: boolean;
  resync?: boolean;
  revision_complete?: boolean;
  breaker?: {
    from?: string;
    to?: string;
    total?: number;
    error_rate?: number;
    slow_rate?: number;
    at?: string;
  };
}

type Callback<T> = (error: ServiceError | null, value?: T) => void;

/** The generated DecisionService client, typed for what this package calls. */
export interface DecisionStub extends Client {
  Decide(
    request: DecideRequestMessage,
    metadata: Metadata,
    options: CallOptions,
    callback: Callback<DecideResponseMessage>,
  ): unknown;
  DecideStream(
    metadata: Metadata,
  ): ClientDuplexStream<{ id: number; request: DecideRequestMessage }, StreamAnswer>;
  StreamOutcomes(
    metadata: Metadata,
    options: CallOptions,
    callback: Callback<{ accepted?: number }>,
  ): ClientWritableStream<{ outcomes: OutcomeMessage[] }>;
}

export interface WatchStub extends Client {
  WatchRules(
    request: { department: string; grade: string; window: string; from_revision: number },
    metadata: Metadata,
  ): ClientReadableStream<RuleEventMessage>;
}

const OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: false, oneofs: true };

let loaded: { decision: ServiceClientConstructor; watch: ServiceClientConstructor } | undefined;

/** The service constructors, from the protos embedded at build time (no file access). */
export function services(): {
  decision: ServiceClientConstructor;
  watch: ServiceClientConstructor;
} {
  if (!loaded) {
    const definition = fromJSON(DESCRIPTOR as Parameters<typeof fromJSON>[0], OPTIONS);
    const v1 = ((loadPackageDefinition(definition).rulecenter as GrpcObject).v1 ??
      {}) as GrpcObject;
    loaded = {
      decision: v1.DecisionService as ServiceClientConstructor,
      watch: v1.RuleWatchService as ServiceClientConstructor,
    };
  }
  return loaded;
}
