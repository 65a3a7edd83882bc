import { TOKEN_PATTERN, TOKEN_RULE_TEXT } from '../domain/scope';

export const TOKEN_REGEX = TOKEN_PATTERN;
export const SCOPE_TOKEN_REGEX = /^(\*|[a-z0-9][a-z0-9_-]{0,63})$/;

export const tokenMessage = (field: string): string => `${field} ${TOKEN_RULE_TEXT}`;
export const scopeTokenMessage = (field: string): string => `${field} ${TOKEN_RULE_TEXT} or be "*"`;
