import { Body, Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Rule } from '../../domain/rule';
import { Page, RuleAdminService } from '../../services/rule-admin.service';
import { CreateRuleDto, RuleBodyDto, RuleIdentityDto } from '../../schema/rule.schema';
import { ruleBodyOrThrow } from '../../schema/stored-entry.codec';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { ListRulesQueryDto } from './dto/queries.dto';
import { RulePageView, RuleView } from './dto/responses.dto';
import { parseIfMatch } from './if-match';
import { ApiErrors } from './openapi';
import { CreateRoute, DeleteRoute, GetRoute, ReplaceRoute, sendEntry } from './editable-routes';

@ApiTags('rules')
@Controller('api/v1/rules')
export class RulesController {
  constructor(private readonly admin: RuleAdminService) {}

  /** Rules in key order, filtered by department, grade and window (exact tokens, "*" included). */
  @Get()
  @RequireRole('viewer')
  @ApiOkResponse({ type: RulePageView })
  @ApiErrors(400)
  list(@Query() q: ListRulesQueryDto): Page<Rule> {
    return this.admin.listRules(q, q.offset ?? 0, q.limit ?? 50);
  }

  @GetRoute(':department/:grade/:window', RuleView)
  get(@Param() id: RuleIdentityDto, @Res({ passthrough: true }) res: Response): Rule {
    return sendEntry(res, this.admin.getRule(id));
  }

  /** Creates a rule; its window must exist. Defaults are filled and stored explicitly. */
  @CreateRoute(RuleView, 'rule')
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
    return sendEntry(res, rule, `/api/v1/rules/${department}/${grade}/${window}`);
  }

  /** Replaces a rule's body; If-Match must name its current revision. */
  @ReplaceRoute(':department/:grade/:window', RuleView)
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
    return sendEntry(res, rule);
  }

  /** Deletes a rule (and its breaker override). If-Match is optional here. */
  @DeleteRoute(':department/:grade/:window')
  async remove(
    @Param() id: RuleIdentityDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
  ): Promise<void> {
    await this.admin.deleteRule(id, parseIfMatch(ifMatch), actorOf(req));
  }
}
