import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { EtcdConfigStore } from './adapters/etcd/etcd-config.store';
import { FileSnapshotStore } from './adapters/file/file-snapshot.store';
import { AppConfig } from './config/app-config';
import { RedisCounterStore } from './adapters/redis/redis-counter.store';
import { LocalLimiter } from './domain/local-limiter';
import { LifecycleService } from './app.lifecycle';
import { CounterStore } from './ports/counter-store.port';
import { DecisionService } from './services/decision.service';
import { RedisTrafficStore } from './adapters/redis/redis-traffic.store';
import { TrafficStore } from './ports/traffic-store.port';
import { TrafficService } from './services/traffic.service';
import { BreakerService } from './services/breaker.service';
import { BreakerStore } from './ports/breaker-store.port';
import { BreakersController } from './transport/http/breakers.controller';
import { ReadinessService } from './services/readiness.service';
import { GrpcServer } from './transport/grpc/grpc-server';
import { WatchHub } from './services/watch-hub';
import { MetricsService } from './observability/metrics.service';
import { RootLogger } from './observability/root-logger';
import { ConfigStore } from './ports/config-store.port';
import { SnapshotStore } from './ports/snapshot-store.port';
import { STRICT_VALIDATION } from './schema/validate';
import { AuditService } from './services/audit.service';
import { RuleAdminService } from './services/rule-admin.service';
import { RuleIndexService } from './services/rule-index.service';
import { RuleTransferService } from './services/rule-transfer.service';
import { AuditController } from './transport/http/audit.controller';
import { ExplainController } from './transport/http/explain.controller';
import { SessionController } from './transport/http/session.controller';
import { TransferController } from './transport/http/transfer.controller';
import { AuthGuard } from './transport/http/auth.guard';
import { BoundedValidationPipe } from './transport/http/bounded-validation.pipe';
import { HttpExceptionFilter } from './transport/http/http-exception.filter';
import { OperationsController } from './transport/http/operations.controller';
import { OpsListener } from './transport/http/ops-listener';
import { RulesController } from './transport/http/rules.controller';
import { WindowsController } from './transport/http/windows.controller';
import { ScheduleController } from './transport/http/schedule.controller';
import { TrafficController } from './transport/http/traffic.controller';
import { AuditRestoreService } from './services/audit-restore.service';
import { ScheduleService } from './services/schedule.service';

/** The traffic API reads at most this far back (docs: 15 minutes). */
const TRAFFIC_RETENTION_SECONDS = 900;

/** The composition root: picks the adapters and wires services from the validated config. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, root: RootLogger): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        RulesController,
        WindowsController,
        SessionController,
        ExplainController,
        TransferController,
        AuditController,
        BreakersController,
        ScheduleController,
        TrafficController,
        OperationsController,
      ],
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: RootLogger, useValue: root },
        MetricsService,
        {
          provide: ConfigStore,
          inject: [MetricsService],
          useFactory: (metrics: MetricsService) =>
            new EtcdConfigStore({
              endpoints: config.etcdEndpoints,
              prefix: config.etcdPrefix,
              requestTimeoutMs: config.etcdRequestTimeoutMs,
              username: config.etcdUsername,
              password: config.etcdPassword,
              tls: config.etcdTls,
              onError: (operation) => metrics.etcdErrors.inc({ operation }),
            }),
        },
        { provide: SnapshotStore, useFactory: () => new FileSnapshotStore(config.snapshotPath) },
        {
          provide: RuleIndexService,
          inject: [ConfigStore, SnapshotStore, MetricsService],
          useFactory: (store: ConfigStore, snapshots: SnapshotStore, metrics: MetricsService) =>
            new RuleIndexService(store, snapshots, metrics, root.child('rule-index'), {
              watchdogMs: config.etcdWatchdogMs,
            }),
        },
        {
          provide: RuleAdminService,
          inject: [ConfigStore, RuleIndexService],
          useFactory: (store: ConfigStore, live: RuleIndexService) =>
            new RuleAdminService(store, live, {
              writeVisibilityTimeoutMs: config.writeVisibilityTimeoutMs,
            }),
        },
        {
          provide: RuleTransferService,
          inject: [ConfigStore, RuleIndexService],
          useFactory: (store: ConfigStore, live: RuleIndexService) =>
            new RuleTransferService(store, live, {
              maxTxnOps: config.etcdMaxTxnOps,
              writeVisibilityTimeoutMs: config.writeVisibilityTimeoutMs,
            }),
        },
        {
          provide: AuditService,
          inject: [ConfigStore],
          useFactory: (store: ConfigStore) =>
            new AuditService(
              store,
              {
                retentionCount: config.auditRetentionCount,
                retentionDays: config.auditRetentionDays,
                maxTxnOps: config.etcdMaxTxnOps,
              },
              root.child('audit'),
            ),
        },
        {
          provide: AuditRestoreService,
          inject: [ConfigStore, RuleAdminService],
          useFactory: (store: ConfigStore, admin: RuleAdminService) =>
            new AuditRestoreService(store, admin),
        },
        {
          provide: ScheduleService,
          inject: [RuleIndexService],
          useFactory: (live: RuleIndexService) => new ScheduleService(live),
        },
        {
          provide: CounterStore,
          inject: [MetricsService],
          useFactory: (metrics: MetricsService) =>
            new RedisCounterStore({
              url: config.redisUrl,
              clusterNodes: config.redisClusterNodes,
              timeoutMs: config.redisTimeoutMs,
              keyPrefix: config.redisKeyPrefix,
              onError: (operation) => metrics.redisErrors.inc({ operation }),
            }),
        },
        {
          provide: DecisionService,
          inject: [RuleIndexService, CounterStore, MetricsService, BreakerService, TrafficService],
          useFactory: (
            live: RuleIndexService,
            counters: CounterStore,
            metrics: MetricsService,
            breakers: BreakerService,
            traffic: TrafficService,
          ) => {
            const decisions = new DecisionService(
              live,
              counters,
              new LocalLimiter(Date.now),
              {
                record: (decision, elapsedMs) => {
                  metrics.decisions.record(decision, elapsedMs);
                  traffic.record(decision);
                },
              },
              {
                noRuleVerdict: config.noRuleVerdict,
                maxHits: config.maxHits,
                maxBatch: config.maxBatch,
                maxAtSkewMs: config.atMaxSkewMs,
                maxInFlight: config.maxInFlight,
                streamCoalesceMs: config.decideStreamCoalesceMs,
              },
              breakers,
            );
            metrics.decisions.readInFlightFrom(() => decisions.inFlightDecisions);
            return decisions;
          },
        },
        {
          provide: TrafficStore,
          inject: [MetricsService],
          useFactory: (metrics: MetricsService) =>
            new RedisTrafficStore({
              url: config.redisUrl,
              clusterNodes: config.redisClusterNodes,
              timeoutMs: config.redisTimeoutMs,
              keyPrefix: config.redisKeyPrefix,
              retentionSeconds: TRAFFIC_RETENTION_SECONDS,
              onError: (operation) => metrics.redisErrors.inc({ operation }),
            }),
        },
        {
          provide: TrafficService,
          inject: [TrafficStore],
          useFactory: (store: TrafficStore) =>
            new TrafficService(store, root.child('traffic'), {
              flushIntervalMs: config.trafficFlushMs,
              maxSeries: 20,
              topRules: 10,
            }),
        },
        { provide: BreakerStore, useExisting: CounterStore },
        {
          provide: BreakerService,
          inject: [RuleIndexService, BreakerStore, ConfigStore, MetricsService],
          useFactory: (
            live: RuleIndexService,
            breakers: BreakerStore,
            store: ConfigStore,
            metrics: MetricsService,
          ) =>
            new BreakerService(live, breakers, store, metrics, root.child('breaker'), {
              maxOutcomes: config.maxOutcomes,
              maxInFlight: config.maxInFlight,
              maxLatencyMs: config.maxLatencyMs,
              writeVisibilityTimeoutMs: config.writeVisibilityTimeoutMs,
            }),
        },
        {
          provide: ReadinessService,
          inject: [RuleIndexService, CounterStore, MetricsService],
          useFactory: (live: RuleIndexService, counters: CounterStore, metrics: MetricsService) =>
            new ReadinessService(live, counters, metrics, root.child('readiness')),
        },
        {
          provide: WatchHub,
          inject: [RuleIndexService, ConfigStore, BreakerService],
          useFactory: (live: RuleIndexService, store: ConfigStore, breakers: BreakerService) =>
            new WatchHub(live, store, breakers, root.child('watch'), {
              historySize: config.watchHistory,
              catchUpTimeoutMs: config.writeVisibilityTimeoutMs,
              maxWatchers: config.maxWatchers,
            }),
        },
        {
          provide: GrpcServer,
          inject: [DecisionService, ReadinessService, BreakerService, WatchHub, RuleIndexService],
          useFactory: (
            decisions: DecisionService,
            readiness: ReadinessService,
            breakers: BreakerService,
            hub: WatchHub,
            live: RuleIndexService,
          ) =>
            new GrpcServer(
              {
                host: config.grpcHost,
                port: config.grpcPort,
                maxMessageBytes: config.bodyLimitBytes,
                watchMaxPending: config.watchMaxPending,
                streamMaxInFlight: config.decideStreamMaxInFlight,
                maxHealthWatchers: config.maxHealthWatchers,
                maxStreamsPerConnection: config.grpcMaxStreamsPerConnection,
                rls: config.rls,
                callers: config.grpcCallers,
                tls: config.tls,
                limits: {
                  maxHits: config.maxHits,
                  maxAtSkewMs: config.atMaxSkewMs,
                  noRuleVerdict: config.noRuleVerdict,
                  maxBatch: config.maxBatch,
                },
              },
              { decisions, readiness, breakers, hub, live },
              root.child('grpc'),
            ),
        },
        LifecycleService,
        OpsListener,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useFactory: () => new HttpExceptionFilter(root.child('http')) },
        {
          provide: APP_PIPE,
          useValue: new BoundedValidationPipe({ ...STRICT_VALIDATION, transform: true }),
        },
      ],
    };
  }
}
