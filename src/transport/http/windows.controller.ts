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
  Req,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { TimeWindow } from '../../domain/time-window';
import { RuleAdminService } from '../../services/rule-admin.service';
import { windowSpecOrThrow } from '../../schema/stored-entry.codec';
import { CreateWindowDto, WindowSpecDto } from '../../schema/window.schema';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { WindowNameParamDto } from './dto/queries.dto';
import { etagOf, parseIfMatch } from './if-match';

@ApiTags('windows')
@ApiBearerAuth()
@Controller('api/v1/windows')
export class WindowsController {
  constructor(private readonly admin: RuleAdminService) {}

  @Get()
  @RequireRole('viewer')
  list(): { items: TimeWindow[] } {
    return { items: this.admin.listWindows() };
  }

  @Get(':name')
  @RequireRole('viewer')
  get(
    @Param() { name }: WindowNameParamDto,
    @Res({ passthrough: true }) res: Response,
  ): TimeWindow {
    const window = this.admin.getWindow(name);
    res.setHeader('ETag', etagOf(window.revision));
    return window;
  }

  @Post()
  @RequireRole('editor')
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

  @Put(':name')
  @RequireRole('editor')
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

  @Delete(':name')
  @RequireRole('editor')
  @HttpCode(204)
  async remove(
    @Param() { name }: WindowNameParamDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AuthenticatedRequest,
  ): Promise<void> {
    await this.admin.deleteWindow(name, parseIfMatch(ifMatch), actorOf(req));
  }
}
