import {
  SCOPE_TOKEN_PATTERN,
  SCOPE_TOKEN_RULE_TEXT,
  TOKEN_PATTERN,
  TOKEN_RULE_TEXT,
} from '../domain/scope';

/** The domain's token rules, as the DTO decorators take them. */
export const TOKEN_REGEX = TOKEN_PATTERN;
export const SCOPE_TOKEN_REGEX = SCOPE_TOKEN_PATTERN;

export const tokenMessage = (field: string): string => `${field} ${TOKEN_RULE_TEXT}`;
export const scopeTokenMessage = (field: string): string => `${field} ${SCOPE_TOKEN_RULE_TEXT}`;
