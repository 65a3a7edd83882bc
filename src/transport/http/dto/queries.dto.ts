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

const AUDIT_ID_REGEX = /^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{10}$/;
const SCOPE = SCOPE_TOKEN_REGEX.source.slice(1, -1);
const RULE_KEY_REGEX = new RegExp(`^${SCOPE}/${SCOPE}/${TOKEN_REGEX.source.slice(1, -1)}$`);

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
  @Matches(AUDIT_ID_REGEX, {
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

export class ScheduleQueryDto {
  /** A department token or "*"; with grade, the one scope; alone, every scope of that department. */
  @IsOptional()
  @Matches(SCOPE_TOKEN_REGEX, { message: scopeTokenMessage('department') })
  department?: string;
  /** A grade token or "*". */
  @IsOptional() @Matches(SCOPE_TOKEN_REGEX, { message: scopeTokenMessage('grade') }) grade?: string;
  /** Start of the range, ISO-8601 (default: now). */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time' })
  from?: string;
  /** End of the range, ISO-8601 (default: from + 7 days; at most 31 days after from). */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO-8601 date-time' })
  to?: string;
}

export class TransitionsQueryDto {
  @IsOptional()
  @Matches(SCOPE_TOKEN_REGEX, { message: scopeTokenMessage('department') })
  department?: string;
  @IsOptional() @Matches(SCOPE_TOKEN_REGEX, { message: scopeTokenMessage('grade') }) grade?: string;
  /** How many transitions (default 20). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class TrafficQueryDto {
  /** One rule's key (department/grade/window); default: the busiest rules. */
  @IsOptional()
  @Matches(RULE_KEY_REGEX, { message: 'rule must be a rule key department/grade/window' })
  rule?: string;
  /** How many seconds back (default 120, at most 900). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(900) seconds?: number;
}

export class PreviewQueryDto {
  /** Start of the week shown (default: this Monday 00:00 in the window zone). */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time' })
  from?: string;
}

export class AuditIdParamDto {
  @Matches(AUDIT_ID_REGEX, {
    message: 'id must be an audit id such as 20261123T101500.123Z-0a1b2c3d4e',
  })
  id!: string;
}
