import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { TOKEN_REGEX, tokenMessage } from './tokens';
import { UniqueItems } from './unique-items';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const HM = /^([01]\d|2[0-3]):[0-5]\d$/;
const HM_OR_END = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

export class DateRangeDto {
  /** First local day, inclusive (YYYY-MM-DD). */
  @IsString()
  @MaxLength(10)
  @Matches(DAY, { message: 'from must be a calendar day YYYY-MM-DD' })
  from!: string;
  /** Last local day, inclusive (YYYY-MM-DD). */
  @IsString()
  @MaxLength(10)
  @Matches(DAY, { message: 'to must be a calendar day YYYY-MM-DD' })
  to!: string;
}

export class TimeRangeDto {
  /** Local start time, inclusive (HH:MM). */
  @IsString()
  @Matches(HM, { message: 'start must be HH:MM between 00:00 and 23:59' })
  start!: string;
  /** Local end time, exclusive (HH:MM or 24:00); earlier than start means it crosses midnight. */
  @IsString()
  @Matches(HM_OR_END, { message: 'end must be HH:MM between 00:00 and 24:00' })
  end!: string;
}

export class WindowSpecDto {
  /** IANA time zone the schedule is read in (default UTC). */
  @IsOptional() @IsString() @MaxLength(64) timezone?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => DateRangeDto)
  dateRanges?: DateRangeDto[];

  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(7)
  @UniqueItems()
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(7, { each: true })
  daysOfWeek?: number[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(48)
  @ValidateNested({ each: true })
  @Type(() => TimeRangeDto)
  timeRanges?: TimeRangeDto[];

  @IsOptional() @IsInt() @Min(-1_000_000) @Max(1_000_000) priority?: number;
  @IsOptional() @IsString() @MaxLength(500) description?: string;
}

export class CreateWindowDto extends WindowSpecDto {
  @IsString() @Matches(TOKEN_REGEX, { message: tokenMessage('name') }) name!: string;
}

export class StoredWindowDto extends WindowSpecDto {
  @IsOptional() @IsString() @MaxLength(64) createdAt?: string;
  @IsOptional() @IsString() @MaxLength(64) updatedAt?: string;
  @IsOptional() @IsString() @MaxLength(128) updatedBy?: string;
}
