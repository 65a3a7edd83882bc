import { Controller, Get, Header, HttpException, HttpStatus } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { MetricsService } from '../../observability/metrics.service';
import { Readiness, ReadinessService } from '../../services/readiness.service';

/** Liveness, readiness and Prometheus metrics; public, outside the versioned API. */
@ApiExcludeController()
@Controller()
export class OperationsController {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('healthz')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready when etcd is synced, Redis answers and the instance is not shutting down; 503 names what is not. */
  @Get('readyz')
  ready(): Readiness & { status: 'ready' } {
    const readiness = this.readiness.status();
    if (!readiness.ready) {
      throw new HttpException(
        {
          statusCode: 503,
          error: 'Service Unavailable',
          message: readiness.problems,
          ...readiness,
        },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    return { status: 'ready', ...readiness };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
