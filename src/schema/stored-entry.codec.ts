import { validationFailed } from '../domain/errors';
import { KEYS } from '../domain/keys';
import { Rule, RuleBody, applyRuleDefaults, ruleBodyProblems } from '../domain/rule';
import { BreakerOverride, IndexChange } from '../domain/rule-index';
import { tokenProblem } from '../domain/scope';
import {
  TimeWindow,
  TimeWindowSpec,
  applyWindowDefaults,
  windowProblems,
} from '../domain/time-window';
import { RuleBodyDto, StoredRuleDto } from './rule.schema';
import { JSON_BOUNDS, jsonShapeProblem, jsonTextDepthProblem } from './json-bounds';
import { validatePlain } from './validate';
import { StoredWindowDto, WindowSpecDto } from './window.schema';

export interface ServerFields {
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export type DecodeResult =
  | { kind: 'change'; change: IndexChange }
  | { kind: 'invalid'; problems: string[] }
  | { kind: 'ignored' };

const invalid = (problems: string[]): DecodeResult => ({ kind: 'invalid', problems });

/** Validated rule body (DTO already checked) → domain body with defaults, or problems. */
export function toRuleBody(dto: RuleBodyDto): { body: RuleBody } | { problems: string[] } {
  const body = applyRuleDefaults(dto);
  const problems = ruleBodyProblems(body);
  return problems.length ? { problems } : { body };
}

export function toWindowSpec(
  dto: WindowSpecDto,
): { spec: TimeWindowSpec } | { problems: string[] } {
  const problems = windowProblems(dto);
  return problems.length ? { problems } : { spec: applyWindowDefaults(dto) };
}

export const encodeStored = (body: RuleBody | TimeWindowSpec, fields: ServerFields): string =>
  JSON.stringify({ ...body, ...fields });

/**
 * A stored value, parsed only once it is known to be small and shallow enough for the
 * validators (anyone with etcd access may have written it).
 */
function parseJson(value: string): { ok: true; json: unknown } | { ok: false; problem: string } {
  const bytes = Buffer.byteLength(value);
  if (bytes > JSON_BOUNDS.maxStoredBytes)
    return { ok: false, problem: `value is ${bytes} bytes; at most ${JSON_BOUNDS.maxStoredBytes}` };
  const deep = jsonTextDepthProblem(value);
  if (deep) return { ok: false, problem: deep };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { ok: false, problem: 'value is not valid JSON' };
  }
  const shape = jsonShapeProblem(json);
  return shape ? { ok: false, problem: shape } : { ok: true, json };
}

function serverFields(dto: {
  createdAt?: string;
  updatedAt?: string;
  updatedBy?: string;
}): ServerFields {
  return {
    createdAt: dto.createdAt ?? '',
    updatedAt: dto.updatedAt ?? dto.createdAt ?? '',
    updatedBy: dto.updatedBy ?? 'unknown',
  };
}

/**
 * Turns one etcd entry (key relative to the prefix; value null for a delete) into an index
 * change. Values may have been written by anyone with etcd access, so they get the same checks
 * as the REST API; a bad one comes back as `invalid` with the reasons.
 */
export function decodeEntry(key: string, value: string | null, modRevision: number): DecodeResult {
  if (key.startsWith(KEYS.rulesPrefix)) {
    const parts = key.slice(KEYS.rulesPrefix.length).split('/');
    if (parts.length !== 3)
      return invalid(['rule key must be rules/{department}/{grade}/{window}']);
    const [department, grade, window] = parts;
    const keyProblems = [
      tokenProblem('department', department, true),
      tokenProblem('grade', grade, true),
      tokenProblem('window', window, false),
    ].filter((p): p is string => p !== undefined);
    if (keyProblems.length) return invalid(keyProblems);
    if (value === null)
      return {
        kind: 'change',
        change: { kind: 'delete-rule', key: `${department}/${grade}/${window}` },
      };
    const parsed = parseJson(value);
    if (!parsed.ok) return invalid([parsed.problem]);
    const validated = validatePlain(StoredRuleDto, parsed.json);
    if (!validated.ok) return invalid(validated.problems);
    const converted = toRuleBody(validated.value);
    if ('problems' in converted) return invalid(converted.problems);
    const rule: Rule = {
      department,
      grade,
      window,
      ...converted.body,
      revision: modRevision,
      ...serverFields(validated.value),
    };
    return { kind: 'change', change: { kind: 'put-rule', rule } };
  }
  if (key.startsWith(KEYS.windowsPrefix)) {
    const name = key.slice(KEYS.windowsPrefix.length);
    const nameProblem = tokenProblem('window name', name, false);
    if (nameProblem) return invalid([nameProblem]);
    if (value === null) return { kind: 'change', change: { kind: 'delete-window', name } };
    const parsed = parseJson(value);
    if (!parsed.ok) return invalid([parsed.problem]);
    const validated = validatePlain(StoredWindowDto, parsed.json);
    if (!validated.ok) return invalid(validated.problems);
    const converted = toWindowSpec(validated.value);
    if ('problems' in converted) return invalid(converted.problems);
    const window: TimeWindow = {
      name,
      ...converted.spec,
      revision: modRevision,
      ...serverFields(validated.value),
    };
    return { kind: 'change', change: { kind: 'put-window', window } };
  }
  if (key.startsWith(KEYS.breakersPrefix)) {
    const ruleKey = key.slice(KEYS.breakersPrefix.length);
    const parts = ruleKey.split('/');
    if (parts.length !== 3)
      return invalid(['breaker key must be breakers/{department}/{grade}/{window}']);
    if (value === null)
      return { kind: 'change', change: { kind: 'delete-override', key: ruleKey } };
    const parsed = parseJson(value);
    if (!parsed.ok) return invalid([parsed.problem]);
    const doc = parsed.json as Partial<BreakerOverride> | null;
    if (!doc || (doc.mode !== 'open' && doc.mode !== 'closed'))
      return invalid(['breaker override must be {"mode": "open" | "closed", "by", "at"}']);
    const override: BreakerOverride = {
      mode: doc.mode,
      by: String(doc.by ?? 'unknown'),
      at: String(doc.at ?? ''),
      revision: modRevision,
    };
    return { kind: 'change', change: { kind: 'put-override', key: ruleKey, override } };
  }
  return { kind: 'ignored' };
}

/** For transports: a validated DTO → domain body, or VALIDATION_FAILED naming the fields. */
export function ruleBodyOrThrow(dto: RuleBodyDto, path = ''): RuleBody {
  const converted = toRuleBody(dto);
  if ('problems' in converted) throw validationFailed(converted.problems.map((p) => path + p));
  return converted.body;
}

export function windowSpecOrThrow(dto: WindowSpecDto, path = ''): TimeWindowSpec {
  const converted = toWindowSpec(dto);
  if ('problems' in converted) throw validationFailed(converted.problems.map((p) => path + p));
  return converted.spec;
}
