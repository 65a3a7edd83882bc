import type { Rule, RuleBody, RuleId } from './rules.api';

/** Every field of a rule as the form edits it; names are the API's field paths. */
export interface RuleFormValues extends RuleId {
  limit: Required<RuleBody['limit']>;
  onExceed: Rule['onExceed'];
  coreResources: string[];
  breaker: Required<NonNullable<RuleBody['breaker']>>;
  failMode: Rule['failMode'];
  enabled: boolean;
  shadow: boolean;
  priority: number;
  description: string;
}

export const NEW_RULE: RuleFormValues = {
  department: '',
  grade: '',
  window: 'any',
  limit: { qps: 10, burst: 10, algorithm: 'sliding_window', windowMs: 1000, per: 'scope' },
  onExceed: 'reject',
  coreResources: [],
  breaker: {
    enabled: false,
    statWindowMs: 10000,
    minRequests: 20,
    errorRateThreshold: 0.5,
    slowCallMs: 1000,
    slowCallRateThreshold: 1,
    openMs: 30000,
    halfOpenMaxCalls: 5,
  },
  failMode: 'open',
  enabled: true,
  shadow: false,
  priority: 0,
  description: '',
};

export const formOf = (rule: Rule): RuleFormValues => ({
  department: rule.department,
  grade: rule.grade,
  window: rule.window,
  limit: { ...rule.limit },
  onExceed: rule.onExceed,
  coreResources: [...rule.coreResources],
  breaker: { ...rule.breaker },
  failMode: rule.failMode,
  enabled: rule.enabled,
  shadow: rule.shadow,
  priority: rule.priority,
  description: rule.description,
});

export function bodyOf(values: RuleFormValues): RuleBody {
  const { department: _d, grade: _g, window: _w, ...body } = values;
  return body;
}

/** Reads `limit.qps` out of the values. */
export function valueAt(values: RuleFormValues, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], values);
}

/** Writes `limit.qps` into a copy of the values. */
export function withValue(values: RuleFormValues, path: string, value: unknown): RuleFormValues {
  const [head, tail] = path.split('.');
  if (!tail) return { ...values, [head]: value };
  const inner = values[head as 'limit' | 'breaker'];
  return { ...values, [head]: { ...inner, [tail]: value } };
}
