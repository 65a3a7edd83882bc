import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  ExportDocument,
  ImportReport,
  RuleTransferService,
} from '../../services/rule-transfer.service';
import { ruleBodyOrThrow, windowSpecOrThrow } from '../../schema/stored-entry.codec';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { ImportDocumentDto } from './dto/import.dto';
import { ImportQueryDto } from './dto/queries.dto';
import { ExportView, ImportReportView } from './dto/responses.dto';
import { ApiErrors } from './openapi';

/** Export and import: the whole configuration as one document. */
@ApiTags('transfer')
@Controller('api/v1')
export class TransferController {
  constructor(private readonly transfer: RuleTransferService) {}

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
}
