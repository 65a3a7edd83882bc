import {
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  ForbiddenException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { AppConfig, ApiToken, Role } from '../../config/app-config';

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
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly byDigest: Map<string, ApiToken>;

  constructor(
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    this.byDigest = new Map(config.apiTokens.map((t) => [digest(t.token), t]));
  }

  canActivate(context: ExecutionContext): boolean {
    const role = this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!role) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match)
      throw new UnauthorizedException('missing bearer token: send "Authorization: Bearer <token>"');
    const caller = this.byDigest.get(digest(match[1]));
    if (!caller) throw new UnauthorizedException('unknown bearer token');
    if (RANK[caller.role] < RANK[role]) {
      throw new ForbiddenException(`${caller.name} has role ${caller.role}; this needs ${role}`);
    }
    request.actor = caller;
    return true;
  }
}
