import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { BreakerService, BreakerView } from '../../services/breaker.service';
import { RuleIdentityDto } from '../../schema/rule.schema';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { SetBreakerModeDto } from './dto/breaker-mode.dto';
import { BreakerListView, BreakerStateView } from './dto/responses.dto';
import { ApiErrors } from './openapi';

@ApiTags('breakers')
@Controller('api/v1/breakers')
export class BreakersController {
  constructor(private readonly breakers: BreakerService) {}

  /** Every rule with a breaker: state, mode, and the figures of its current stat window. */
  @Get()
  @RequireRole('viewer')
  @ApiOkResponse({ type: BreakerListView })
  @ApiErrors()
  async list(): Promise<{ items: BreakerView[] }> {
    return { items: await this.breakers.list() };
  }

  @Get(':department/:grade/:window')
  @RequireRole('viewer')
  @ApiOkResponse({ type: BreakerStateView })
  @ApiErrors(400, 404)
  get(@Param() id: RuleIdentityDto): Promise<BreakerView> {
    return this.breakers.get(id);
  }

  /** Forces the breaker open or closed, or hands it back to the outcomes (auto). Audited. */
  @Post(':department/:grade/:window')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOkResponse({ type: BreakerStateView })
  @ApiErrors(400, 404, 409, 503)
  set(
    @Param() id: RuleIdentityDto,
    @Body() body: SetBreakerModeDto,
    @Req() req: AuthenticatedRequest,
  ): Promise<BreakerView> {
    return this.breakers.force(id, body.mode, actorOf(req));
  }
}
