import type { Logger } from 'pino';

/** DI handle for the root pino logger (a class so it can be a Nest token). */
export class RootLogger {
  constructor(readonly logger: Logger) {}

  child(component: string): Logger {
    return this.logger.child({ component });
  }
}
