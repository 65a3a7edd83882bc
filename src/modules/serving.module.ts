import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LifecycleService } from '../app.lifecycle';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { RootLogger } from '../observability/root-logger';
import { ConfigStore } from '../ports/config-store.port';
import { CounterStore } from '../ports/counter-store.port';
import { STRICT_VALIDATION } from '../schema/validate';
import { BreakerService } from '../services/breaker.service';
import { DecisionService } from '../services/decision.service';
import { ReadinessService } from '../services/readiness.service';
import { RuleIndexService } from '../services/rule-index.service';
import { WatchHub } from '../services/watch-hub';
import { GrpcServer } from '../transport/grpc/grpc-server';
import { AuthGuard } from '../transport/http/auth.guard';
import { BoundedValidationPipe } from '../transport/http/bounded-validation.pipe';
import { HttpExceptionFilter } from '../transport/http/http-exception.filter';
import { OperationsController } from '../transport/http/operations.controller';
import { OpsListener } from '../transport/http/ops-listener';
import { DecisionsModule } from './decisions.module';
import { RulesModule } from './rules.module';

/**
 * How the instance is reached and run: the gRPC server (decisions, WatchRules, Envoy RLS,
 * health), readiness and the ops endpoints, the REST pipeline every controller shares (auth,
 * validation, errors), and the start/stop order (app.lifecycle.ts).
 */
@Module({
  imports: [RulesModule, DecisionsModule],
  controllers: [OperationsController],
  providers: [
    {
      provide: ReadinessService,
      inject: [RootLogger, RuleIndexService, CounterStore, MetricsService],
      useFactory: (
        root: RootLogger,
        live: RuleIndexService,
        counters: CounterStore,
        metrics: MetricsService,
      ) => new ReadinessService(live, counters, metrics, root.child('readiness')),
    },
    {
      provide: WatchHub,
      inject: [AppConfig, RootLogger, RuleIndexService, ConfigStore, BreakerService],
      useFactory: (
        config: AppConfig,
        root: RootLogger,
        live: RuleIndexService,
        store: ConfigStore,
        breakers: BreakerService,
      ) =>
        new WatchHub(live, store, breakers, root.child('watch'), {
          historySize: config.watchHistory,
          catchUpTimeoutMs: config.writeVisibilityTimeoutMs,
          maxWatchers: config.maxWatchers,
        }),
    },
    {
      provide: GrpcServer,
      inject: [
        AppConfig,
        RootLogger,
        DecisionService,
        ReadinessService,
        BreakerService,
        WatchHub,
        RuleIndexService,
      ],
      useFactory: (
        config: AppConfig,
        root: RootLogger,
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
    {
      provide: APP_FILTER,
      inject: [RootLogger],
      useFactory: (root: RootLogger) => new HttpExceptionFilter(root.child('http')),
    },
    {
      provide: APP_PIPE,
      useValue: new BoundedValidationPipe({ ...STRICT_VALIDATION, transform: true }),
    },
  ],
})
export class ServingModule {}
