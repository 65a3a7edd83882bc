import { ConfigError, loadConfig } from './app-config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.httpPort).toBe(8080);
    expect(config.etcdEndpoints).toEqual(['http://127.0.0.1:2379']);
    expect(config.etcdPrefix).toBe('/rulecenter/v1/');
    expect(config.apiTokens).toEqual([]);
  });

  it('parses lists and tokens', () => {
    const config = loadConfig({
      ETCD_ENDPOINTS: 'http://10.0.0.1:2379, http://10.0.0.2:2379',
      AUTH_TOKENS: 'alice:admin:s3cret-token,bob:viewer:another-token',
    });
    expect(config.etcdEndpoints).toHaveLength(2);
    expect(config.apiTokens).toEqual([
      { name: 'alice', role: 'admin', token: 's3cret-token' },
      { name: 'bob', role: 'viewer', token: 'another-token' },
    ]);
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
      { AUTH_TOKENS: 'alice:root:longenough' },
      'AUTH_TOKENS entry 1 (alice): role must be one of viewer, editor, admin',
    ],
    [
      { AUTH_TOKENS: 'alice:admin:short' },
      'AUTH_TOKENS entry 1 (alice): token must be at least 8 characters',
    ],
    [
      { AUTH_TOKENS: 'a:admin:same-token,b:viewer:same-token' },
      'AUTH_TOKENS: the token of b is used twice',
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
    [{ GRPC_TOKEN: 'short' }, 'GRPC_TOKEN must be at least 16 characters when set'],
  ])('rejects %j naming the variable', (env, message) => {
    expect(problemsOf(env).join('\n')).toContain(message);
  });

  it('reports every bad variable at once', () => {
    expect(problemsOf({ HTTP_PORT: 'x', ETCD_REQUEST_TIMEOUT_MS: '1' })).toHaveLength(2);
  });
});
