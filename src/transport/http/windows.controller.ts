import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { TimeWindow } from '../../domain/time-window';
import { RuleAdminService } from '../../services/rule-admin.service';
import { windowSpecOrThrow } from '../../schema/stored-entry.codec';
import { CreateWindowDto, WindowSpecDto } from '../../schema/window.schema';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { PreviewQueryDto, WindowNameParamDto } from './dto/queries.dto';
import { WindowListView, WindowPreviewView, WindowView } from './dto/responses.dto';
import { ScheduleService, WindowPreview } from '../../services/schedule.service';
import { parseIfMatch } from './if-match';
import { ApiErrors } from './openapi';
import { CreateRoute, DeleteRoute, GetRoute, ReplaceRoute, sendEntry } from './editable-routes';

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

  @GetRoute(':name', WindowView)
  get(
    @Param() { name }: WindowNameParamDto,
    @Res({ passthrough: true }) res: Response,
  ): TimeWindow {
    return sendEntry(res, this.admin.getWindow(name));
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

  @CreateRoute(WindowView, 'window')
  async create(
    @Body() dto: CreateWindowDto,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TimeWindow> {
    const window = await this.admin.createWindow(dto.name, windowSpecOrThrow(dto), actorOf(req));
    return sendEntry(res, window, `/api/v1/windows/${window.name}`);
  }

  /** Replaces a window's schedule; every rule using it follows at once. */
  @ReplaceRoute(':name', WindowView)
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
    return sendEntry(res, window);
  }

  /** Deletes a window no rule uses (409 WINDOW_IN_USE otherwise; "any" is built in). */
  @DeleteRoute(':name')
  async remove(
    @Param() { name }: WindowNameParamDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
  ): Promise<void> {
    await this.admin.deleteWindow(name, parseIfMatch(ifMatch), actorOf(req));
  }
}
