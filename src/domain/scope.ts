/**
 * Scope tokens become parts of etcd and Redis keys, so anything outside this alphabet
 * (a `/`, `..`, spaces, upper case, NUL) is refused before it reaches a store. This module is the
 * one place the token and resource rules are written; every transport and the codec use it.
 */
const TOKEN_BODY = '[a-z0-9][a-z0-9_-]{0,63}';
export const TOKEN_PATTERN = new RegExp(`^${TOKEN_BODY}$`);
export const WILDCARD = '*';
/** A department or grade in a rule (or a filter): a token or the wildcard. */
export const SCOPE_TOKEN_PATTERN = new RegExp(`^(\\${WILDCARD}|${TOKEN_BODY})$`);

export const isToken = (value: unknown): value is string =>
  typeof value === 'string' && TOKEN_PATTERN.test(value);

export const isScopeToken = (value: unknown): value is string =>
  typeof value === 'string' && SCOPE_TOKEN_PATTERN.test(value);

export const TOKEN_RULE_TEXT = `must match ^${TOKEN_BODY}$ (lower-case letters, digits, "_" and "-", at most 64 characters)`;
export const SCOPE_TOKEN_RULE_TEXT = `${TOKEN_RULE_TEXT} or be "${WILDCARD}"`;

/** Resource names are not key parts; they only need to be printable and bounded. */
export const RESOURCE_PATTERN = /^[\x21-\x7e]{1,128}$/;
export const RESOURCE_RULE_TEXT = 'must be 1–128 printable characters without spaces';

/** Names a problem with a token, or returns undefined when it is fine. */
export function tokenProblem(
  field: string,
  value: unknown,
  allowWildcard: boolean,
): string | undefined {
  if (typeof value !== 'string') return `${field} must be a string`;
  if (allowWildcard ? isScopeToken(value) : isToken(value)) return undefined;
  const rule = allowWildcard ? SCOPE_TOKEN_RULE_TEXT : TOKEN_RULE_TEXT;
  return `${field} ${rule}; got ${JSON.stringify(value.slice(0, 80))}`;
}

/** The same for a field a request must carry: missing or empty is its own problem. */
export function requiredTokenProblem(
  field: string,
  value: unknown,
  allowWildcard = false,
): string | undefined {
  if (value === undefined || value === null || value === '') return `${field} is required`;
  return tokenProblem(field, value, allowWildcard);
}
