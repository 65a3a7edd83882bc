import { IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  COUNT_PER,
  CountPer,
  FAIL_MODES,
  FailMode,
  LIMIT_ALGORITHMS,
  LimitAlgorithm,
  ON_EXCEED,
  OnExceed,
} from '../domain/rule';
import { RESOURCE_PATTERN, RESOURCE_RULE_TEXT } from '../domain/scope';
import { SCOPE_TOKEN_REGEX, TOKEN_REGEX, scopeTokenMessage, tokenMessage } from './tokens';

const FINITE = { allowNaN: false, allowInfinity: false };

export class RateLimitDto {
  /** Requests per second admitted for the scope (or per client with `per: "client"`). */
  @IsNumber(FINITE)
  @Min(0.001)
  @Max(10_000_000)
  qps!: number;

  /**
   * Token bucket capacity; defaults to ceil(qps). For a sliding window it only sizes the local
   * limiter used while Redis is away (its degrade hard cap is twice the window budget).
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  burst?: number;

  @IsOptional()
  @IsIn(LIMIT_ALGORITHMS)
  algorithm?: LimitAlgorithm;

  /** Sliding window length in milliseconds (default 1000). */
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(86_400_000)
  windowMs?: number;

  @IsOptional()
  @IsIn(COUNT_PER)
  per?: CountPer;
}

export class BreakerDto {
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsInt() @Min(100) @Max(3_600_000) statWindowMs?: number;
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) minRequests?: number;
  @IsOptional() @IsNumber(FINITE) @Min(0.0001) @Max(1) errorRateThreshold?: number;
  @IsOptional() @IsInt() @Min(1) @Max(600_000) slowCallMs?: number;
  @IsOptional() @IsNumber(FINITE) @Min(0.0001) @Max(1) slowCallRateThreshold?: number;
  @IsOptional() @IsInt() @Min(100) @Max(86_400_000) openMs?: number;
  @IsOptional() @IsInt() @Min(1) @Max(10_000) halfOpenMaxCalls?: number;
}

/** The body of a rule as clients send it and as it is stored in etcd (defaults filled on write). */
export class RuleBodyDto {
  @IsDefined()
  @ValidateNested()
  @Type(() => RateLimitDto)
  limit!: RateLimitDto;

  @IsOptional()
  @IsIn(ON_EXCEED)
  onExceed?: OnExceed;

  /** Resources that keep passing under `degrade` up to the hard cap. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(RESOURCE_PATTERN, {
    each: true,
    message: `each value in coreResources ${RESOURCE_RULE_TEXT}`,
  })
  coreResources?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => BreakerDto)
  breaker?: BreakerDto;

  @IsOptional()
  @IsIn(FAIL_MODES)
  failMode?: FailMode;

  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsBoolean() shadow?: boolean;

  @IsOptional()
  @IsInt()
  @Min(-1_000_000)
  @Max(1_000_000)
  priority?: number;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class RuleIdentityDto {
  @IsString()
  @Matches(SCOPE_TOKEN_REGEX, { message: scopeTokenMessage('department') })
  department!: string;

  @IsString()
  @Matches(SCOPE_TOKEN_REGEX, { message: scopeTokenMessage('grade') })
  grade!: string;

  @IsString()
  @Matches(TOKEN_REGEX, { message: tokenMessage('window') })
  window!: string;
}

/** A rule as sent to `POST /rules` and in import documents: identity plus body. */
export class CreateRuleDto extends IntersectionType(RuleIdentityDto, RuleBodyDto) {}

/** Server-managed fields that may accompany a stored value. */
export class StoredRuleDto extends RuleBodyDto {
  @IsOptional() @IsString() @MaxLength(64) createdAt?: string;
  @IsOptional() @IsString() @MaxLength(64) updatedAt?: string;
  @IsOptional() @IsString() @MaxLength(128) updatedBy?: string;
}
