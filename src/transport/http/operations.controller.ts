import { Controller, Get, Header, HttpException, HttpStatus } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { MetricsService } from '../../observability/metrics.service';
import { IndexStatus, RuleIndexService } from '../../services/rule-index.service';

/** Liveness, readiness and Prometheus metrics; public, outside the versioned API. */
@ApiExcludeController()
@Controller()
export class OperationsController {
  constructor(
    private readonly live: RuleIndexService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('healthz')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready when the rule index is listed from etcd and its watch is connected. */
  @Get('readyz')
  ready(): { status: 'ready'; etcd: IndexStatus } {
    const etcd = this.live.status();
    if (!etcd.synced) {
      throw new HttpException(
        {
          statusCode: 503,
          error: 'Service Unavailable',
          message: [
            `etcd: not synced (${etcd.lastError ?? 'starting'}); serving rules from ${etcd.source} at revision ${etcd.revision}`,
          ],
          etcd,
        },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    return { status: 'ready', etcd };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
