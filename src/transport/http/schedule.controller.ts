import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ScheduleService, ScheduleView, TransitionsView } from '../../services/schedule.service';
import { RequireRole } from './auth.guard';
import { ScheduleQueryDto, TransitionsQueryDto } from './dto/queries.dto';
import {
  ScheduleView as ScheduleViewDto,
  TransitionsView as TransitionsViewDto,
} from './dto/responses.dto';
import { ApiErrors } from './openapi';

@ApiTags('schedule')
@Controller('api/v1/schedule')
export class ScheduleController {
  constructor(private readonly schedule: ScheduleService) {}

  /**
   * Which rule governs when: for one scope (department and grade), or for every scope some rule
   * is written for, the intervals of [from, to) (default now → 7 days) with the governing rule.
   */
  @Get()
  @RequireRole('viewer')
  @ApiOkResponse({ type: ScheduleViewDto })
  @ApiErrors(400)
  timeline(@Query() q: ScheduleQueryDto): ScheduleView {
    return this.schedule.schedule(q, q.from, q.to);
  }

  /** The next moments (within 31 days) at which some scope's governing rule changes. */
  @Get('transitions')
  @RequireRole('viewer')
  @ApiOkResponse({ type: TransitionsViewDto })
  @ApiErrors(400)
  transitions(@Query() q: TransitionsQueryDto): TransitionsView {
    return this.schedule.transitions(q, q.limit ?? 20);
  }
}
