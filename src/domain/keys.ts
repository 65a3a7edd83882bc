import { RuleId, ruleKeyOf } from './rule';

/**
 * The etcd layout under the configured prefix (docs/storage.md). Keys here are relative to the
 * prefix; the etcd adapter adds it.
 */
export const KEYS = {
  rulesPrefix: 'rules/',
  windowsPrefix: 'windows/',
  auditPrefix: 'audit/',
  instancesPrefix: 'instances/',
  breakersPrefix: 'breakers/',
  schemaVersion: 'meta/schema_version',
  rule: (id: RuleId): string => `rules/${ruleKeyOf(id)}`,
  window: (name: string): string => `windows/${name}`,
  breaker: (id: RuleId): string => `breakers/${ruleKeyOf(id)}`,
  audit: (id: string): string => `audit/${id}`,
  instance: (id: string): string => `instances/${id}`,
} as const;
