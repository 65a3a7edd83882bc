import { RESOURCE_PATTERN, RESOURCE_RULE_TEXT, requiredTokenProblem } from './scope';
import { DecideInput } from './decision';

/** The request as the transport decoded it (proto field names); anything may be missing. */
export interface RawDecideRequest {
  department?: string;
  grade?: string;
  resource?: string;
  client_id?: string;
  hits?: number;
  at?: { seconds?: number | string; nanos?: number } | null;
}

export interface DecideLimits {
  maxHits: number;
  /** 1 normally; 0 where a check-only call is part of the protocol (Envoy's hits_addend 0). */
  minHits?: number;
  /** `at` further than this from now is refused (replays and tests only need recent instants). */
  maxAtSkewMs: number;
}

export const MAX_CLIENT_ID_BYTES = 256;

/**
 * Cheap hand checks for the hot path (no class-transformer per call). Returns the input, or
 * the problems, each naming its field (prefixed with `path`, e.g. "requests[3].").
 */
export function parseDecideRequest(
  raw: RawDecideRequest,
  limits: DecideLimits,
  nowMs: number,
  path = '',
): DecideInput | string[] {
  const problems: string[] = [];
  const token = (field: 'department' | 'grade') => {
    const problem = requiredTokenProblem(`${path}${field}`, raw[field]);
    if (problem) problems.push(problem);
    return raw[field] ?? '';
  };
  const department = token('department');
  const grade = token('grade');
  const resource = raw.resource ?? '';
  if (resource !== '' && !RESOURCE_PATTERN.test(resource))
    problems.push(`${path}resource ${RESOURCE_RULE_TEXT}`);
  const clientId = raw.client_id ?? '';
  if (clientId.length > MAX_CLIENT_ID_BYTES || Buffer.byteLength(clientId) > MAX_CLIENT_ID_BYTES) {
    problems.push(`${path}client_id must be at most ${MAX_CLIENT_ID_BYTES} bytes`);
  }
  const hits = raw.hits ?? 1;
  const minHits = limits.minHits ?? 1;
  if (!Number.isInteger(hits) || hits < minHits || hits > limits.maxHits) {
    problems.push(
      `${path}hits must be between ${minHits} and ${limits.maxHits} (unset means 1); got ${hits}`,
    );
  }
  let atMs = nowMs;
  if (raw.at) {
    atMs = Number(raw.at.seconds ?? 0) * 1000 + Math.floor((raw.at.nanos ?? 0) / 1e6);
    if (!Number.isFinite(atMs) || Math.abs(atMs - nowMs) > limits.maxAtSkewMs) {
      const days = Math.round(limits.maxAtSkewMs / 86_400_000);
      problems.push(`${path}at must be within ${days} days of now`);
    }
  }
  return problems.length ? problems : { department, grade, resource, clientId, hits, atMs };
}
