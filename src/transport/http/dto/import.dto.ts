import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { CreateRuleDto } from '../../../schema/rule.schema';
import { CreateWindowDto } from '../../../schema/window.schema';

/** The document GET /export produces; POST /import takes it back. */
export class ImportDocumentDto {
  @IsOptional() @IsIn(['rulecenter/v1']) format?: string;
  @IsOptional() @IsString() @MaxLength(64) exportedAt?: string;
  @IsOptional() @IsInt() revision?: number;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => CreateWindowDto)
  windows?: CreateWindowDto[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => CreateRuleDto)
  rules?: CreateRuleDto[];
}
