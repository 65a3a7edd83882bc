import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  SCOPE_TOKEN_REGEX,
  TOKEN_REGEX,
  scopeTokenMessage,
  tokenMessage,
} from '../../../schema/tokens';

export class PageQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

export class ListRulesQueryDto extends PageQueryDto {
  @IsOptional()
  @Matches(SCOPE_TOKEN_REGEX, { message: scopeTokenMessage('department') })
  department?: string;
  @IsOptional() @Matches(SCOPE_TOKEN_REGEX, { message: scopeTokenMessage('grade') }) grade?: string;
  @IsOptional() @Matches(TOKEN_REGEX, { message: tokenMessage('window') }) window?: string;
}

export class ExplainQueryDto {
  /** The request's department (a token; "*" is for rules, not requests). */
  @Matches(TOKEN_REGEX, { message: tokenMessage('department') }) department!: string;
  @Matches(TOKEN_REGEX, { message: tokenMessage('grade') }) grade!: string;
  @IsOptional() @IsString() @MaxLength(128) resource?: string;
  /** ISO-8601 instant to evaluate windows at (default: now). */
  @IsOptional()
  @IsISO8601(
    { strict: true },
    { message: 'at must be an ISO-8601 date-time such as 2026-12-28T09:00:00+08:00' },
  )
  at?: string;
}

export class AuditQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  /** The `next` cursor of the previous page. */
  @IsOptional()
  @Matches(/^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{10}$/, {
    message: 'before must be an audit id (the "next" value of a previous page)',
  })
  before?: string;
}

export class ImportQueryDto {
  /** true: report what would change and write nothing. */
  @IsOptional() @IsIn(['true', 'false'], { message: 'dryRun must be true or false' }) dryRun?:
    'true' | 'false';
}

export class WindowNameParamDto {
  @Matches(TOKEN_REGEX, { message: tokenMessage('name') }) name!: string;
}

export class ReadinessQueryDto {
  /** true: 503 unless etcd is synced and Redis reachable too (for deploy gates). */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'strict must be true or false' })
  strict?: 'true' | 'false';
}
