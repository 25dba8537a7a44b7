import { configSchema, DEFAULT_JWT_SECRET, ParseError, type ConfigSchema, type VariableName } from './config.schema';

export type Config = Readonly<{ [K in VariableName]: ReturnType<ConfigSchema[K]['parse']> }>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses and validates the environment once, at boot. Every problem is collected so an operator
 * fixes them all in one go instead of one restart per typo.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const problems: string[] = [];
  const values: Record<string, unknown> = {};

  for (const [name, spec] of Object.entries(configSchema) as [VariableName, ConfigSchema[VariableName]][]) {
    const given = env[name];
    const raw = given !== undefined && given !== '' ? given : production && 'productionDefault' in spec ? spec.productionDefault : spec.default;
    if (raw === undefined) {
      problems.push(`${name} is required`);
      continue;
    }
    try {
      values[name] = spec.parse(raw);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      // Never echo a secret's value, even a malformed one.
      problems.push(`${name} ${err.message}${'secret' in spec && spec.secret ? '' : ` (got "${raw}")`}`);
    }
  }

  const secret = values.JWT_SECRET;
  if (typeof secret === 'string') {
    if (secret.length < 32) problems.push('JWT_SECRET must be at least 32 characters');
    if (production && (env.JWT_SECRET === undefined || env.JWT_SECRET === '' || secret === DEFAULT_JWT_SECRET)) {
      problems.push('JWT_SECRET must be set to a real secret when NODE_ENV=production');
    }
  }

  const timeout = values.VOLUNTEER_HEARTBEAT_TIMEOUT_SECONDS;
  if (typeof timeout === 'number') {
    // An app that obeys `nextUpdateInSeconds` must never look silent: one late or lost fix included.
    for (const name of ['LOCATION_INTERVAL_ASSIGNED_SECONDS', 'LOCATION_INTERVAL_IDLE_SECONDS'] as const) {
      const interval = values[name];
      if (typeof interval === 'number' && interval * 3 > timeout * 2) {
        problems.push(`${name} must be at most two thirds of VOLUNTEER_HEARTBEAT_TIMEOUT_SECONDS (${timeout} s), or obeying volunteers look silent`);
      }
    }
  }

  if (Array.isArray(values.TURN_URLS) && values.TURN_URLS.length > 0 && !values.TURN_SHARED_SECRET) {
    problems.push('TURN_SHARED_SECRET must be set when TURN_URLS is (TURN credentials are derived from it)');
  }

  // A provider's credentials come together: half of them is a mistake, not "off".
  for (const group of [
    ['APNS_KEY_ID', 'APNS_TEAM_ID', 'APNS_PRIVATE_KEY', 'APNS_BUNDLE_ID'],
    ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'],
    ['VONAGE_API_KEY', 'VONAGE_API_SECRET', 'VONAGE_FROM'],
  ] as const) {
    const set = group.filter((name) => values[name] !== '' && values[name] !== undefined);
    if (set.length > 0 && set.length < group.length) {
      problems.push(`${group.filter((name) => !set.includes(name)).join(', ')} must be set as well (${group.join(', ')} go together), or none of them`);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values) as Config;
}

/** The configuration with secrets masked, for the boot log line. */
export function redactConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([name, value]) => {
      const spec = configSchema[name as VariableName];
      return [name, 'secret' in spec && spec.secret ? '[redacted]' : value];
    }),
  );
}
