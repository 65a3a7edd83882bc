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
import { TimeWindow } from '../../domain/time-window';
import { RuleAdminService } from '../../services/rule-admin.service';
import { windowSpecOrThrow } from '../../schema/stored-entry.codec';
import { CreateWindowDto, WindowSpecDto } from '../../schema/window.schema';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { PreviewQueryDto, WindowNameParamDto } from './dto/queries.dto';
import { WindowListView, WindowPreviewView, WindowView } from './dto/responses.dto';
import { ScheduleService, WindowPreview } from '../../services/schedule.service';
import { etagOf, parseIfMatch } from './if-match';
import { ApiErrors, ApiIfMatch, ETAG } from './openapi';

@ApiTags('windows')
@Controller('api/v1/windows')
export class WindowsController {
  constructor(
    private readonly admin: RuleAdminService,
    private readonly schedule: ScheduleService,
  ) {}

  /** Every window in name order, the built-in "any" included. */
  @Get()
  @RequireRole('viewer')
  @ApiOkResponse({ type: WindowListView })
  @ApiErrors()
  list(): { items: TimeWindow[] } {
    return { items: this.admin.listWindows() };
  }

  @Get(':name')
  @RequireRole('viewer')
  @ApiOkResponse({ type: WindowView, headers: ETAG })
  @ApiErrors(400, 404)
  get(
    @Param() { name }: WindowNameParamDto,
    @Res({ passthrough: true }) res: Response,
  ): TimeWindow {
    const window = this.admin.getWindow(name);
    res.setHeader('ETag', etagOf(window.revision));
    return window;
  }

  /** A week of when a window (saved or not) is active, computed like every decision's match. */
  @Post('preview')
  @RequireRole('viewer')
  @HttpCode(200)
  @ApiOkResponse({ type: WindowPreviewView })
  @ApiErrors(400, 413)
  preview(@Body() dto: WindowSpecDto, @Query() q: PreviewQueryDto): WindowPreview {
    return this.schedule.previewWindow(windowSpecOrThrow(dto), q.from);
  }

  @Post()
  @RequireRole('editor')
  @ApiCreatedResponse({
    type: WindowView,
    headers: { ...ETAG, Location: { description: 'The new window', schema: { type: 'string' } } },
  })
  @ApiErrors(400, 409, 413, 503)
  async create(
    @Body() dto: CreateWindowDto,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TimeWindow> {
    const window = await this.admin.createWindow(dto.name, windowSpecOrThrow(dto), actorOf(req));
    res.setHeader('ETag', etagOf(window.revision));
    res.setHeader('Location', `/api/v1/windows/${window.name}`);
    return window;
  }

  /** Replaces a window's schedule; every rule using it follows at once. */
  @Put(':name')
  @RequireRole('editor')
  @ApiIfMatch()
  @ApiOkResponse({ type: WindowView, headers: ETAG })
  @ApiErrors(400, 404, 409, 413, 428, 503)
  async replace(
    @Param() { name }: WindowNameParamDto,
    @Body() dto: WindowSpecDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TimeWindow> {
    const window = await this.admin.replaceWindow(
      name,
      windowSpecOrThrow(dto),
      parseIfMatch(ifMatch),
      actorOf(req),
    );
    res.setHeader('ETag', etagOf(window.revision));
    return window;
  }

  /** Deletes a window no rule uses (409 WINDOW_IN_USE otherwise; "any" is built in). */
  @Delete(':name')
  @RequireRole('editor')
  @HttpCode(204)
  @ApiIfMatch(false, 'The ETag (revision) read last; without it the delete is unconditional')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404, 409, 503)
  async remove(
    @Param() { name }: WindowNameParamDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
  ): Promise<void> {
    await this.admin.deleteWindow(name, parseIfMatch(ifMatch), actorOf(req));
  }
}
