import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, configSchema, configTable, loadConfig } from '../../src/config';

const SECRET = 'a-real-production-secret-of-enough-length';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('has working defaults for development', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 4000,
      LOGIN_FAILURES_PER_ACCOUNT: 5,
      LOGIN_FAILURES_PER_IP: 50,
      LOGIN_FAILURE_WINDOW_SECONDS: 900,
      REGISTRATIONS_PER_IP_PER_HOUR: 20,
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 7 * 86400,
      GRAPHQL_INTROSPECTION: true,
      CORS_ORIGINS: [],
    });
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ PORT: 'abc', LOG_LEVEL: 'loud', REDIS_URL: 'http://x', GRAPHQL_IDE: 'maybe' });
    expect(problems).toEqual([
      'PORT must be a whole number between 0 and 65535 (got "abc")',
      'REDIS_URL must be a redis: or rediss: URL',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'GRAPHQL_IDE must be true or false (got "maybe")',
    ]);
  });

  it('never echoes a secret, even a malformed one', () => {
    const error = (() => {
      try {
        loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x', JWT_SECRET: 'hunter2' });
      } catch (err) {
        return err as ConfigError;
      }
    })();
    expect(error?.problems).toHaveLength(2);
    expect(error?.message).not.toContain('hunter2');
  });

  it('parses lists, booleans and numbers', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example,', TRUSTED_PROXIES: 'loopback', GRAPHQL_IDE: 'off', PORT: '0' });
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.TRUSTED_PROXIES).toEqual(['loopback']);
    expect(config.GRAPHQL_IDE).toBe(false);
    expect(config.PORT).toBe(0);
  });

  it('reads Redis Cluster seeds as host:port pairs, and refuses braces in the key prefix', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis-1:7000, 10.0.0.2:7001,[::1]:7002' }).REDIS_CLUSTER_NODES).toEqual(['redis-1:7000', '10.0.0.2:7001', '[::1]:7002']);
    expect(loadConfig({}).REDIS_CLUSTER_NODES).toEqual([]);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'redis-1:7000,redis://redis-2:7000', REDIS_KEY_PREFIX: 'cc:{all}:' })).toEqual([
      'REDIS_CLUSTER_NODES must be host:port pairs, comma-separated ("redis://redis-2:7000" is not one) (got "redis-1:7000,redis://redis-2:7000")',
      'REDIS_KEY_PREFIX must not contain { or } (they would put every key on one node of a Redis Cluster) (got "cc:{all}:")',
    ]);
  });

  describe('in production', () => {
    it('refuses a missing JWT secret', () => {
      expect(problemsOf({ NODE_ENV: 'production' })).toEqual(['JWT_SECRET must be set to a real secret when NODE_ENV=production']);
    });

    it('refuses the development default secret', () => {
      expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: configSchema.JWT_SECRET.default })).toEqual([
        'JWT_SECRET must be set to a real secret when NODE_ENV=production',
      ]);
    });

    it('refuses a short secret', () => {
      expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toEqual(['JWT_SECRET must be at least 32 characters']);
    });

    it('turns introspection and the IDE off unless asked', () => {
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET })).toMatchObject({ GRAPHQL_INTROSPECTION: false, GRAPHQL_IDE: false });
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, GRAPHQL_INTROSPECTION: 'true' }).GRAPHQL_INTROSPECTION).toBe(true);
    });
  });
});

describe('the README configuration table', () => {
  it('is the one generated from the code (run `npm run docs:config`)', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain(`<!-- config-table:start -->\n${configTable()}\n<!-- config-table:end -->`);
    for (const name of Object.keys(configSchema)) expect(configTable()).toContain(`| \`${name}\` |`);
  });
});
