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
import { MetricsService } from '../../observability/metrics.service';
import { addressGroup } from './address-group';
import { FailedLoginLimiter } from './failed-login-limiter';

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
 * touches the secret byte by byte and the map holds no plaintext.
 *
 * A right token is always accepted: failures are limited, not addresses. Behind an ingress every
 * user can share one address, and limiting the address would let anyone lock every admin out.
 * Wrong tokens are limited per address group (IPv4 address, IPv6 /64; the client's own address
 * when TRUST_PROXY names the proxies) to AUTH_FAILURES_PER_MINUTE, past which they get 429. A
 * request with no token at all is not a guess and only gets 401. Guessing a token is hopeless
 * because tokens carry at least 128 bits (enforced at boot), not because of this limiter.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly byDigest: Map<string, ApiToken>;
  private readonly failures: FailedLoginLimiter;

  constructor(
    private readonly reflector: Reflector,
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.byDigest = new Map(config.apiTokens.map((t) => [digest(t.token), t]));
    this.failures = new FailedLoginLimiter(Date.now, {
      perMinute: config.authFailuresPerMinute,
      maxTracked: config.authFailureMaxTracked,
    });
  }

  canActivate(context: ExecutionContext): boolean {
    const role = this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!role) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match)
      throw new UnauthorizedException('missing bearer token: send "Authorization: Bearer <token>"');
    const caller = this.byDigest.get(digest(match[1]));
    if (!caller) {
      const group = addressGroup(request.ip ?? request.socket.remoteAddress);
      const waitMs = this.failures.fail(group);
      this.metrics.authFailures.inc({ result: waitMs ? 'limited' : 'unauthorized' });
      if (waitMs) {
        const response = context
          .switchToHttp()
          .getResponse<{ setHeader(k: string, v: string): void }>();
        response.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
        throw new HttpException(
          'too many failed logins from this address; wait a minute',
          HttpStatus.TOO_MANY_REQUESTS,
        );
      }
      throw new UnauthorizedException('unknown bearer token');
    }
    if (RANK[caller.role] < RANK[role]) {
      throw new ForbiddenException(`${caller.name} has role ${caller.role}; this needs ${role}`);
    }
    request.actor = caller;
    return true;
  }
}
