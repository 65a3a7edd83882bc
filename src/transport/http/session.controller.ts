import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedRequest, RequireRole, actorOf } from './auth.guard';
import { SessionView } from './dto/responses.dto';
import { ApiErrors } from './openapi';

@ApiTags('session')
@Controller('api/v1')
export class SessionController {
  /** Who the bearer token is: the console hides what its role cannot do. */
  @Get('session')
  @RequireRole('viewer')
  @ApiOkResponse({ type: SessionView })
  @ApiErrors()
  session(@Req() req: AuthenticatedRequest): SessionView {
    return { name: actorOf(req), role: req.actor?.role ?? 'viewer' };
  }
}
