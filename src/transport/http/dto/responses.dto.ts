import { ApiProperty, OmitType } from '@nestjs/swagger';

/**
 * The shapes the REST API answers with, for the OpenAPI document (each field's @ApiProperty says
 * what the document shows). Controllers declare them as return types, so the
 * compiler checks that what the services return fits them.
 */

/** Every error answer: 400, 401, 403, 404, 409, 413, 428, 429, 503. */
export class ErrorBodyDto {
  @ApiProperty({ type: Number })
  statusCode!: number;
  @ApiProperty({ description: 'The HTTP reason phrase, e.g. "Conflict".', type: String })
  error!: string;
  @ApiProperty({
    description:
      'A stable machine code where there is one: VALIDATION_FAILED, REVISION_CONFLICT, …',
    type: String,
    required: false,
  })
  code?: string;
  /** One line per problem for a 400 (each names its field first); otherwise one sentence. */
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  message!: string | string[];
}

const SERVER_FIELDS = ['revision', 'createdAt', 'updatedAt', 'updatedBy'] as const;

export class RateLimitView {
  @ApiProperty({ type: Number })
  qps!: number;
  @ApiProperty({ type: Number })
  burst!: number;
  @ApiProperty({
    enum: ['sliding_window', 'sliding_window_counter', 'fixed_window', 'token_bucket'],
  })
  algorithm!: 'sliding_window' | 'sliding_window_counter' | 'fixed_window' | 'token_bucket';
  @ApiProperty({ type: Number })
  windowMs!: number;
  @ApiProperty({ enum: ['scope', 'client'] })
  per!: 'scope' | 'client';
}

export class BreakerSettingsView {
  @ApiProperty({ type: Boolean })
  enabled!: boolean;
  @ApiProperty({ type: Number })
  statWindowMs!: number;
  @ApiProperty({ type: Number })
  minRequests!: number;
  @ApiProperty({ type: Number })
  errorRateThreshold!: number;
  @ApiProperty({ type: Number })
  slowCallMs!: number;
  @ApiProperty({ type: Number })
  slowCallRateThreshold!: number;
  @ApiProperty({ type: Number })
  openMs!: number;
  @ApiProperty({ type: Number })
  halfOpenMaxCalls!: number;
}

/** A stored rule: identity, the body with every default filled, and server-managed fields. */
export class RuleView {
  @ApiProperty({ type: String })
  department!: string;
  @ApiProperty({ type: String })
  grade!: string;
  @ApiProperty({ type: String })
  window!: string;
  @ApiProperty({ type: () => RateLimitView })
  limit!: RateLimitView;
  @ApiProperty({ enum: ['reject', 'degrade'] })
  onExceed!: 'reject' | 'degrade';
  @ApiProperty({ type: [String] })
  coreResources!: string[];
  @ApiProperty({ type: () => BreakerSettingsView })
  breaker!: BreakerSettingsView;
  @ApiProperty({ enum: ['open', 'closed'] })
  failMode!: 'open' | 'closed';
  @ApiProperty({ type: Boolean })
  enabled!: boolean;
  @ApiProperty({ type: Boolean })
  shadow!: boolean;
  @ApiProperty({ type: Number })
  priority!: number;
  @ApiProperty({ type: String })
  description!: string;
  @ApiProperty({
    description: 'etcd mod_revision: send it back in If-Match to replace or delete.',
    type: Number,
  })
  revision!: number;
  @ApiProperty({ type: String })
  createdAt!: string;
  @ApiProperty({ type: String })
  updatedAt!: string;
  @ApiProperty({ description: 'The token name of the last writer.', type: String })
  updatedBy!: string;
}

export class RulePageView {
  @ApiProperty({ type: () => [RuleView] })
  items!: RuleView[];
  @ApiProperty({ type: Number })
  total!: number;
  @ApiProperty({ type: Number })
  offset!: number;
  @ApiProperty({ type: Number })
  limit!: number;
  @ApiProperty({ description: 'The index revision the page was read at.', type: Number })
  revision!: number;
}

export class DateRangeView {
  @ApiProperty({ type: String })
  from!: string;
  @ApiProperty({ type: String })
  to!: string;
}

export class TimeRangeView {
  @ApiProperty({ type: String })
  start!: string;
  @ApiProperty({ type: String })
  end!: string;
}

export class WindowView {
  @ApiProperty({ type: String })
  name!: string;
  @ApiProperty({ type: String })
  timezone!: string;
  @ApiProperty({ type: () => [DateRangeView] })
  dateRanges!: DateRangeView[];
  @ApiProperty({ type: [Number] })
  daysOfWeek!: number[];
  @ApiProperty({ type: () => [TimeRangeView] })
  timeRanges!: TimeRangeView[];
  @ApiProperty({ type: Number })
  priority!: number;
  @ApiProperty({ type: String })
  description!: string;
  @ApiProperty({ type: Number })
  revision!: number;
  @ApiProperty({ type: String })
  createdAt!: string;
  @ApiProperty({ type: String })
  updatedAt!: string;
  @ApiProperty({ type: String })
  updatedBy!: string;
}

export class WindowListView {
  @ApiProperty({ type: () => [WindowView] })
  items!: WindowView[];
}

export class ExplainCandidateView {
  @ApiProperty({ type: String })
  key!: string;
  @ApiProperty({ type: Number })
  specificity!: number;
  @ApiProperty({ type: String })
  window!: string;
  @ApiProperty({ type: Number })
  windowPriority!: number;
  @ApiProperty({ type: Number })
  rulePriority!: number;
  @ApiProperty({ type: Boolean })
  enabled!: boolean;
  @ApiProperty({ type: Boolean })
  active!: boolean;
  @ApiProperty({ type: Boolean })
  governing!: boolean;
  @ApiProperty({ description: 'Why it governs, or why it does not.', type: String })
  note!: string;
}

export class ExplainView {
  @ApiProperty({ type: String })
  department!: string;
  @ApiProperty({ type: String })
  grade!: string;
  @ApiProperty({ type: String })
  at!: string;
  @ApiProperty({ type: Number })
  rulesRevision!: number;
  @ApiProperty({ type: () => RuleView, nullable: true })
  governing!: RuleView | null;
  @ApiProperty({ type: () => [ExplainCandidateView] })
  candidates!: ExplainCandidateView[];
  @ApiProperty({ type: String, required: false })
  resource?: string;
  @ApiProperty({ enum: ['GOVERNED', 'NO_RULE'] })
  outcome!: 'GOVERNED' | 'NO_RULE';
  @ApiProperty({
    description: 'Whether the resource is a core resource of the governing rule.',
    type: Boolean,
  })
  coreResource!: boolean;
}

/** As stored, without the server-managed fields: what an export holds and an import takes. */
export class ExportedWindowView extends OmitType(WindowView, SERVER_FIELDS) {}

/** As stored, without the server-managed fields: what an export holds and an import takes. */
export class ExportedRuleView extends OmitType(RuleView, SERVER_FIELDS) {}

export class ExportView {
  @ApiProperty({ enum: ['rulecenter/v1'] })
  format!: 'rulecenter/v1';
  @ApiProperty({ type: String })
  exportedAt!: string;
  @ApiProperty({ type: Number })
  revision!: number;
  @ApiProperty({ type: () => [ExportedWindowView] })
  windows!: ExportedWindowView[];
  @ApiProperty({ type: () => [ExportedRuleView] })
  rules!: ExportedRuleView[];
}

export class ImportReportView {
  @ApiProperty({ type: Boolean })
  dryRun!: boolean;
  @ApiProperty({ type: Number })
  revision!: number;
  @ApiProperty({
    description: 'etcd keys (rules/…, windows/…) the import creates.',
    type: [String],
  })
  created!: string[];
  @ApiProperty({ type: [String] })
  updated!: string[];
  @ApiProperty({ type: [String] })
  unchanged!: string[];
  @ApiProperty({ type: [String] })
  skipped!: string[];
}

export class AuditRecordView {
  @ApiProperty({
    description: 'Time-ordered id: the `before` cursor and the restore path take it.',
    type: String,
  })
  id!: string;
  @ApiProperty({ type: String })
  actor!: string;
  @ApiProperty({ enum: ['create', 'replace', 'delete', 'import'] })
  action!: 'create' | 'replace' | 'delete' | 'import';
  @ApiProperty({
    description: 'The etcd key changed (rules/…, windows/…, breakers/…), or "(import)".',
    type: String,
  })
  key!: string;
  /** The stored value before the change (null: it did not exist). */
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true })
  before!: unknown;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true })
  after!: unknown;
  @ApiProperty({ type: String })
  at!: string;
  @ApiProperty({
    description: 'Set when this change restored the `before` of that record.',
    type: String,
    required: false,
  })
  restoredFrom?: string;
}

export class AuditPageView {
  @ApiProperty({ type: () => [AuditRecordView] })
  items!: AuditRecordView[];
  @ApiProperty({
    description: 'Pass as `before` for the next (older) page; absent on the last page.',
    type: String,
    required: false,
  })
  next?: string;
}

export class RestoreResultView {
  @ApiProperty({ type: String })
  restoredFrom!: string;
  @ApiProperty({ type: String })
  key!: string;
  @ApiProperty({ enum: ['create', 'replace', 'delete'] })
  action!: 'create' | 'replace' | 'delete';
  @ApiProperty({ type: Number })
  revision!: number;
}

export class BreakerFiguresView {
  @ApiProperty({ type: Number })
  total!: number;
  @ApiProperty({ type: Number })
  errorRate!: number;
  @ApiProperty({ type: Number })
  slowRate!: number;
}

export class BreakerOverrideView {
  @ApiProperty({ type: String })
  by!: string;
  @ApiProperty({ type: String })
  at!: string;
}

export class BreakerStateView {
  @ApiProperty({ type: String })
  rule!: string;
  @ApiProperty({
    description:
      'What decisions see: the override when one is set, else the shared automatic state.',
    enum: ['CLOSED', 'OPEN', 'HALF_OPEN'],
  })
  state!: 'CLOSED' | 'OPEN' | 'HALF_OPEN';
  @ApiProperty({ enum: ['CLOSED', 'OPEN', 'HALF_OPEN', 'UNKNOWN'] })
  automaticState!: 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'UNKNOWN';
  @ApiProperty({ enum: ['open', 'closed', 'auto'] })
  mode!: 'open' | 'closed' | 'auto';
  @ApiProperty({ type: () => BreakerOverrideView, required: false })
  override?: BreakerOverrideView;
  @ApiProperty({
    description: 'Outcomes and rates of the current stat window.',
    type: () => BreakerFiguresView,
  })
  window!: BreakerFiguresView;
  @ApiProperty({ type: () => BreakerSettingsView })
  settings!: BreakerSettingsView;
  @ApiProperty({ description: 'Set when Redis could not be read.', type: String, required: false })
  error?: string;
}

export class BreakerListView {
  @ApiProperty({ type: () => [BreakerStateView] })
  items!: BreakerStateView[];
}

export class RuleSummaryView {
  @ApiProperty({ type: String })
  key!: string;
  @ApiProperty({ type: String })
  window!: string;
  @ApiProperty({ type: Number })
  qps!: number;
  @ApiProperty({ type: Number })
  burst!: number;
  @ApiProperty({
    enum: ['sliding_window', 'sliding_window_counter', 'fixed_window', 'token_bucket'],
  })
  algorithm!: 'sliding_window' | 'sliding_window_counter' | 'fixed_window' | 'token_bucket';
  @ApiProperty({ enum: ['reject', 'degrade'] })
  onExceed!: 'reject' | 'degrade';
  @ApiProperty({ type: Boolean })
  shadow!: boolean;
}

export class ScheduleIntervalView {
  @ApiProperty({ description: 'Inclusive.', type: String })
  from!: string;
  @ApiProperty({ description: 'Exclusive.', type: String })
  to!: string;
  /** The governing rule, or null when none does (NO_RULE). */
  @ApiProperty({ type: () => RuleSummaryView, nullable: true })
  rule!: RuleSummaryView | null;
}

export class ScheduleLaneView {
  @ApiProperty({ type: String })
  department!: string;
  @ApiProperty({ type: String })
  grade!: string;
  @ApiProperty({ type: () => [ScheduleIntervalView] })
  intervals!: ScheduleIntervalView[];
}

export class ScheduleView {
  @ApiProperty({ type: String })
  from!: string;
  @ApiProperty({ type: String })
  to!: string;
  @ApiProperty({ type: Number })
  rulesRevision!: number;
  @ApiProperty({ type: () => [ScheduleLaneView] })
  lanes!: ScheduleLaneView[];
  @ApiProperty({
    description: 'More than 100 scopes matched; narrow by department or grade.',
    type: Boolean,
  })
  truncated!: boolean;
}

export class ScheduleTransitionView {
  @ApiProperty({ type: String })
  department!: string;
  @ApiProperty({ type: String })
  grade!: string;
  @ApiProperty({ type: String })
  at!: string;
  @ApiProperty({ type: () => RuleSummaryView, nullable: true })
  from!: RuleSummaryView | null;
  @ApiProperty({ type: () => RuleSummaryView, nullable: true })
  to!: RuleSummaryView | null;
}

export class TransitionsView {
  @ApiProperty({ type: String })
  from!: string;
  @ApiProperty({
    description: 'Transitions are looked for up to this instant (31 days ahead).',
    type: String,
  })
  until!: string;
  @ApiProperty({ type: Number })
  rulesRevision!: number;
  @ApiProperty({ type: () => [ScheduleTransitionView] })
  items!: ScheduleTransitionView[];
}

export class ActiveIntervalView {
  @ApiProperty({ type: String })
  from!: string;
  @ApiProperty({ type: String })
  to!: string;
}

export class WindowPreviewView {
  @ApiProperty({ type: String })
  timezone!: string;
  @ApiProperty({ description: 'Monday 00:00 of the week shown, in the window zone', type: String })
  from!: string;
  @ApiProperty({ type: String })
  to!: string;
  @ApiProperty({
    description: 'The stretches the window is active',
    type: () => [ActiveIntervalView],
  })
  intervals!: ActiveIntervalView[];
}

export class SessionView {
  @ApiProperty({ description: 'The token name (the audit actor)', type: String })
  name!: string;
  @ApiProperty({ enum: ['viewer', 'editor', 'admin'] })
  role!: 'viewer' | 'editor' | 'admin';
}

export class TrafficCountsView {
  @ApiProperty({ type: Number })
  allowed!: number;
  @ApiProperty({ type: Number })
  rejected!: number;
  @ApiProperty({ type: Number })
  degraded!: number;
  @ApiProperty({ type: Number })
  circuitOpen!: number;
  @ApiProperty({
    description: 'Shadow rules: answered ALLOW, would have rejected or degraded.',
    type: Number,
  })
  shadowWouldReject!: number;
}

export class TrafficPointView extends TrafficCountsView {
  @ApiProperty({ description: 'Epoch second.', type: Number })
  t!: number;
}

export class TrafficSeriesView {
  @ApiProperty({ type: String })
  rule!: string;
  @ApiProperty({ type: () => [TrafficPointView] })
  points!: TrafficPointView[];
}

export class TrafficTopView extends TrafficCountsView {
  @ApiProperty({ type: String })
  rule!: string;
}

export class TrafficView {
  @ApiProperty({ type: String })
  from!: string;
  @ApiProperty({ type: String })
  to!: string;
  @ApiProperty({ type: Number })
  seconds!: number;
  @ApiProperty({ type: () => [TrafficSeriesView] })
  series!: TrafficSeriesView[];
  @ApiProperty({ type: () => [TrafficTopView] })
  top!: TrafficTopView[];
}
