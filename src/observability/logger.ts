import pino, { Logger } from 'pino';

export type { Logger };

/** The root pino logger: JSON lines, ISO time, secrets redacted. */
export function createRootLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'rule-center' },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
