import { Module } from '@nestjs/common';
import { EtcdConfigStore } from '../adapters/etcd/etcd-config.store';
import { FileSnapshotStore } from '../adapters/file/file-snapshot.store';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { RootLogger } from '../observability/root-logger';
import { ConfigStore } from '../ports/config-store.port';
import { SnapshotStore } from '../ports/snapshot-store.port';
import { AuditRestoreService } from '../services/audit-restore.service';
import { AuditService } from '../services/audit.service';
import { RuleAdminService } from '../services/rule-admin.service';
import { RuleIndexService } from '../services/rule-index.service';
import { RuleTransferService } from '../services/rule-transfer.service';
import { ScheduleService } from '../services/schedule.service';
import { AuditController } from '../transport/http/audit.controller';
import { ExplainController } from '../transport/http/explain.controller';
import { RulesController } from '../transport/http/rules.controller';
import { ScheduleController } from '../transport/http/schedule.controller';
import { SessionController } from '../transport/http/session.controller';
import { TransferController } from '../transport/http/transfer.controller';
import { WindowsController } from '../transport/http/windows.controller';

/**
 * Rules as stored and as served: the etcd store, the live index every instance keeps, and the
 * admin side (rules, windows, import/export, audit, schedule) with its REST controllers.
 */
@Module({
  controllers: [
    RulesController,
    WindowsController,
    SessionController,
    ExplainController,
    TransferController,
    AuditController,
    ScheduleController,
  ],
  providers: [
    {
      provide: ConfigStore,
      inject: [AppConfig, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService) =>
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
    {
      provide: SnapshotStore,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new FileSnapshotStore(config.snapshotPath),
    },
    {
      provide: RuleIndexService,
      inject: [AppConfig, RootLogger, ConfigStore, SnapshotStore, MetricsService],
      useFactory: (
        config: AppConfig,
        root: RootLogger,
        store: ConfigStore,
        snapshots: SnapshotStore,
        metrics: MetricsService,
      ) =>
        new RuleIndexService(store, snapshots, metrics, root.child('rule-index'), {
          watchdogMs: config.etcdWatchdogMs,
        }),
    },
    {
      provide: RuleAdminService,
      inject: [AppConfig, ConfigStore, RuleIndexService],
      useFactory: (config: AppConfig, store: ConfigStore, live: RuleIndexService) =>
        new RuleAdminService(store, live, {
          writeVisibilityTimeoutMs: config.writeVisibilityTimeoutMs,
        }),
    },
    {
      provide: RuleTransferService,
      inject: [AppConfig, ConfigStore, RuleIndexService],
      useFactory: (config: AppConfig, store: ConfigStore, live: RuleIndexService) =>
        new RuleTransferService(store, live, {
          maxTxnOps: config.etcdMaxTxnOps,
          writeVisibilityTimeoutMs: config.writeVisibilityTimeoutMs,
        }),
    },
    {
      provide: AuditService,
      inject: [AppConfig, RootLogger, ConfigStore],
      useFactory: (config: AppConfig, root: RootLogger, store: ConfigStore) =>
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
  ],
  exports: [ConfigStore, RuleIndexService, AuditService],
})
export class RulesModule {}
