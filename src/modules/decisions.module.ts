import { Module } from '@nestjs/common';
import { RedisCounterStore } from '../adapters/redis/redis-counter.store';
import { RedisTrafficStore } from '../adapters/redis/redis-traffic.store';
import { AppConfig } from '../config/app-config';
import { LocalLimiter } from '../domain/local-limiter';
import { MetricsService } from '../observability/metrics.service';
import { RootLogger } from '../observability/root-logger';
import { BreakerStore } from '../ports/breaker-store.port';
import { ConfigStore } from '../ports/config-store.port';
import { CounterStore } from '../ports/counter-store.port';
import { TrafficStore } from '../ports/traffic-store.port';
import { BreakerService } from '../services/breaker.service';
import { DecisionService } from '../services/decision.service';
import { RuleIndexService } from '../services/rule-index.service';
import { TrafficService } from '../services/traffic.service';
import { BreakersController } from '../transport/http/breakers.controller';
import { TrafficController } from '../transport/http/traffic.controller';
import { RulesModule } from './rules.module';

/** The traffic API reads at most this far back (docs: 15 minutes). */
const TRAFFIC_RETENTION_SECONDS = 900;

/** Where Redis is and how its calls are bounded, the same for counters and the traffic tally. */
const redisConnection = (config: AppConfig, metrics: MetricsService) => ({
  url: config.redisUrl,
  clusterNodes: config.redisClusterNodes,
  timeoutMs: config.redisTimeoutMs,
  keyPrefix: config.redisKeyPrefix,
  onError: (operation: string) => metrics.redisErrors.inc({ operation }),
});

/**
 * Deciding: the Redis counters and breakers, the decision service on the hot path, and what
 * watches it (breakers opened by reported outcomes, the live traffic tally) with their REST views.
 */
@Module({
  imports: [RulesModule],
  controllers: [BreakersController, TrafficController],
  providers: [
    {
      provide: CounterStore,
      inject: [AppConfig, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService) =>
        new RedisCounterStore(redisConnection(config, metrics)),
    },
    { provide: BreakerStore, useExisting: CounterStore },
    {
      provide: TrafficStore,
      inject: [AppConfig, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService) =>
        new RedisTrafficStore({
          ...redisConnection(config, metrics),
          retentionSeconds: TRAFFIC_RETENTION_SECONDS,
        }),
    },
    {
      provide: TrafficService,
      inject: [AppConfig, RootLogger, TrafficStore],
      useFactory: (config: AppConfig, root: RootLogger, store: TrafficStore) =>
        new TrafficService(store, root.child('traffic'), {
          flushIntervalMs: config.trafficFlushMs,
          maxSeries: 20,
          topRules: 10,
        }),
    },
    {
      provide: BreakerService,
      inject: [AppConfig, RootLogger, RuleIndexService, BreakerStore, ConfigStore, MetricsService],
      useFactory: (
        config: AppConfig,
        root: RootLogger,
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
      provide: DecisionService,
      inject: [
        AppConfig,
        RuleIndexService,
        CounterStore,
        MetricsService,
        BreakerService,
        TrafficService,
      ],
      useFactory: (
        config: AppConfig,
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
  ],
  exports: [CounterStore, DecisionService, BreakerService, TrafficService],
})
export class DecisionsModule {}
