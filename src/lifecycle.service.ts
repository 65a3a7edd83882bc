import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigStore } from './ports/config-store.port';
import { AuditService } from './services/audit.service';
import { RuleIndexService } from './services/rule-index.service';
import { RootLogger } from './observability/root-logger';

const AUDIT_PRUNE_INTERVAL_MS = 60_000;

/** Starts the rule index before the ports open and stops everything in order on shutdown. */
@Injectable()
export class LifecycleService implements OnApplicationBootstrap, OnApplicationShutdown {
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly live: RuleIndexService,
    private readonly audit: AuditService,
    private readonly store: ConfigStore,
    private readonly root: RootLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.live.start();
    this.pruneTimer = setInterval(() => {
      this.audit
        .prune()
        .catch((error: unknown) =>
          this.root.logger.warn({ err: String(error) }, 'audit pruning failed; will retry'),
        );
    }, AUDIT_PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.live.stop();
    await this.store.close();
  }
}
