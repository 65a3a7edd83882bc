import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import type { Request } from 'express';
import { Observable, tap } from 'rxjs';
import type { Logger } from '../../observability/logger';
import { RootLogger } from '../../observability/root-logger';

/**
 * Remembers the last answer per probe (`/readyz`, `/readyz?strict=true`) and says when it changed:
 * `not-ready` when the problems differ from the last ones seen, `ready` when the probe passes
 * after having failed, undefined when nothing changed.
 */
export class ReadinessTransitions {
  private readonly last = new Map<string, string>();

  observe(probe: string, problems: string[] | undefined): 'ready' | 'not-ready' | undefined {
    const state = problems ? JSON.stringify(problems) : 'ready';
    const before = this.last.get(probe);
    this.last.set(probe, state);
    if (state === before) return undefined;
    if (!problems) return before === undefined ? undefined : 'ready';
    return 'not-ready';
  }
}

function problemsOf(error: unknown): string[] {
  if (error instanceof HttpException) {
    const response = error.getResponse() as { message?: unknown } | string;
    const message = typeof response === 'string' ? response : response.message;
    if (Array.isArray(message)) return message.map(String);
    if (message !== undefined) return [String(message)];
  }
  return [error instanceof Error ? error.message : String(error)];
}

/**
 * A failing /readyz is an answer, not an error: it is logged once per change (a warning naming
 * the problems, then one line when it is ready again), not on every probe.
 */
@Injectable()
export class ReadinessLogInterceptor implements NestInterceptor {
  private readonly transitions = new ReadinessTransitions();
  private readonly logger: Logger;

  constructor(root: RootLogger) {
    this.logger = root.child('readiness');
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    if (request.path !== '/readyz') return next.handle();
    const probe = request.query.strict === 'true' ? '/readyz?strict=true' : '/readyz';
    const log = (problems: string[] | undefined) => {
      const change = this.transitions.observe(probe, problems);
      if (change === 'not-ready') this.logger.warn({ probe, problems }, 'instance not ready');
      if (change === 'ready') this.logger.info({ probe }, 'instance ready again');
    };
    return next
      .handle()
      .pipe(tap({ next: () => log(undefined), error: (error: unknown) => log(problemsOf(error)) }));
  }
}
