import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Explanation } from '../../domain/rule-index';
import { RuleIndexService } from '../../services/rule-index.service';
import { RequireRole } from './auth.guard';
import { ExplainQueryDto } from './dto/queries.dto';
import { ExplainView } from './dto/responses.dto';
import { ApiErrors } from './openapi';

interface ExplainResponse extends Explanation {
  resource?: string;
  /** What a decision would say when no rule governs. */
  outcome: 'GOVERNED' | 'NO_RULE';
  /** Whether the resource is a core resource of the governing rule (it keeps passing under "degrade"). */
  coreResource: boolean;
}

@ApiTags('explain')
@Controller('api/v1')
export class ExplainController {
  constructor(private readonly live: RuleIndexService) {}

  /** Which rule governs a request, with every candidate and why the winner won. */
  @Get('explain')
  @RequireRole('viewer')
  @ApiOkResponse({ type: ExplainView })
  @ApiErrors(400)
  explain(@Query() q: ExplainQueryDto): ExplainResponse {
    const at = q.at === undefined ? Date.now() : Date.parse(q.at);
    const explanation = this.live.index.explain(q.department, q.grade, at);
    const governing = explanation.governing;
    return {
      ...explanation,
      resource: q.resource,
      outcome: governing ? 'GOVERNED' : 'NO_RULE',
      coreResource:
        !!governing && q.resource !== undefined && governing.coreResources.includes(q.resource),
    };
  }
}
