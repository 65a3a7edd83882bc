import {
  BeforeApplicationShutdown,
  Injectable,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from './config/app-config';
import { KEYS } from './domain/keys';
import { RootLogger } from './observability/root-logger';
import { ConfigStore } from './ports/config-store.port';
import { CounterStore } from './ports/counter-store.port';
import { AuditService } from './services/audit.service';
import { BreakerService } from './services/breaker.service';
import { ReadinessService } from './services/readiness.service';
import { RuleIndexService } from './services/rule-index.service';
import { TrafficService } from './services/traffic.service';
import { GrpcServer } from './transport/grpc/grpc-server';

const AUDIT_PRUNE_INTERVAL_MS = 60_000;
const REGISTER_RETRY_MS = 2_000;

/**
 * Start order: rules first (so no decision is made on an empty index), then the instance
 * registration, readiness probes and the gRPC port. Shutdown: report not ready, drain gRPC,
 * then release etcd and Redis.
 */
@Injectable()
export class LifecycleService
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private pruneTimer?: NodeJS.Timeout;
  private registration?: { close(): Promise<void> };
  /** The registration loop, awaited at shutdown so a lease granted meanwhile is revoked too. */
  private registering?: Promise<void>;
  private readonly stopping = new AbortController();
  private readonly logger;

  constructor(
    private readonly config: AppConfig,
    private readonly live: RuleIndexService,
    private readonly audit: AuditService,
    private readonly store: ConfigStore,
    private readonly counters: CounterStore,
    private readonly readiness: ReadinessService,
    private readonly grpc: GrpcServer,
    private readonly breakers: BreakerService,
    private readonly traffic: TrafficService,
    root: RootLogger,
  ) {
    this.logger = root.child('lifecycle');
  }

  async onApplicationBootstrap(): Promise<void> {
    const prune = () => this.breakers.pruneStateSeries();
    this.live.listen({ changed: prune, relisted: prune });
    this.breakers.listenToPeers();
    await this.live.start();
    await this.readiness.start();
    this.traffic.start();
    await this.grpc.start();
    this.registering = this.register();
    this.pruneTimer = setInterval(() => {
      this.audit
        .prune()
        .catch((error: unknown) =>
          this.logger.warn({ err: String(error) }, 'audit pruning failed; will retry'),
        );
    }, AUDIT_PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.readiness.markShuttingDown();
    await this.grpc.stop(this.config.shutdownGraceMs);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.pruneTimer);
    this.readiness.stop();
    await this.registering;
    await this.registration?.close();
    await this.live.stop();
    await this.store.close();
    await this.traffic.stop();
    await this.counters.close();
  }

  /** instances/{id} on an etcd lease: peers count each other for the fail-open share. */
  private async register(): Promise<void> {
    const value = JSON.stringify({
      host: hostname(),
      grpcPort: this.grpc.port || this.config.grpcPort,
      httpPort: this.config.httpPort,
      startedAt: new Date().toISOString(),
      version: this.config.version,
    });
    while (!this.stopping.signal.aborted) {
      try {
        this.registration = await this.store.registerEphemeral(
          KEYS.instance(this.config.instanceId),
          value,
          this.config.instanceTtlSeconds,
        );
        return;
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        this.logger.warn({ err: String(error) }, 'instance registration failed; retrying');
        await sleep(REGISTER_RETRY_MS, undefined, { signal: this.stopping.signal }).catch(
          () => undefined,
        );
      }
    }
  }
}
