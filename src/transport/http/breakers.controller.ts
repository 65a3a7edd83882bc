import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { BreakerMode } from '../../domain/breaker';
import { BreakerService, BreakerView } from '../../services/breaker.service';
import { RuleIdentityDto } from '../../schema/rule.schema';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';

export class SetBreakerModeDto {
  /** open / closed: forced until set back to auto; auto: the breaker follows reported outcomes. */
  @IsIn(['open', 'closed', 'auto'], { message: 'mode must be one of open, closed, auto' })
  mode!: BreakerMode;
}

@ApiTags('breakers')
@ApiBearerAuth()
@Controller('api/v1/breakers')
export class BreakersController {
  constructor(private readonly breakers: BreakerService) {}

  /** Every rule with a breaker: state, mode, and the figures of its current stat window. */
  @Get()
  @RequireRole('viewer')
  async list(): Promise<{ items: BreakerView[] }> {
    return { items: await this.breakers.list() };
  }

  @Get(':department/:grade/:window')
  @RequireRole('viewer')
  get(@Param() id: RuleIdentityDto): Promise<BreakerView> {
    return this.breakers.get(id);
  }

  /** Forces the breaker open or closed, or hands it back to the outcomes (auto). Audited. */
  @Post(':department/:grade/:window')
  @RequireRole('admin')
  @HttpCode(200)
  set(
    @Param() id: RuleIdentityDto,
    @Body() body: SetBreakerModeDto,
    @Req() req: AuthenticatedRequest,
  ): Promise<BreakerView> {
    return this.breakers.force(id, body.mode, actorOf(req));
  }
}
