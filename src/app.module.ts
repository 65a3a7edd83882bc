import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { CoreModule } from './modules/core.module';
import { DecisionsModule } from './modules/decisions.module';
import { RulesModule } from './modules/rules.module';
import { ServingModule } from './modules/serving.module';
import { RootLogger } from './observability/root-logger';

/**
 * The composition root: one module per part of the service, each picking its adapters and
 * wiring its services from the validated config (CoreModule hands the config, the root logger
 * and the metrics to all of them).
 * - RulesModule: etcd store, live rule index, rule/window/import/audit/schedule admin (REST).
 * - DecisionsModule: Redis counters and breakers, the decision hot path, live traffic (REST).
 * - ServingModule: gRPC server, readiness and ops endpoints, the REST pipeline, start/stop order.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, root: RootLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config, root), RulesModule, DecisionsModule, ServingModule],
    };
  }
}
