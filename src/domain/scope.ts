/**
 * Scope tokens become parts of etcd and Redis keys, so anything outside this alphabet
 * (a `/`, `..`, spaces, upper case, NUL) is refused before it reaches a store.
 */
export const TOKEN_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const WILDCARD = '*';

export const isToken = (value: unknown): value is string =>
  typeof value === 'string' && TOKEN_PATTERN.test(value);

/** A department or grade in a rule: a token or the wildcard. */
export const isScopeToken = (value: unknown): value is string =>
  value === WILDCARD || isToken(value);

export const TOKEN_RULE_TEXT =
  'must match ^[a-z0-9][a-z0-9_-]{0,63}$ (lower-case letters, digits, "_" and "-", at most 64 characters)';

/** Names a problem with a token, or returns undefined when it is fine. */
export function tokenProblem(
  field: string,
  value: unknown,
  allowWildcard: boolean,
): string | undefined {
  if (typeof value !== 'string') return `${field} must be a string`;
  if (allowWildcard ? isScopeToken(value) : isToken(value)) return undefined;
  return `${field} ${TOKEN_RULE_TEXT}${allowWildcard ? ' or be "*"' : ''}; got ${JSON.stringify(value.slice(0, 80))}`;
}
