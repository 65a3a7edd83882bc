import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { DomainError, DomainErrorCode } from '../../domain/errors';
import type { Logger } from '../../observability/logger';

const STATUS: Record<DomainErrorCode, number> = {
  VALIDATION_FAILED: 400,
  WINDOW_MISSING: 400,
  IMPORT_TOO_LARGE: 400,
  RULE_NOT_FOUND: 404,
  WINDOW_NOT_FOUND: 404,
  RULE_EXISTS: 409,
  WINDOW_EXISTS: 409,
  WINDOW_IN_USE: 409,
  WINDOW_BUILTIN: 409,
  BREAKER_DISABLED: 409,
  REVISION_CONFLICT: 409,
  PRECONDITION_REQUIRED: 428,
  STORE_UNAVAILABLE: 503,
  REVISION_AHEAD: 400,
  NOT_CAUGHT_UP: 503,
  OVERLOADED: 429,
  SCHEMA_TOO_NEW: 503,
  SCHEMA_TOO_OLD: 503,
  AUDIT_NOT_FOUND: 404,
  AUDIT_NOT_RESTORABLE: 409,
};

export interface ErrorBody {
  statusCode: number;
  error: string;
  code?: string;
  message: string | string[];
}

/** Body-parser errors (malformed JSON, too large) arrive as plain errors carrying a status. */
interface ParserError {
  status?: number;
  type?: string;
  message?: string;
}

export function errorBody(exception: unknown): ErrorBody {
  if (exception instanceof DomainError) {
    const statusCode = STATUS[exception.code];
    const message = exception.details.length ? [...exception.details] : exception.message;
    return {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      code: exception.code,
      message,
    };
  }
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'object' && response !== null) {
      // Keep extra fields a handler chose to send (e.g. readiness details).
      const fields = response as Partial<ErrorBody> & Record<string, unknown>;
      return {
        ...fields,
        statusCode,
        error: STATUS_CODES[statusCode] ?? 'Error',
        message: fields.message ?? exception.message,
      };
    }
    return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message: exception.message };
  }
  const parser = exception as ParserError;
  if (parser?.type === 'entity.parse.failed') {
    return {
      statusCode: 400,
      error: 'Bad Request',
      code: 'MALFORMED_JSON',
      message: `request body is not valid JSON: ${parser.message}`,
    };
  }
  if (parser?.type === 'entity.too.large') {
    return {
      statusCode: 413,
      error: 'Payload Too Large',
      code: 'BODY_TOO_LARGE',
      message: 'request body exceeds the configured limit (BODY_LIMIT_BYTES)',
    };
  }
  if (typeof parser?.status === 'number' && parser.status >= 400 && parser.status < 500) {
    return {
      statusCode: parser.status,
      error: STATUS_CODES[parser.status] ?? 'Error',
      message: parser.message ?? 'bad request',
    };
  }
  return {
    statusCode: 500,
    error: 'Internal Server Error',
    message: 'unexpected error; see the service log',
  };
}

/** The one place HTTP statuses are chosen: domain codes, Nest exceptions, parser errors. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = errorBody(exception);
    // A DomainError or an HttpException is an answer a handler chose (503 STORE_UNAVAILABLE, a
    // failing /readyz); only what nobody handled is logged, with its stack.
    if (
      body.statusCode >= HttpStatus.INTERNAL_SERVER_ERROR &&
      !(exception instanceof DomainError) &&
      !(exception instanceof HttpException)
    ) {
      this.logger.error({ err: exception }, 'unhandled error in HTTP handler');
    }
    response.status(body.statusCode).json(body);
  }
}
