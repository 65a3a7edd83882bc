import { INestApplication, applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiResponse,
  DocumentBuilder,
  OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { CreateRuleDto, RuleBodyDto, RuleIdentityDto } from '../../schema/rule.schema';
import { CreateWindowDto, WindowSpecDto } from '../../schema/window.schema';
import { SetBreakerModeDto } from './dto/breaker-mode.dto';
import { ImportDocumentDto } from './dto/import.dto';
import * as queries from './dto/queries.dto';
import { ErrorBodyDto } from './dto/responses.dto';
import { documentValidatedClasses } from './validated-schema';

const WHY: Record<number, string> = {
  400: 'Validation failed: `message` has one line per problem, each naming its field',
  401: 'No bearer token, or an unknown one',
  403: "The token's role may not do this (viewer < editor < admin)",
  404: 'No such rule, window, breaker or audit record',
  409: 'Conflict: the revision in If-Match is not the current one (REVISION_CONFLICT), or the change is refused in the current state (exists, in use, built in)',
  413: 'Body larger than BODY_LIMIT_BYTES',
  428: 'If-Match is required',
  429: 'Too many failed logins from this address (Retry-After says when to try again)',
  503: 'etcd or Redis is unavailable, or this instance has not caught up yet; nothing was written',
};

/**
 * The error answers of an operation, all with the one error body of the exception filter.
 * Every authenticated operation can answer 401, 403 and 429, so they are always listed.
 */
export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(
    ApiBearerAuth(),
    ...[...new Set([401, 403, 429, ...statuses])]
      .sort()
      .map((status) => ApiResponse({ status, description: WHY[status], type: ErrorBodyDto })),
  );

/** `If-Match: "<revision>"`: the ETag read last; a write with a stale one answers 409. */
export const ApiIfMatch = (
  required = true,
  description = 'The ETag (revision) read last, e.g. "42"',
) =>
  ApiHeader({
    name: 'If-Match',
    required,
    description,
    schema: { type: 'string', pattern: '^\\s*(W/)?"?\\d{1,15}"?\\s*$' },
  });

/** The ETag response header: the entry's etcd revision, quoted. */
export const ETAG = {
  ETag: {
    description: 'The revision, quoted ("42"): send it back in If-Match',
    schema: { type: 'string' },
  },
};

export const BEARER_DESCRIPTION =
  'An opaque token from the AUTH_TOKENS setting (name:role:token), sent as "Authorization: Bearer <token>". Tokens are random secrets looked up by digest, not JWTs; the role is viewer (read), editor (rules and windows) or admin (breakers, import, audit).';

/** The OpenAPI document of the REST API, as served at /api/docs-json. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  documentValidatedClasses([
    ...Object.values(queries),
    RuleIdentityDto,
    RuleBodyDto,
    CreateRuleDto,
    WindowSpecDto,
    CreateWindowDto,
    ImportDocumentDto,
    SetBreakerModeDto,
  ]);
  const config = new DocumentBuilder()
    .setTitle('Rule Center admin API')
    .setDescription(
      'Rate-limit rules, time windows, schedule, explain, live traffic, breakers, import/export and audit. Errors answer with one body: {statusCode, error, code?, message}. See README.md.',
    )
    .setVersion('v1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'opaque',
      description: BEARER_DESCRIPTION,
    })
    .build();
  return SwaggerModule.createDocument(app, config);
}
