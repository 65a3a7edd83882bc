import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Rule } from '../../domain/rule';
import { Page, RuleAdminService } from '../../services/rule-admin.service';
import { CreateRuleDto, RuleBodyDto, RuleIdentityDto } from '../../schema/rule.schema';
import { ruleBodyOrThrow } from '../../schema/stored-entry.codec';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { ListRulesQueryDto } from './dto/queries.dto';
import { etagOf, parseIfMatch } from './if-match';

@ApiTags('rules')
@ApiBearerAuth()
@Controller('api/v1/rules')
export class RulesController {
  constructor(private readonly admin: RuleAdminService) {}

  @Get()
  @RequireRole('viewer')
  list(@Query() q: ListRulesQueryDto): Page<Rule> {
    return this.admin.listRules(q, q.offset ?? 0, q.limit ?? 50);
  }

  @Get(':department/:grade/:window')
  @RequireRole('viewer')
  get(@Param() id: RuleIdentityDto, @Res({ passthrough: true }) res: Response): Rule {
    const rule = this.admin.getRule(id);
    res.setHeader('ETag', etagOf(rule.revision));
    return rule;
  }

  @Post()
  @RequireRole('editor')
  async create(
    @Body() dto: CreateRuleDto,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Rule> {
    const { department, grade, window } = dto;
    const rule = await this.admin.createRule(
      { department, grade, window },
      ruleBodyOrThrow(dto),
      actorOf(req),
    );
    res.setHeader('ETag', etagOf(rule.revision));
    res.setHeader('Location', `/api/v1/rules/${department}/${grade}/${window}`);
    return rule;
  }

  @Put(':department/:grade/:window')
  @RequireRole('editor')
  async replace(
    @Param() id: RuleIdentityDto,
    @Body() dto: RuleBodyDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Rule> {
    const rule = await this.admin.replaceRule(
      id,
      ruleBodyOrThrow(dto),
      parseIfMatch(ifMatch),
      actorOf(req),
    );
    res.setHeader('ETag', etagOf(rule.revision));
    return rule;
  }

  @Delete(':department/:grade/:window')
  @RequireRole('editor')
  @HttpCode(204)
  async remove(
    @Param() id: RuleIdentityDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
  ): Promise<void> {
    await this.admin.deleteRule(id, parseIfMatch(ifMatch), actorOf(req));
  }
}
