import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { TrafficService, TrafficView } from '../../services/traffic.service';
import { RequireRole } from './auth.guard';
import { TrafficQueryDto } from './dto/queries.dto';
import { TrafficView as TrafficViewDto } from './dto/responses.dto';
import { ApiErrors } from './openapi';

@ApiTags('traffic')
@Controller('api/v1/traffic')
export class TrafficController {
  constructor(private readonly traffic: TrafficService) {}

  /**
   * Cluster-wide decisions per rule and second for the last `seconds` (at most 15 minutes):
   * allowed, rejected, degraded, circuit open, shadow would-reject; and the rules that turned
   * the most away. Counts reach Redis within about a second of the decision.
   */
  @Get()
  @RequireRole('viewer')
  @ApiOkResponse({ type: TrafficViewDto })
  @ApiErrors(400, 503)
  view(@Query() q: TrafficQueryDto): Promise<TrafficView> {
    return this.traffic.view(q.seconds ?? 120, q.rule);
  }
}
