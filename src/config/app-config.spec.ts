import { ConfigError, loadConfig } from './app-config';

const ADMIN = '0123456789abcdef0123456789abcdef-admin';
const VIEWER = 'fedcba9876543210fedcba9876543210-viewer';
const GATEWAY = '00112233445566778899aabbccddeeff-gateway';

/** A valid base: gRPC on loopback, so only the variable under test is wrong. */
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ GRPC_HOST: '127.0.0.1', ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({ GRPC_HOST: '127.0.0.1' });
    expect(config.httpPort).toBe(8080);
    expect(config.etcdEndpoints).toEqual(['http://127.0.0.1:2379']);
    expect(config.etcdPrefix).toBe('/rulecenter/v1/');
    expect(config.apiTokens).toEqual([]);
    expect(config.grpcCallers).toEqual([]);
    expect(config.trustProxy).toBe(false);
    expect(config.ops).toBeUndefined();
    expect(config.warnings).toEqual([]);
  });

  it('parses lists and tokens', () => {
    const config = loadConfig({
      ETCD_ENDPOINTS: 'http://10.0.0.1:2379, http://10.0.0.2:2379',
      AUTH_TOKENS: `alice:admin:${ADMIN},bob:viewer:${VIEWER}`,
      GRPC_TOKENS: `envoy:decide:${GATEWAY},gw:decide+report:${GATEWAY}-2`,
      GRPC_TOKEN: `${GATEWAY}-legacy`,
      TRUST_PROXY: '10.0.0.0/8, loopback,2001:db8::/32',
      OPS_PORT: '9100',
    });
    expect(config.etcdEndpoints).toHaveLength(2);
    expect(config.apiTokens).toEqual([
      { name: 'alice', role: 'admin', token: ADMIN },
      { name: 'bob', role: 'viewer', token: VIEWER },
    ]);
    expect(config.grpcCallers).toEqual([
      { name: 'GRPC_TOKEN', scopes: ['decide', 'report', 'watch'], token: `${GATEWAY}-legacy` },
      { name: 'envoy', scopes: ['decide'], token: GATEWAY },
      { name: 'gw', scopes: ['decide', 'report'], token: `${GATEWAY}-2` },
    ]);
    expect(config.trustProxy).toEqual(['10.0.0.0/8', 'loopback', '2001:db8::/32']);
    expect(loadConfig({ GRPC_HOST: '::1', TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(config.ops).toEqual({ host: '127.0.0.1', port: 9100 });
  });

  it.each([
    [{ HTTP_PORT: 'eighty' }, 'HTTP_PORT must be an integer; got "eighty"'],
    [{ HTTP_PORT: '70000' }, 'HTTP_PORT must not be greater than 65535 (got 70000)'],
    [{ ETCD_PREFIX: 'rulecenter' }, 'ETCD_PREFIX must start and end with "/"'],
    [
      { ETCD_ENDPOINTS: 'localhost:2379' },
      'ETCD_ENDPOINTS: "localhost:2379" must look like http://host:port',
    ],
    [
      { AUTH_TOKENS: `alice:root:${ADMIN}` },
      'AUTH_TOKENS entry 1 (alice): role must be one of viewer, editor, admin',
    ],
    [
      { AUTH_TOKENS: 'alice:admin:dev-admin-token' },
      'AUTH_TOKENS entry 1 (alice): token is 15 characters; at least 32 random characters are required; generate one with: openssl rand -hex 32',
    ],
    [
      { AUTH_TOKENS: `a:admin:${ADMIN},b:viewer:${ADMIN}` },
      'AUTH_TOKENS: the token of b is used twice',
    ],
    [
      { GRPC_TOKENS: `gw:decide+admin:${GATEWAY}` },
      'GRPC_TOKENS entry 1 (gw): unknown scope "admin"; scopes are decide, report, watch, joined with +',
    ],
    [{ GRPC_TOKENS: 'gw:decide:gateway-token-1' }, 'GRPC_TOKENS entry 1 (gw): token is 15'],
    [{ GRPC_TOKENS: `:decide:${GATEWAY}` }, 'GRPC_TOKENS entry 1: name must be'],
    [
      { AUTH_TOKENS: `a:admin:${ADMIN}`, GRPC_TOKENS: `gw:decide:${ADMIN}` },
      'GRPC_TOKENS (gw): the same token is also an AUTH_TOKENS token',
    ],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY=true would believe any X-Forwarded-For'],
    [{ TRUST_PROXY: '10.0.0.0/40' }, 'TRUST_PROXY: "10.0.0.0/40" is not an address'],
    [{ TRUST_PROXY: 'proxy.internal' }, 'TRUST_PROXY: "proxy.internal" is not an address'],
    [{ OPS_PORT: 'ninety' }, 'OPS_PORT must be a port number'],
    [{ OPS_PORT: '70000' }, 'OPS_PORT must not be greater than 65535'],
    [
      { GRPC_HOST: '0.0.0.0' },
      'GRPC_HOST=0.0.0.0 would let anyone who reaches this port decide, report outcomes and read every rule',
    ],
    [{ GRPC_HOST: '10.1.2.3' }, 'GRPC_HOST=10.1.2.3 would let anyone'],
    [
      { HTTP_CLIENT_CA_FILE: '/etc/hostname' },
      'HTTP_CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE',
    ],
    [
      { ETCD_CA_FILE: '/etc/hostname' },
      'ETCD_CA_FILE, ETCD_CERT_FILE and ETCD_KEY_FILE need https:// ETCD_ENDPOINTS',
    ],
    [
      { ETCD_ENDPOINTS: 'https://10.0.0.1:2379,http://10.0.0.2:2379' },
      'ETCD_ENDPOINTS: use https:// for every member or for none',
    ],
    [
      { ETCD_ENDPOINTS: 'https://10.0.0.1:2379', ETCD_CERT_FILE: '/etc/hostname' },
      'ETCD_CERT_FILE and ETCD_KEY_FILE go together',
    ],
    [
      { ETCD_ENDPOINTS: 'https://10.0.0.1:2379', ETCD_CA_FILE: '/etc/hostname' },
      'ETCD_CA_FILE: /etc/hostname is not a PEM file',
    ],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of the following values'],
    [
      { TLS_CERT_FILE: '/etc/hostname' },
      'TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither',
    ],
    [
      { TLS_CERT_FILE: '/nonexistent.pem', TLS_KEY_FILE: '/etc/hostname' },
      'TLS_CERT_FILE: cannot read /nonexistent.pem (ENOENT)',
    ],
    [
      { TLS_CERT_FILE: '/etc/hostname', TLS_KEY_FILE: '/etc/hostname' },
      'TLS_CERT_FILE: /etc/hostname is not a PEM file',
    ],
    [
      { GRPC_CLIENT_CA_FILE: '/etc/hostname' },
      'GRPC_CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE',
    ],
    [{ GRPC_TOKEN: 'short' }, 'GRPC_TOKEN: token is 5 characters; at least 32'],
  ])('rejects %j naming the variable', (env, message) => {
    expect(problemsOf(env).join('\n')).toContain(message);
  });

  it('serves gRPC beyond loopback only with caller credentials, mTLS or an explicit lab switch', () => {
    expect(loadConfig({ GRPC_TOKENS: `gw:decide:${GATEWAY}` }).warnings).toEqual([]);
    expect(loadConfig({ GRPC_TOKEN: GATEWAY }).grpcHost).toBe('0.0.0.0');
    expect(loadConfig({ GRPC_HOST: 'localhost' }).warnings).toEqual([]);
    expect(loadConfig({ GRPC_HOST: '127.0.0.2' }).warnings).toEqual([]);
    expect(loadConfig({ GRPC_ALLOW_INSECURE: 'true' }).warnings).toEqual([
      'GRPC_ALLOW_INSECURE=true: gRPC on 0.0.0.0 accepts every caller without credentials',
    ]);
    // One-shot commands (migrate, seed) open no port: nothing to refuse.
    expect(loadConfig({}, { serving: false }).grpcHost).toBe('0.0.0.0');
  });

  it('warns when the etcd password would travel in clear text', () => {
    expect(loadConfig({ GRPC_HOST: '::1', ETCD_PASSWORD: 'pw' }).warnings).toEqual([
      'ETCD_PASSWORD is sent to etcd in clear text over http:// endpoints; use https:// endpoints (and ETCD_CA_FILE)',
    ]);
    const secure = loadConfig({
      GRPC_HOST: '::1',
      ETCD_ENDPOINTS: 'https://10.0.0.1:2379',
      ETCD_PASSWORD: 'pw',
    });
    expect(secure.warnings).toEqual([]);
    expect(secure.etcdTls).toEqual({ ca: undefined, cert: undefined, key: undefined });
  });

  it('reports every bad variable at once', () => {
    expect(problemsOf({ HTTP_PORT: 'x', ETCD_REQUEST_TIMEOUT_MS: '1' })).toHaveLength(2);
  });
});
