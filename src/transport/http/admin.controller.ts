import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Explanation } from '../../domain/rule-index';
import { AuditPage, AuditService } from '../../services/audit.service';
import { RuleIndexService } from '../../services/rule-index.service';
import {
  ExportDocument,
  ImportReport,
  RuleTransferService,
} from '../../services/rule-transfer.service';
import { ruleBodyOrThrow, windowSpecOrThrow } from '../../schema/stored-entry.codec';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { ImportDocumentDto } from './dto/import.dto';
import { AuditQueryDto, ExplainQueryDto, ImportQueryDto } from './dto/queries.dto';

export interface ExplainResponse extends Explanation {
  resource?: string;
  /** What a decision would say when no rule governs. */
  outcome: 'GOVERNED' | 'NO_RULE';
  /** Whether the resource is a core resource of the governing rule (it keeps passing under "degrade"). */
  coreResource: boolean;
}

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/v1')
export class AdminController {
  constructor(
    private readonly live: RuleIndexService,
    private readonly transfer: RuleTransferService,
    private readonly audit: AuditService,
  ) {}

  /** Which rule governs a request, with every candidate and why the winner won. */
  @Get('explain')
  @RequireRole('viewer')
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

  @Get('export')
  @RequireRole('viewer')
  exportAll(): ExportDocument {
    return this.transfer.exportAll();
  }

  /** Creates and replaces the listed windows and rules in one transaction (never deletes). */
  @Post('import')
  @RequireRole('admin')
  @HttpCode(200)
  importAll(
    @Body() doc: ImportDocumentDto,
    @Query() q: ImportQueryDto,
    @Req() req: AuthenticatedRequest,
  ): Promise<ImportReport> {
    const windows = (doc.windows ?? []).map((w, i) => ({
      name: w.name,
      ...windowSpecOrThrow(w, `windows.${i}.`),
    }));
    const rules = (doc.rules ?? []).map((r, i) => ({
      department: r.department,
      grade: r.grade,
      window: r.window,
      ...ruleBodyOrThrow(r, `rules.${i}.`),
    }));
    return this.transfer.importAll(windows, rules, actorOf(req), { dryRun: q.dryRun === 'true' });
  }

  /** Audit records, newest first. */
  @Get('audit')
  @RequireRole('admin')
  listAudit(@Query() q: AuditQueryDto): Promise<AuditPage> {
    return this.audit.list(q.limit ?? 50, q.before);
  }
}
