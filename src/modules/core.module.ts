import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { RootLogger } from '../observability/root-logger';

/** What every module reads: the validated config, the root logger and the metrics registry. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, root: RootLogger): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: RootLogger, useValue: root },
        MetricsService,
      ],
      exports: [AppConfig, RootLogger, MetricsService],
    };
  }
}
