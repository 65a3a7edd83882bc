import { Server, ServerCredentials, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { SecureServerOptions } from 'node:http2';
import type { SecureContextOptions } from 'node:tls';
import { TLS_SERVER_POLICY } from '../tls-policy';
import type { GrpcCaller } from '../../config/app-config';
import { callerGuard } from './caller-auth';
import { DecideLimits } from '../../domain/decide-request';
import type { Logger } from '../../observability/logger';
import { BreakerService } from '../../services/breaker.service';
import { DecisionService } from '../../services/decision.service';
import { ReadinessService } from '../../services/readiness.service';
import { RuleIndexService } from '../../services/rule-index.service';
import { WatchHub } from '../../services/watch-hub';
import { decideStreamHandlers } from './decide-stream.handlers';
import { decisionHandlers } from './decision.handlers';
import { envoyRlsHandlers } from './envoy-rls.handlers';
import { RlsOptions } from './envoy-rls.mapper';
import { healthHandlers } from './health.handlers';
import { outcomeHandlers } from './outcome.handlers';
import { loadService } from './proto';
import { watchHandlers } from './watch.handlers';
import { shedBeforeDecode } from './load-shedding';
import { logUnexpectedErrors } from './grpc-error-log';

export interface GrpcServerOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  /** Events a watcher may have queued before it is cut off (RESOURCE_EXHAUSTED). */
  watchMaxPending: number;
  /** Unanswered requests one DecideStream may have before the server stops reading it. */
  streamMaxInFlight: number;
  rls: RlsOptions;
  /** Who may call which methods (`authorization: Bearer <token>`); empty = anyone. Health stays open. */
  callers: readonly GrpcCaller[];
  /** PEM; with clientCa every caller must present a certificate it signed (mTLS). */
  tls?: {
    cert: Buffer;
    key: Buffer;
    clientCa?: Buffer;
  };
  /** Health Watch streams open at once. */
  maxHealthWatchers: number;
  /** HTTP/2 streams one client connection may have open at once. */
  maxStreamsPerConnection: number;
  limits: DecideLimits & { noRuleVerdict: 'ALLOW' | 'REJECT'; maxBatch: number };
}

export interface GrpcServices {
  decisions: DecisionService;
  breakers: BreakerService;
  readiness: ReadinessService;
  hub: WatchHub;
  live: RuleIndexService;
}

/**
 * grpc-js's createSsl takes no TLS version or cipher list (only the process-wide
 * GRPC_SSL_CIPHER_SUITES variable, read when the module loads). ServerCredentials' constructor
 * takes the options its server hands to http2.createSecureServer, so the TLS policy goes there.
 */
class PolicyServerCredentials extends ServerCredentials {
  constructor(server: SecureServerOptions, context: SecureContextOptions) {
    super(server, context);
  }

  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

/**
 * The gRPC endpoint, a bare @grpc/grpc-js server owned by the Nest application (started and
 * drained by its lifecycle). Decisions skip Nest's RPC pipeline: it would add per-call work on
 * the path every gateway request waits for. Serves rulecenter.v1.DecisionService,
 * rulecenter.v1.RuleWatchService, envoy.service.ratelimit.v3.RateLimitService and grpc.health.v1.
 */
export class GrpcServer {
  private readonly server: Server;
  private boundPort = 0;
  private readonly stopWatchers: () => void;
  private readonly stopDecideStreams: () => void;
  private readonly stopHealthWatchers: () => void;

  constructor(
    private readonly options: GrpcServerOptions,
    services: GrpcServices,
    private readonly logger: Logger,
  ) {
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxMessageBytes,
      'grpc.max_concurrent_streams': options.maxStreamsPerConnection,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    });
    const service = (file: string, name: string) => loadService(file, name).service;
    // Each method runs only for callers holding its scope: deciding, reporting outcomes (which
    // can open breakers) and reading every rule are separate credentials. Unexpected errors are
    // logged once per call, inside the guard.
    const scoped = callerGuard(options.callers);
    const guard = (
      scope: Parameters<typeof scoped>[0],
      name: string,
      handlers: UntypedServiceImplementation,
    ) => scoped(scope, logUnexpectedErrors(handlers, name, logger));
    const decision = 'rulecenter.v1.DecisionService';
    const batchRoom = (items: number) => services.decisions.hasRoomFor(items);
    const decisionService = shedBeforeDecode(
      service('rulecenter/v1/decision.proto', decision),
      [{ method: 'DecideBatch', itemsField: 1 }],
      batchRoom,
      options.limits.maxBatch,
    );
    const streams = decideStreamHandlers(services.decisions, {
      maxInFlight: options.streamMaxInFlight,
    });
    this.stopDecideStreams = streams.stopAll;
    this.server.addService(decisionService, {
      ...guard('decide', decision, {
        ...decisionHandlers(services.decisions),
        ...streams.handlers,
      }),
      ...guard('report', decision, outcomeHandlers(services.breakers)),
    });
    const watch = watchHandlers(services.hub, { maxPending: options.watchMaxPending });
    this.stopWatchers = watch.stopAll;
    this.server.addService(
      service('rulecenter/v1/watch.proto', 'rulecenter.v1.RuleWatchService'),
      guard('watch', 'rulecenter.v1.RuleWatchService', watch.handlers),
    );
    const rls = 'envoy.service.ratelimit.v3.RateLimitService';
    this.server.addService(
      shedBeforeDecode(
        service('envoy/service/ratelimit/v3/rls.proto', rls),
        [{ method: 'ShouldRateLimit', itemsField: 2 }],
        batchRoom,
        options.limits.maxBatch,
      ),
      guard(
        'decide',
        rls,
        envoyRlsHandlers(services.decisions, services.live, options.rls, options.limits),
      ),
    );
    // Health stays open: load balancers and orchestrators probe without credentials.
    const health = healthHandlers(services.readiness, options.maxHealthWatchers);
    this.stopHealthWatchers = health.stopAll;
    this.server.addService(
      service('grpc/health/v1/health.proto', 'grpc.health.v1.Health'),
      health.handlers,
    );
  }

  private credentials(): ServerCredentials {
    const tls = this.options.tls;
    if (!tls) return ServerCredentials.createInsecure();
    return new PolicyServerCredentials(
      { ...TLS_SERVER_POLICY, requestCert: tls.clientCa !== undefined, rejectUnauthorized: true },
      { cert: tls.cert, key: tls.key, ca: tls.clientCa },
    );
  }

  get port(): number {
    return this.boundPort;
  }

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(
        `${this.options.host}:${this.options.port}`,
        this.credentials(),
        (error, port) => {
          if (error)
            return reject(
              new Error(
                `gRPC could not listen on ${this.options.host}:${this.options.port}: ${error.message}`,
              ),
            );
          this.boundPort = port;
          this.logger.info({ port }, 'gRPC listening');
          resolve(port);
        },
      );
    });
  }

  /**
   * Ends watch streams (UNAVAILABLE), stops reading DecideStreams (each ends with UNAVAILABLE once
   * what it read is answered), stops accepting calls and lets in-flight ones finish, for at most
   * `graceMs`.
   */
  stop(graceMs: number): Promise<void> {
    this.stopWatchers();
    this.stopDecideStreams();
    this.stopHealthWatchers();
    return new Promise((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      force.unref();
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
