import { IsIn } from 'class-validator';
import { BreakerMode } from '../../../domain/breaker';

export class SetBreakerModeDto {
  /** open / closed: forced until set back to auto; auto: the breaker follows reported outcomes. */
  @IsIn(['open', 'closed', 'auto'], { message: 'mode must be one of open, closed, auto' })
  mode!: BreakerMode;
}
