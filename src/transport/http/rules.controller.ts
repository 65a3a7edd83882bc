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
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Rule } from '../../domain/rule';
import { Page, RuleAdminService } from '../../services/rule-admin.service';
import { CreateRuleDto, RuleBodyDto, RuleIdentityDto } from '../../schema/rule.schema';
import { ruleBodyOrThrow } from '../../schema/stored-entry.codec';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { ListRulesQueryDto } from './dto/queries.dto';
import { RulePageView, RuleView } from './dto/responses.dto';
import { etagOf, parseIfMatch } from './if-match';
import { ApiErrors, ApiIfMatch, ETAG } from './openapi';

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

  @Get(':department/:grade/:window')
  @RequireRole('viewer')
  @ApiOkResponse({ type: RuleView, headers: ETAG })
  @ApiErrors(400, 404)
  get(@Param() id: RuleIdentityDto, @Res({ passthrough: true }) res: Response): Rule {
    const rule = this.admin.getRule(id);
    res.setHeader('ETag', etagOf(rule.revision));
    return rule;
  }

  /** Creates a rule; its window must exist. Defaults are filled and stored explicitly. */
  @Post()
  @RequireRole('editor')
  @ApiCreatedResponse({
    type: RuleView,
    headers: { ...ETAG, Location: { description: 'The new rule', schema: { type: 'string' } } },
  })
  @ApiErrors(400, 409, 413, 503)
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

  /** Replaces a rule's body; If-Match must name its current revision. */
  @Put(':department/:grade/:window')
  @RequireRole('editor')
  @ApiIfMatch()
  @ApiOkResponse({ type: RuleView, headers: ETAG })
  @ApiErrors(400, 404, 409, 413, 428, 503)
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

  /** Deletes a rule (and its breaker override). If-Match is optional here. */
  @Delete(':department/:grade/:window')
  @RequireRole('editor')
  @HttpCode(204)
  @ApiIfMatch(false, 'The ETag (revision) read last; without it the delete is unconditional')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404, 409, 503)
  async remove(
    @Param() id: RuleIdentityDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
  ): Promise<void> {
    await this.admin.deleteRule(id, parseIfMatch(ifMatch), actorOf(req));
  }
}
