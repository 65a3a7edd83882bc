import { Delete, Get, HttpCode, Post, Put, Type, applyDecorators } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRole } from './auth.guard';
import { etagOf } from './if-match';
import { ApiErrors, ApiIfMatch, ETAG } from './openapi';

/**
 * The routes of an entry editors change under optimistic concurrency (rules, windows): each one
 * its method, role, If-Match contract, answer and error statuses, declared once for both.
 */

/** GET of one entry: the entry, its revision as the ETag. */
export const GetRoute = (path: string, view: Type) =>
  applyDecorators(
    Get(path),
    RequireRole('viewer'),
    ApiOkResponse({ type: view, headers: ETAG }),
    ApiErrors(400, 404),
  );

/** POST: creates the entry; 201 with its ETag and Location. */
export const CreateRoute = (view: Type, what: string) =>
  applyDecorators(
    Post(),
    RequireRole('editor'),
    ApiCreatedResponse({
      type: view,
      headers: {
        ...ETAG,
        Location: { description: `The new ${what}`, schema: { type: 'string' } },
      },
    }),
    ApiErrors(400, 409, 413, 503),
  );

/** PUT: replaces the entry's body; If-Match must name its current revision. */
export const ReplaceRoute = (path: string, view: Type) =>
  applyDecorators(
    Put(path),
    RequireRole('editor'),
    ApiIfMatch(),
    ApiOkResponse({ type: view, headers: ETAG }),
    ApiErrors(400, 404, 409, 413, 428, 503),
  );

/** DELETE: 204; If-Match is optional (without it the delete is unconditional). */
export const DeleteRoute = (path: string) =>
  applyDecorators(
    Delete(path),
    RequireRole('editor'),
    HttpCode(204),
    ApiIfMatch(false, 'The ETag (revision) read last; without it the delete is unconditional'),
    ApiNoContentResponse({ description: 'Deleted' }),
    ApiErrors(400, 404, 409, 503),
  );

/** Answers with the entry, its revision as the ETag (and its address when just created). */
export function sendEntry<T extends { revision: number }>(
  res: Response,
  entry: T,
  location?: string,
): T {
  res.setHeader('ETag', etagOf(entry.revision));
  if (location) res.setHeader('Location', location);
  return entry;
}
