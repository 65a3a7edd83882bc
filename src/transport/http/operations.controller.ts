import { Controller, Get, Header, HttpException, HttpStatus, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { MetricsService } from '../../observability/metrics.service';
import { Readiness, ReadinessService } from '../../services/readiness.service';
import { ReadinessQueryDto } from './dto/queries.dto';

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

  /**
   * 200 while this instance can answer decisions (rules loaded, not shutting down), with
   * `degraded` naming each shared dependency in trouble; `?strict=true` also needs etcd synced and
   * Redis reachable. 503 names what is missing.
   */
  @Get('readyz')
  ready(@Query() query: ReadinessQueryDto): Readiness & { status: 'ready' } {
    const readiness = this.readiness.status();
    const strict = query.strict === 'true';
    if (strict ? !readiness.strictReady : !readiness.ready) {
      throw new HttpException(
        {
          statusCode: 503,
          error: 'Service Unavailable',
          message: strict ? [...readiness.problems, ...readiness.degraded] : readiness.problems,
          status: 'not ready',
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
