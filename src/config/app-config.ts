import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isIP, isIPv4 } from 'node:net';
import { hostname } from 'node:os';
import { version } from '../../package.json';
import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { TOKEN_ADVICE, tokenWeakness } from './token-strength';

const DESCRIPTOR_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;
const keyMessage = (v: string) => `${v} must be 1–64 of A-Z a-z 0-9 _ . : -`;
const HEADER_NAME = /^[a-z0-9-]{1,64}$/;
const headerMessage = (v: string) => `${v} must be a lower-case HTTP header name`;

export type Role = 'viewer' | 'editor' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'editor', 'admin'];

/** What a gRPC caller may do: DecisionService Decide/DecideBatch and Envoy's ShouldRateLimit; ReportOutcomes/StreamOutcomes; WatchRules. */
export type GrpcScope = 'decide' | 'report' | 'watch';
export const GRPC_SCOPES: readonly GrpcScope[] = ['decide', 'report', 'watch'];

export interface GrpcCaller {
  name: string;
  scopes: GrpcScope[];
  token: string;
}

export interface ApiToken {
  /** Goes into audit records as the actor. */
  name: string;
  role: Role;
  token: string;
}

/** The typed, validated configuration. Built once at boot; nothing else reads process.env. */
export class AppConfig {
  httpHost!: string;
  httpPort!: number;
  etcdEndpoints!: string[];
  etcdPrefix!: string;
  etcdRequestTimeoutMs!: number;
  etcdUsername?: string;
  etcdPassword?: string;
  /** etcd's --max-txn-ops; bounds how many changes one import may carry. */
  etcdMaxTxnOps!: number;
  /** How often the etcd liveness probe runs while the watch looks idle. */
  etcdWatchdogMs!: number;
  snapshotPath!: string;
  apiTokens!: ApiToken[];
  bodyLimitBytes!: number;
  logLevel!: string;
  auditRetentionCount!: number;
  auditRetentionDays!: number;
  /** How long a write waits for this instance's index to show it before answering. */
  writeVisibilityTimeoutMs!: number;
  grpcHost!: string;
  grpcPort!: number;
  redisUrl!: string;
  /** host:port seeds of a Redis Cluster; empty = single Redis at redisUrl. */
  redisClusterNodes!: string[];
  redisTimeoutMs!: number;
  /** The built console (index.html and assets/); unset: console/dist of this checkout. */
  consoleDir?: string;
  /** How often the traffic tally is flushed to Redis; 0 turns the traffic view off. */
  trafficFlushMs!: number;
  redisKeyPrefix!: string;
  noRuleVerdict!: 'ALLOW' | 'REJECT';
  maxHits!: number;
  maxBatch!: number;
  atMaxSkewMs!: number;
  instanceId!: string;
  /** Seconds an instance's registration outlives it (etcd lease TTL). */
  instanceTtlSeconds!: number;
  shutdownGraceMs!: number;
  maxOutcomes!: number;
  watchHistory!: number;
  watchMaxPending!: number;
  /** Decisions (batch items, Envoy descriptors) and reported outcomes worked on at once, each. */
  maxInFlight!: number;
  /** Unanswered requests one DecideStream may have before the server stops reading it. */
  decideStreamMaxInFlight!: number;
  /** How long a DecideStream request may wait for others to share its Redis round trip (0 or 1 ms). */
  decideStreamCoalesceMs!: number;
  /** WatchRules streams open at once. */
  maxWatchers!: number;
  /** grpc.health.v1 Watch streams open at once. */
  maxHealthWatchers!: number;
  /** HTTP/2 streams (calls) one gRPC connection may have open at once. */
  grpcMaxStreamsPerConnection!: number;
  /** gRPC callers and their scopes (GRPC_TOKENS, plus GRPC_TOKEN with every scope); empty = no caller check. */
  grpcCallers!: GrpcCaller[];
  /** GRPC_ALLOW_INSECURE: serve gRPC beyond loopback with no caller credentials (labs only). */
  grpcAllowInsecure!: boolean;
  /** Failed admin logins allowed per client address group per minute before 429. */
  authFailuresPerMinute!: number;
  /** Address groups the failed-login limiter remembers (LRU beyond it). */
  authFailureMaxTracked!: number;
  /** Express "trust proxy": false, a hop count, or the proxies' addresses / CIDRs. */
  trustProxy!: false | number | string[];
  /**
   * TLS for REST and gRPC (PEM contents); clientCa makes gRPC require client certificates (mTLS),
   * httpClientCa does the same for REST.
   */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer; httpClientCa?: Buffer };
  /** TLS to etcd (https:// endpoints): CA to trust, and an optional client certificate. */
  etcdTls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** When set, /healthz, /readyz, /metrics and /api/docs are served only on this listener. */
  ops?: { host: string; port: number };
  /** Accepted but risky settings, logged once at boot. */
  warnings!: string[];
  /** Envoy rate limit service (ShouldRateLimit) mapping. */
  rls!: {
    domain: string;
    keys: { department: string; grade: string; resource: string; clientId: string };
    degradeHeader: string;
    circuitHeader: string;
    rateLimitHeaders: boolean;
  };
  maxLatencyMs!: number;
  /** This build's version (package.json), shown in the instance registry. */
  version!: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Raw environment, one property per variable, with defaults. Documented in README "Configuration". */
class Environment {
  @IsString() HTTP_HOST = '0.0.0.0';
  @IsInt() @Min(0) @Max(65535) HTTP_PORT = 8080;
  @IsString() @MinLength(1) ETCD_ENDPOINTS = 'http://127.0.0.1:2379';
  @Matches(/^\/([A-Za-z0-9._-]+\/)*$/, {
    message:
      'ETCD_PREFIX must start and end with "/" and hold only A-Z a-z 0-9 . _ - between slashes',
  })
  ETCD_PREFIX = '/rulecenter/v1/';
  @IsInt() @Min(50) @Max(60_000) ETCD_REQUEST_TIMEOUT_MS = 2000;
  @IsString() ETCD_USERNAME = '';
  @IsString() ETCD_PASSWORD = '';
  @IsInt() @Min(8) @Max(100_000) ETCD_MAX_TXN_OPS = 128;
  @IsInt() @Min(100) @Max(600_000) ETCD_WATCHDOG_MS = 3000;
  @IsString() @MinLength(1) SNAPSHOT_PATH = './data/rules-snapshot.json';
  @IsString() AUTH_TOKENS = '';
  @IsInt() @Min(1024) @Max(64 * 1024 * 1024) BODY_LIMIT_BYTES = 1024 * 1024;
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  @IsInt() @Min(0) AUDIT_RETENTION_COUNT = 10_000;
  @IsInt() @Min(0) AUDIT_RETENTION_DAYS = 90;
  @IsInt() @Min(0) @Max(60_000) WRITE_VISIBILITY_TIMEOUT_MS = 2000;
  @IsString() GRPC_HOST = '0.0.0.0';
  @IsInt() @Min(0) @Max(65535) GRPC_PORT = 9090;
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must look like redis://host:port' })
  REDIS_URL = 'redis://127.0.0.1:6379';
  @IsString() REDIS_CLUSTER_NODES = '';
  @IsInt() @Min(1) @Max(10_000) REDIS_TIMEOUT_MS = 100;
  /** 0, or at least a second: the traffic view promises at most one flush per second. */
  @IsInt()
  @IsIn([0, ...Array.from({ length: 60 }, (_, i) => (i + 1) * 1000)], {
    message: 'TRAFFIC_FLUSH_MS must be 0 (off) or a whole number of seconds in ms, 1000 to 60000',
  })
  TRAFFIC_FLUSH_MS = 1000;
  @IsString() @MaxLength(4096) CONSOLE_DIR = '';
  @Matches(/^[A-Za-z0-9:_.-]{0,32}$/, {
    message: 'REDIS_KEY_PREFIX must be at most 32 of A-Z a-z 0-9 : _ . -',
  })
  REDIS_KEY_PREFIX = 'rc:';
  @IsIn(['ALLOW', 'REJECT']) NO_RULE_VERDICT = 'ALLOW';
  @IsInt() @Min(1) @Max(1_000_000) MAX_HITS = 1000;
  @IsInt() @Min(1) @Max(10_000) MAX_BATCH = 1000;
  @IsInt() @Min(0) AT_MAX_SKEW_MS = 366 * 86_400_000;
  @Matches(/^[A-Za-z0-9._-]{0,64}$/, {
    message: 'INSTANCE_ID must be at most 64 of A-Z a-z 0-9 . _ -',
  })
  INSTANCE_ID = '';
  @IsInt() @Min(2) @Max(300) INSTANCE_TTL_SECONDS = 10;
  @IsInt() @Min(0) @Max(600_000) SHUTDOWN_GRACE_MS = 10_000;
  @IsInt() @Min(1) @Max(100_000) MAX_OUTCOMES = 10_000;
  @IsInt() @Min(0) @Max(1_000_000) WATCH_HISTORY = 10_000;
  @IsInt() @Min(1) @Max(1_000_000) WATCH_MAX_PENDING = 1_000;
  @IsInt() @Min(1) @Max(10_000_000) MAX_IN_FLIGHT = 2_000;
  @IsInt() @Min(1) @Max(100_000) DECIDE_STREAM_MAX_IN_FLIGHT = 256;
  @IsInt() @Min(0) @Max(1) DECIDE_STREAM_COALESCE_MS = 0;
  @IsInt() @Min(1) @Max(1_000_000) MAX_WATCHERS = 1_000;
  @IsInt() @Min(1) @Max(100_000) MAX_HEALTH_WATCHERS = 100;
  @IsInt() @Min(1) @Max(1_000_000) GRPC_MAX_STREAMS_PER_CONNECTION = 100;
  @IsString() @MaxLength(128) RLS_DOMAIN = '';
  @Matches(DESCRIPTOR_KEY, { message: keyMessage('RLS_KEY_DEPARTMENT') }) RLS_KEY_DEPARTMENT =
    'department';
  @Matches(DESCRIPTOR_KEY, { message: keyMessage('RLS_KEY_GRADE') }) RLS_KEY_GRADE = 'grade';
  @Matches(DESCRIPTOR_KEY, { message: keyMessage('RLS_KEY_RESOURCE') }) RLS_KEY_RESOURCE =
    'resource';
  @Matches(DESCRIPTOR_KEY, { message: keyMessage('RLS_KEY_CLIENT_ID') }) RLS_KEY_CLIENT_ID =
    'client_id';
  @Matches(HEADER_NAME, { message: headerMessage('RLS_DEGRADE_HEADER') }) RLS_DEGRADE_HEADER =
    'x-rulecenter-degrade';
  @Matches(HEADER_NAME, { message: headerMessage('RLS_CIRCUIT_HEADER') }) RLS_CIRCUIT_HEADER =
    'x-rulecenter-circuit';
  @IsIn(['true', 'false']) RLS_RATELIMIT_HEADERS = 'false';
  @IsString() GRPC_TOKEN = '';
  @IsString() GRPC_TOKENS = '';
  @IsIn(['true', 'false']) GRPC_ALLOW_INSECURE = 'false';
  @IsInt() @Min(1) @Max(100_000) AUTH_FAILURES_PER_MINUTE = 20;
  @IsInt() @Min(10) @Max(1_000_000) AUTH_FAILURE_MAX_TRACKED = 10_000;
  @IsString() TRUST_PROXY = '';
  @IsString() TLS_CERT_FILE = '';
  @IsString() TLS_KEY_FILE = '';
  @IsString() GRPC_CLIENT_CA_FILE = '';
  @IsString() HTTP_CLIENT_CA_FILE = '';
  @IsString() ETCD_CA_FILE = '';
  @IsString() ETCD_CERT_FILE = '';
  @IsString() ETCD_KEY_FILE = '';
  @IsString() @MinLength(1) OPS_HOST = '127.0.0.1';
  @Matches(/^(\d{1,5})?$/, {
    message: 'OPS_PORT must be a port number (or empty: no ops listener)',
  })
  OPS_PORT = '';
  @IsInt() @Min(1) @Max(86_400_000) MAX_LATENCY_MS = 600_000;
}

const INTEGER = /^-?\d+$/;

/**
 * Parses a `name:middle:token,…` list (AUTH_TOKENS, GRPC_TOKENS): `build` turns the middle part
 * into an entry or says what is wrong with it; every token must pass the strength check and be
 * used once.
 */
function parseTokenList<T extends { name: string; token: string }>(
  variable: string,
  raw: string,
  format: string,
  problems: string[],
  build: (name: string, middle: string, token: string) => T | string,
): T[] {
  const parsed: T[] = [];
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  entries.forEach((entry, i) => {
    const [name, middle = '', ...rest] = entry.split(':');
    const token = rest.join(':');
    const where = `${variable} entry ${i + 1}`;
    if (!name || !/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
      problems.push(`${where}: name must be 1–64 of A-Z a-z 0-9 . _ @ - (format ${format})`);
      return;
    }
    const result = build(name, middle, token);
    const weakness = tokenWeakness(token);
    if (typeof result === 'string') problems.push(`${where} (${name}): ${result}`);
    else if (weakness) problems.push(`${where} (${name}): ${weakness}; ${TOKEN_ADVICE}`);
    else parsed.push(result);
  });
  const seen = new Set<string>();
  for (const t of parsed) {
    if (seen.has(t.token)) problems.push(`${variable}: the token of ${t.name} is used twice`);
    seen.add(t.token);
  }
  return parsed;
}

function parseTokens(raw: string, problems: string[]): ApiToken[] {
  return parseTokenList('AUTH_TOKENS', raw, 'name:role:token', problems, (name, role, token) =>
    ROLES.includes(role as Role)
      ? { name, role: role as Role, token }
      : `role must be one of ${ROLES.join(', ')}`,
  );
}

function parseGrpcCallers(list: string, single: string, problems: string[]): GrpcCaller[] {
  const callers = parseTokenList(
    'GRPC_TOKENS',
    list,
    'name:scope+scope:token',
    problems,
    (name, scopeList, token): GrpcCaller | string => {
      const scopes = scopeList.split('+');
      const unknown = scopes.filter((s) => !GRPC_SCOPES.includes(s as GrpcScope));
      if (unknown.length)
        return `unknown scope ${unknown.map((s) => JSON.stringify(s)).join(', ')}; scopes are ${GRPC_SCOPES.join(', ')}, joined with +`;
      return { name, scopes: [...new Set(scopes)] as GrpcScope[], token };
    },
  );
  if (!single) return callers;
  const weakness = tokenWeakness(single);
  if (weakness) problems.push(`GRPC_TOKEN: ${weakness}; ${TOKEN_ADVICE}`);
  const twin = callers.find((c) => c.token === single);
  if (twin) problems.push(`GRPC_TOKEN: the same token is GRPC_TOKENS entry ${twin.name}`);
  return [{ name: 'GRPC_TOKEN', scopes: [...GRPC_SCOPES], token: single }, ...callers];
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUST_PROXY: empty/false, a hop count, or proxies as names, addresses and CIDRs (Express's forms). */
function parseTrustProxy(raw: string, problems: string[]): AppConfig['trustProxy'] {
  const value = raw.trim();
  if (value === '' || value === 'false') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10) problems.push('TRUST_PROXY: a hop count must be 1–10');
    return hops;
  }
  if (value === 'true') {
    problems.push(
      'TRUST_PROXY=true would believe any X-Forwarded-For a client sends; give the number of proxies in front (e.g. 1) or their addresses / CIDRs (e.g. 10.0.0.0/8,loopback)',
    );
    return false;
  }
  const entries = value.split(',').map((s) => s.trim());
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address);
    const prefixOk =
      prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
    if (PROXY_NAMES.includes(entry)) continue;
    if (!family || !prefixOk || extra !== undefined)
      problems.push(
        `TRUST_PROXY: "${entry}" is not an address, a CIDR or one of ${PROXY_NAMES.join(', ')}`,
      );
  }
  return entries;
}

/** Hosts that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIPv4(h) && h.startsWith('127.'));
}

function readPem(variable: string, path: string, problems: string[]): Buffer | undefined {
  try {
    const pem = readFileSync(path);
    if (!pem.toString('utf8').includes('-----BEGIN '))
      problems.push(`${variable}: ${path} is not a PEM file`);
    return pem;
  } catch (error) {
    problems.push(
      `${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
    return undefined;
  }
}

function readTls(
  certFile: string,
  keyFile: string,
  caFile: string,
  httpCaFile: string,
  problems: string[],
): AppConfig['tls'] {
  if (!certFile && !keyFile) {
    if (caFile) problems.push('GRPC_CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE');
    if (httpCaFile) problems.push('HTTP_CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE');
    return undefined;
  }
  if (!certFile || !keyFile) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither');
    return undefined;
  }
  const cert = readPem('TLS_CERT_FILE', certFile, problems);
  const key = readPem('TLS_KEY_FILE', keyFile, problems);
  const clientCa = caFile ? readPem('GRPC_CLIENT_CA_FILE', caFile, problems) : undefined;
  const httpClientCa = httpCaFile
    ? readPem('HTTP_CLIENT_CA_FILE', httpCaFile, problems)
    : undefined;
  return cert && key ? { cert, key, clientCa, httpClientCa } : undefined;
}

function readEtcdTls(
  env: Environment,
  endpoints: string[],
  problems: string[],
  warnings: string[],
): AppConfig['etcdTls'] {
  const secure = endpoints.filter((e) => e.startsWith('https://')).length;
  if (secure && secure !== endpoints.length)
    problems.push('ETCD_ENDPOINTS: use https:// for every member or for none');
  const files = env.ETCD_CA_FILE || env.ETCD_CERT_FILE || env.ETCD_KEY_FILE;
  if (files && !secure)
    problems.push('ETCD_CA_FILE, ETCD_CERT_FILE and ETCD_KEY_FILE need https:// ETCD_ENDPOINTS');
  if (Boolean(env.ETCD_CERT_FILE) !== Boolean(env.ETCD_KEY_FILE))
    problems.push('ETCD_CERT_FILE and ETCD_KEY_FILE go together: set both or neither');
  if (env.ETCD_PASSWORD && !secure)
    warnings.push(
      'ETCD_PASSWORD is sent to etcd in clear text over http:// endpoints; use https:// endpoints (and ETCD_CA_FILE)',
    );
  if (!secure) return undefined;
  const read = (variable: string, path: string) =>
    path ? readPem(variable, path, problems) : undefined;
  return {
    ca: read('ETCD_CA_FILE', env.ETCD_CA_FILE),
    cert: read('ETCD_CERT_FILE', env.ETCD_CERT_FILE),
    key: read('ETCD_KEY_FILE', env.ETCD_KEY_FILE),
  };
}

export interface LoadOptions {
  /**
   * false for one-shot commands (migrate, seed) that open no port: the checks about what the
   * service would expose are skipped.
   */
  serving?: boolean;
}

/** Validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(
  env: Record<string, string | undefined>,
  { serving = true }: LoadOptions = {},
): AppConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const defaults = new Environment();
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(defaults)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const fallback = (defaults as unknown as Record<string, unknown>)[name];
    if (typeof fallback === 'number') {
      if (!INTEGER.test(value.trim())) {
        problems.push(`${name} must be an integer; got "${value}"`);
        continue;
      }
      raw[name] = Number(value);
    } else raw[name] = value;
  }
  const parsed = Object.assign(defaults, plainToInstance(Environment, raw));
  for (const error of validateSync(parsed)) {
    const got = JSON.stringify((parsed as unknown as Record<string, unknown>)[error.property]);
    for (const message of Object.values(error.constraints ?? {}))
      problems.push(`${message} (got ${got})`);
  }
  const endpoints = parsed.ETCD_ENDPOINTS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const endpoint of endpoints) {
    if (!/^https?:\/\/[^/\s]+$/.test(endpoint))
      problems.push(`ETCD_ENDPOINTS: "${endpoint}" must look like http://host:port`);
  }
  const apiTokens = parseTokens(parsed.AUTH_TOKENS, problems);
  const clusterNodes = parsed.REDIS_CLUSTER_NODES.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const node of clusterNodes) {
    if (!/^[^\s:]+:\d{1,5}$/.test(node))
      problems.push(`REDIS_CLUSTER_NODES: "${node}" must look like host:port`);
  }
  const tls = readTls(
    parsed.TLS_CERT_FILE,
    parsed.TLS_KEY_FILE,
    parsed.GRPC_CLIENT_CA_FILE,
    parsed.HTTP_CLIENT_CA_FILE,
    problems,
  );
  const etcdTls = readEtcdTls(parsed, endpoints, problems, warnings);
  const grpcCallers = parseGrpcCallers(parsed.GRPC_TOKENS, parsed.GRPC_TOKEN, problems);
  const adminTokens = new Set(apiTokens.map((t) => t.token));
  for (const caller of grpcCallers) {
    if (adminTokens.has(caller.token))
      problems.push(
        `${caller.name === 'GRPC_TOKEN' ? 'GRPC_TOKEN' : `GRPC_TOKENS (${caller.name})`}: the same token is also an AUTH_TOKENS token; give gateways and admins different credentials`,
      );
  }
  const grpcAllowInsecure = parsed.GRPC_ALLOW_INSECURE === 'true';
  const grpcOpen =
    !isLoopbackHost(parsed.GRPC_HOST) && grpcCallers.length === 0 && !parsed.GRPC_CLIENT_CA_FILE;
  if (serving && grpcOpen && !grpcAllowInsecure)
    problems.push(
      `GRPC_HOST=${parsed.GRPC_HOST} would let anyone who reaches this port decide, report outcomes and read every rule: set GRPC_TOKENS (name:scopes:token), GRPC_TOKEN or GRPC_CLIENT_CA_FILE (mTLS), or bind GRPC_HOST=127.0.0.1; GRPC_ALLOW_INSECURE=true accepts it (labs only)`,
    );
  else if (serving && grpcOpen)
    warnings.push(
      `GRPC_ALLOW_INSECURE=true: gRPC on ${parsed.GRPC_HOST} accepts every caller without credentials`,
    );
  const trustProxy = parseTrustProxy(parsed.TRUST_PROXY, problems);
  const opsPort = parsed.OPS_PORT === '' ? undefined : Number(parsed.OPS_PORT);
  if (opsPort !== undefined && opsPort > 65535)
    problems.push(`OPS_PORT must not be greater than 65535 (got ${opsPort})`);
  if (problems.length) throw new ConfigError(problems);
  return Object.assign(new AppConfig(), {
    httpHost: parsed.HTTP_HOST,
    httpPort: parsed.HTTP_PORT,
    etcdEndpoints: endpoints,
    etcdPrefix: parsed.ETCD_PREFIX,
    etcdRequestTimeoutMs: parsed.ETCD_REQUEST_TIMEOUT_MS,
    etcdUsername: parsed.ETCD_USERNAME || undefined,
    etcdPassword: parsed.ETCD_PASSWORD || undefined,
    etcdMaxTxnOps: parsed.ETCD_MAX_TXN_OPS,
    etcdWatchdogMs: parsed.ETCD_WATCHDOG_MS,
    snapshotPath: parsed.SNAPSHOT_PATH,
    apiTokens,
    bodyLimitBytes: parsed.BODY_LIMIT_BYTES,
    logLevel: parsed.LOG_LEVEL,
    auditRetentionCount: parsed.AUDIT_RETENTION_COUNT,
    auditRetentionDays: parsed.AUDIT_RETENTION_DAYS,
    writeVisibilityTimeoutMs: parsed.WRITE_VISIBILITY_TIMEOUT_MS,
    grpcHost: parsed.GRPC_HOST,
    grpcPort: parsed.GRPC_PORT,
    redisUrl: parsed.REDIS_URL,
    redisClusterNodes: clusterNodes,
    redisTimeoutMs: parsed.REDIS_TIMEOUT_MS,
    trafficFlushMs: parsed.TRAFFIC_FLUSH_MS,
    consoleDir: parsed.CONSOLE_DIR || undefined,
    redisKeyPrefix: parsed.REDIS_KEY_PREFIX,
    noRuleVerdict: parsed.NO_RULE_VERDICT as 'ALLOW' | 'REJECT',
    maxHits: parsed.MAX_HITS,
    maxBatch: parsed.MAX_BATCH,
    atMaxSkewMs: parsed.AT_MAX_SKEW_MS,
    instanceId:
      parsed.INSTANCE_ID || `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    instanceTtlSeconds: parsed.INSTANCE_TTL_SECONDS,
    shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS,
    maxOutcomes: parsed.MAX_OUTCOMES,
    watchHistory: parsed.WATCH_HISTORY,
    watchMaxPending: parsed.WATCH_MAX_PENDING,
    maxInFlight: parsed.MAX_IN_FLIGHT,
    decideStreamMaxInFlight: parsed.DECIDE_STREAM_MAX_IN_FLIGHT,
    decideStreamCoalesceMs: parsed.DECIDE_STREAM_COALESCE_MS,
    maxWatchers: parsed.MAX_WATCHERS,
    maxHealthWatchers: parsed.MAX_HEALTH_WATCHERS,
    grpcMaxStreamsPerConnection: parsed.GRPC_MAX_STREAMS_PER_CONNECTION,
    grpcCallers,
    grpcAllowInsecure,
    authFailuresPerMinute: parsed.AUTH_FAILURES_PER_MINUTE,
    authFailureMaxTracked: parsed.AUTH_FAILURE_MAX_TRACKED,
    trustProxy,
    tls,
    etcdTls,
    ops: opsPort === undefined ? undefined : { host: parsed.OPS_HOST, port: opsPort },
    warnings,
    rls: {
      domain: parsed.RLS_DOMAIN,
      keys: {
        department: parsed.RLS_KEY_DEPARTMENT,
        grade: parsed.RLS_KEY_GRADE,
        resource: parsed.RLS_KEY_RESOURCE,
        clientId: parsed.RLS_KEY_CLIENT_ID,
      },
      degradeHeader: parsed.RLS_DEGRADE_HEADER,
      circuitHeader: parsed.RLS_CIRCUIT_HEADER,
      rateLimitHeaders: parsed.RLS_RATELIMIT_HEADERS === 'true',
    },
    maxLatencyMs: parsed.MAX_LATENCY_MS,
    version,
  });
}
