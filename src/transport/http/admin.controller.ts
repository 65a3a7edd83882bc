import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Explanation } from '../../domain/rule-index';
import { AuditPage, AuditService } from '../../services/audit.service';
import { AuditRestoreService, RestoreResult } from '../../services/audit-restore.service';
import { RuleIndexService } from '../../services/rule-index.service';
import {
  ExportDocument,
  ImportReport,
  RuleTransferService,
} from '../../services/rule-transfer.service';
import { ruleBodyOrThrow, windowSpecOrThrow } from '../../schema/stored-entry.codec';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { ImportDocumentDto } from './dto/import.dto';
import { AuditIdParamDto, AuditQueryDto, ExplainQueryDto, ImportQueryDto } from './dto/queries.dto';
import {
  AuditPageView,
  ExplainView,
  ExportView,
  ImportReportView,
  RestoreResultView,
  SessionView,
} from './dto/responses.dto';
import { parseIfMatch } from './if-match';
import { ApiErrors, ApiIfMatch } from './openapi';

export interface ExplainResponse extends Explanation {
  resource?: string;
  /** What a decision would say when no rule governs. */
  outcome: 'GOVERNED' | 'NO_RULE';
  /** Whether the resource is a core resource of the governing rule (it keeps passing under "degrade"). */
  coreResource: boolean;
}

@ApiTags('admin')
@Controller('api/v1')
export class AdminController {
  constructor(
    private readonly live: RuleIndexService,
    private readonly transfer: RuleTransferService,
    private readonly audit: AuditService,
    private readonly restorer: AuditRestoreService,
  ) {}

  /** Who the bearer token is: the console hides what its role cannot do. */
  @Get('session')
  @RequireRole('viewer')
  @ApiOkResponse({ type: SessionView })
  @ApiErrors()
  session(@Req() req: AuthenticatedRequest): SessionView {
    return { name: actorOf(req), role: req.actor?.role ?? 'viewer' };
  }

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

  /** Every window (but "any") and rule, as a document POST /import takes back. */
  @Get('export')
  @RequireRole('viewer')
  @ApiOkResponse({ type: ExportView })
  @ApiErrors()
  exportAll(): ExportDocument {
    return this.transfer.exportAll();
  }

  /** Creates and replaces the listed windows and rules in one transaction (never deletes). */
  @Post('import')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOkResponse({ type: ImportReportView })
  @ApiErrors(400, 409, 413, 503)
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
  @ApiOkResponse({ type: AuditPageView })
  @ApiErrors(400, 503)
  listAudit(@Query() q: AuditQueryDto): Promise<AuditPage> {
    return this.audit.list(q.limit ?? 50, q.before);
  }

  /**
   * Re-applies the record's `before` to its rule or window as a new audited write (a record of a
   * create is undone by a delete). If-Match names the key's current revision, "0" if it is absent.
   */
  @Post('audit/:id/restore')
  @RequireRole('editor')
  @HttpCode(200)
  @ApiIfMatch(
    true,
    'The current revision of the rule or window (its ETag), or "0" if it does not exist now',
  )
  @ApiOkResponse({ type: RestoreResultView })
  @ApiErrors(400, 404, 409, 428, 503)
  restore(
    @Param() { id }: AuditIdParamDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
  ): Promise<RestoreResult> {
    return this.restorer.restore(id, parseIfMatch(ifMatch), actorOf(req));
  }
}
