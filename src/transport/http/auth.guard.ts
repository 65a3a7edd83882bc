import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { AppConfig, ApiToken, Role } from '../../config/app-config';
import { LocalLimiter } from '../../domain/local-limiter';

const ROLE_KEY = 'rulecenter:role';
const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

/** The least role a route needs; admin ⊇ editor ⊇ viewer. Routes without it are public. */
export const RequireRole = (role: Role) => SetMetadata(ROLE_KEY, role);

export interface AuthenticatedRequest extends Request {
  actor?: ApiToken;
}

/** The audit actor of an authenticated request. */
export const actorOf = (req: AuthenticatedRequest): string => req.actor?.name ?? 'unknown';

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Bearer-token auth. Tokens are looked up by their SHA-256 digest, so the comparison never
 * touches the secret byte by byte and the map holds no plaintext. Failed logins are limited per
 * client address (AUTH_FAILURES_PER_MINUTE); past the limit every request from that address gets
 * 429 before its token is even looked at, so guessing learns nothing.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly byDigest: Map<string, ApiToken>;
  private readonly failures = new LocalLimiter(Date.now, 10_000);
  private readonly failuresPerMinute: number;

  constructor(
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    this.byDigest = new Map(config.apiTokens.map((t) => [digest(t.token), t]));
    this.failuresPerMinute = config.authFailuresPerMinute;
  }

  canActivate(context: ExecutionContext): boolean {
    const role = this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!role) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    const perSecond = this.failuresPerMinute / 60;
    if (!this.failures.canTake(address, perSecond, this.failuresPerMinute, 1)) {
      throw new HttpException(
        'too many failed logins from this address; wait a minute',
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const caller = match ? this.byDigest.get(digest(match[1])) : undefined;
    if (!caller) {
      this.failures.tryTake(address, perSecond, this.failuresPerMinute, 1);
      throw new UnauthorizedException(
        match
          ? 'unknown bearer token'
          : 'missing bearer token: send "Authorization: Bearer <token>"',
      );
    }
    if (RANK[caller.role] < RANK[role]) {
      throw new ForbiddenException(`${caller.name} has role ${caller.role}; this needs ${role}`);
    }
    request.actor = caller;
    return true;
  }
}
