import { Controller, Get, Headers, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuditPage, AuditService } from '../../services/audit.service';
import { AuditRestoreService, RestoreResult } from '../../services/audit-restore.service';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { AuditIdParamDto, AuditQueryDto } from './dto/queries.dto';
import { AuditPageView, RestoreResultView } from './dto/responses.dto';
import { parseIfMatch } from './if-match';
import { ApiErrors, ApiIfMatch } from './openapi';

@ApiTags('audit')
@Controller('api/v1')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly restorer: AuditRestoreService,
  ) {}

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
