// Every environment variable the API reads, with its default and meaning. This table is the single
// source for parsing (load-config.ts) and for the README's configuration table (a test keeps
// the two in step), so adding a variable means adding one entry here.

import { EMERGENCY_NUMBER_RULE, isEmergencyNumber } from '../platform/validation/emergency-number';

export type Parsed = string | number | boolean | string[] | number[];

export interface VariableSpec<T extends Parsed = Parsed> {
  /** Default as written in the environment; undefined means "required". */
  default?: string;
  /** Default when NODE_ENV=production, where it differs. */
  productionDefault?: string;
  description: string;
  secret?: boolean;
  parse(raw: string): T;
}

class ParseError extends Error {}

const integer =
  (min: number, max: number) =>
  (raw: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new ParseError(`must be a whole number between ${min} and ${max}`);
    const n = Number(raw);
    if (n < min || n > max) throw new ParseError(`must be between ${min} and ${max}`);
    return n;
  };

const boolean = (raw: string): boolean => {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new ParseError('must be true or false');
};

const oneOf =
  <T extends string>(...values: T[]) =>
  (raw: string): T => {
    const v = raw.trim() as T;
    if (!values.includes(v)) throw new ParseError(`must be one of ${values.join(', ')}`);
    return v;
  };

const url =
  (...protocols: string[]) =>
  (raw: string): string => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ParseError('must be a URL');
    }
    if (!protocols.includes(parsed.protocol)) throw new ParseError(`must be a ${protocols.join(' or ')} URL`);
    return raw;
  };

const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const text = (raw: string): string => raw;

const hostPorts = (raw: string): string[] => {
  const nodes = list(raw);
  const bad = nodes.find((node) => !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(node) && !/^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/.test(node));
  if (bad) throw new ParseError(`must be host:port pairs, comma-separated ("${bad}" is not one)`);
  return nodes;
};

const radii = (raw: string): number[] => {
  const numbers = list(raw).map(Number);
  if (numbers.length === 0 || numbers.some((n, i) => !Number.isInteger(n) || n < 1 || n > 50_000 || (i > 0 && n <= numbers[i - 1]))) {
    throw new ParseError('must be increasing whole numbers of metres (1 to 50000), comma-separated');
  }
  return numbers;
};

/** A Google service-account key file (JSON) with what FCM needs, or empty (push to Android and web off). */
const serviceAccount = (raw: string): string => {
  if (raw.trim() === '') return '';
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new ParseError('must be the JSON of a Google service-account key file');
  }
  const missing = ['project_id', 'client_email', 'private_key', 'token_uri'].filter((field) => typeof parsed[field] !== 'string' || parsed[field] === '');
  if (missing.length > 0) throw new ParseError(`is missing ${missing.join(', ')}`);
  return raw;
};

/** ICE server URLs (RFC 7064/7065: `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]`). */
const iceUrls =
  (...schemes: string[]) =>
  (raw: string): string[] => {
    const urls = list(raw);
    const bad = urls.find((u) => !schemes.some((scheme) => u.startsWith(scheme)) || !/^[a-z]+:[^\s/?]+(\?transport=(udp|tcp))?$/.test(u));
    if (bad) throw new ParseError(`"${bad}" is not a ${schemes.join(' or ')} URL (host[:port][?transport=udp|tcp])`);
    return urls;
  };

/** A PEM key, also written on one line with literal \n (as environment variables often are). */
const pem = (raw: string): string => {
  const key = raw.replace(/\\n/g, '\n').trim();
  if (key !== '' && !/^-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----$/.test(key)) throw new ParseError('must be a PKCS #8 PEM key (the .p8 file)');
  return key;
};

const spec = <T extends Parsed>(s: VariableSpec<T>): VariableSpec<T> => s;

export const DEFAULT_JWT_SECRET = 'dev-only-insecure-jwt-secret-change-me';

export const configSchema = {
  NODE_ENV: spec({
    default: 'development',
    description: '`development`, `test` or `production`. Production demands a real JWT_SECRET and turns introspection and the IDE off by default.',
    parse: oneOf('development', 'test', 'production'),
  }),
  HOST: spec({ default: '0.0.0.0', description: 'Interface the HTTP and WebSocket server listens on.', parse: text }),
  PORT: spec({ default: '4000', description: 'Port of the HTTP and WebSocket server (`0` picks a free one).', parse: integer(0, 65535) }),
  DATABASE_URL: spec({
    default: 'postgresql://postgres@127.0.0.1:5432/careconnect',
    description: 'PostgreSQL (with PostGIS) connection URL. The setup step creates the database if it is missing.',
    secret: true,
    parse: url('postgresql:', 'postgres:'),
  }),
  DATABASE_POOL_SIZE: spec({ default: '10', description: 'Connections in the PostgreSQL pool of one instance.', parse: integer(1, 200) }),
  DATABASE_STATEMENT_TIMEOUT_MS: spec({
    default: '5000',
    description:
      'Longest a SQL statement may run, and longest the API waits for PostgreSQL to answer one (a partition answers never). Five failures in a row open a circuit breaker: requests then answer UNAVAILABLE at once, and a probe every second finds out when the database is back.',
    parse: integer(100, 600_000),
  }),
  DATABASE_PREPARED_STATEMENTS: spec({
    default: 'true',
    description:
      "Run the API's raw SQL as named prepared statements, parsed and planned once per connection. Behind a pooler in transaction mode, keep it on only if the pooler supports them (PgBouncer 1.21+ with `max_prepared_statements`).",
    parse: boolean,
  }),
  DATABASE_REPLICA_URL: spec({
    default: '',
    secret: true,
    description:
      'A streaming replica of DATABASE_URL for heavy reads (statistics, history pages). A read goes to it only once it has replayed every write committed before the read began, so nobody reads their own write missing; else to the primary. Everything that decides (matching, accepts, idempotency) reads the primary. Empty: every read is the primary\'s.',
    parse: (raw) => (raw.trim() === '' ? '' : url('postgresql:', 'postgres:')(raw.trim())),
  }),
  DATABASE_REPLICA_MAX_WAIT_MS: spec({
    default: '250',
    description: 'How long a read meant for the replica waits for it to catch up before reading the primary.',
    parse: integer(0, 10_000),
  }),
  DATABASE_VIA_POOLER: spec({
    default: 'false',
    description:
      'DATABASE_URL is a pooler in transaction mode (PgBouncer): connections then carry no session settings (PgBouncer refuses them at startup), so the database role must set `statement_timeout`, `idle_in_transaction_session_timeout` and `jit = off` (README, Deploying). With PgBouncer before 1.21, also set DATABASE_PREPARED_STATEMENTS=false.',
    parse: boolean,
  }),
  REDIS_URL: spec({
    default: 'redis://127.0.0.1:6379',
    description: 'Redis connection URL: state every instance shares (rate limits and, as features arrive, pub/sub, geo index, presence, jobs).',
    secret: true,
    parse: url('redis:', 'rediss:'),
  }),
  REDIS_CLUSTER_NODES: spec({
    default: '',
    description:
      'Seed nodes of a Redis Cluster as host:port, comma-separated (a few suffice; the rest are discovered). When set, every Redis client runs in cluster mode and REDIS_URL gives only the credentials and TLS (rediss:) the nodes share.',
    parse: hostPorts,
  }),
  REDIS_KEY_PREFIX: spec({
    default: 'cc:',
    description: 'Prefix of every Redis key, so several deployments (or test runs) can share one Redis.',
    parse: (raw) => {
      // The API's own hash tags ({vol}) decide which keys share a node of a Redis Cluster.
      if (/[{}]/.test(raw)) throw new ParseError('must not contain { or } (they would put every key on one node of a Redis Cluster)');
      return raw;
    },
  }),
  JWT_SECRET: spec({
    default: DEFAULT_JWT_SECRET,
    description: 'HMAC secret signing access tokens, at least 32 characters. Production refuses to start without a real one.',
    secret: true,
    parse: text,
  }),
  ACCESS_TOKEN_TTL_SECONDS: spec({ default: '900', description: 'Lifetime of an access token (JWT); a WebSocket is closed (4401) when its token expires.', parse: integer(5, 86400) }),
  REFRESH_TOKEN_TTL_SECONDS: spec({
    default: '604800',
    description: 'Lifetime of a refresh token (7 days). Each `refreshSession` rotates it.',
    parse: integer(60, 90 * 86400),
  }),
  PASSWORD_HASH_COST: spec({
    default: '15',
    description: 'scrypt cost as log2(N) (15 = 32 MiB per hash). Raise it as hardware allows; existing hashes keep their own cost.',
    parse: integer(10, 20),
  }),
  LOGIN_FAILURES_PER_ACCOUNT: spec({ default: '5', description: 'Failed logins allowed per account within LOGIN_FAILURE_WINDOW_SECONDS.', parse: integer(1, 10000) }),
  LOGIN_FAILURES_PER_IP: spec({ default: '50', description: 'Failed logins allowed per client IP within LOGIN_FAILURE_WINDOW_SECONDS.', parse: integer(1, 100000) }),
  LOGIN_FAILURE_WINDOW_SECONDS: spec({ default: '900', description: 'Window of the two login-failure limits (15 minutes).', parse: integer(1, 86400) }),
  REGISTRATIONS_PER_IP_PER_HOUR: spec({ default: '20', description: 'Registrations allowed per client IP per hour.', parse: integer(1, 100000) }),
  TRUSTED_PROXIES: spec({
    default: '',
    description:
      'Comma-separated proxies whose `X-Forwarded-For` is believed (`loopback`, `uniquelocal`, IPs or CIDRs, as in express `trust proxy`). Empty: the socket address is the client IP.',
    parse: list,
  }),
  CORS_ORIGINS: spec({
    default: '',
    description: 'Comma-separated browser origins allowed to call the API (`*` for any). Empty: no cross-origin browser access. Native apps are unaffected.',
    parse: list,
  }),
  LOG_LEVEL: spec({
    default: 'info',
    description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. Logs are JSON lines on stdout.',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: spec({
    default: '',
    description:
      'OpenTelemetry traces (HTTP requests, GraphQL operations by name, SQL, Redis, jobs) go over OTLP/HTTP (JSON) to this collector (`/v1/traces` is appended). Empty: tracing is off and loads nothing. The exporter also reads the standard `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_TIMEOUT`.',
    parse: (raw) => (raw.trim() === '' ? '' : url('https:', 'http:')(raw.trim())),
  }),
  OTEL_SERVICE_NAME: spec({ default: 'careconnect-api', description: 'The `service.name` traces are reported under.', parse: text }),
  TRACES_SAMPLE_PERCENT: spec({
    default: '100',
    description: 'Share of requests and jobs traced, in percent, decided where a trace starts (everything within it follows).',
    parse: integer(0, 100),
  }),
  REQUEST_BODY_LIMIT_BYTES: spec({
    default: '102400',
    description: 'Largest HTTP request body and WebSocket message accepted (larger: HTTP 413, or the socket is closed).',
    parse: integer(1024, 10 * 1024 * 1024),
  }),
  GRAPHQL_MAX_DEPTH: spec({ default: '10', description: 'Deepest field nesting an operation may have.', parse: integer(2, 100) }),
  GRAPHQL_MAX_FIELDS: spec({
    default: '500',
    description: 'Most fields an operation may select once its fragments are spread in full.',
    parse: integer(10, 100_000),
  }),
  GRAPHQL_MAX_ALIASES: spec({ default: '15', description: 'Most aliases a document may hold (each runs its field again).', parse: integer(0, 1000) }),
  GRAPHQL_MAX_COST: spec({
    default: '5000',
    description: 'Highest estimated cost of an operation (each field costs 1; lists multiply by their `first`/`limit`).',
    parse: integer(10, 1_000_000),
  }),
  TRUSTED_DOCUMENTS_ONLY: spec({
    default: 'false',
    description:
      "Anonymous people, USERs and VOLUNTEERs may run only the SDK's operations (sdk/generated/persisted-documents.json), sent by id or exact text; others get QUERY_NOT_IN_SAFELIST (403). Staff, and a server with NODE_ENV=development, may run anything. Recommended in production.",
    parse: boolean,
  }),
  GRAPHQL_INTROSPECTION: spec({
    default: 'true',
    productionDefault: 'false',
    description: 'Serve schema introspection (default: on, off in production).',
    parse: boolean,
  }),
  GRAPHQL_IDE: spec({
    default: 'true',
    productionDefault: 'false',
    description: 'Serve the Apollo Sandbox IDE on `GET /graphql` in a browser (default: on, off in production).',
    parse: boolean,
  }),
  VOLUNTEER_STALE_SECONDS: spec({
    default: '120',
    description: 'An available volunteer whose last location is older than this is treated as unavailable and never returned by a search.',
    parse: integer(1, 86400),
  }),
  VOLUNTEER_LOCATION_PERSIST_SECONDS: spec({
    default: '30',
    description: "A volunteer's location is written to PostgreSQL at most this often, unless they moved more than VOLUNTEER_LOCATION_PERSIST_METERS (Redis gets every update).",
    parse: integer(1, 3600),
  }),
  VOLUNTEER_LOCATION_PERSIST_METERS: spec({
    default: '100',
    description: 'A move of more than this since the last PostgreSQL write of a location is written at once.',
    parse: integer(1, 100000),
  }),
  LOCATION_INTERVAL_ASSIGNED_SECONDS: spec({
    default: '5',
    description: '`LocationAck.nextUpdateInSeconds` while the volunteer is assigned to an SOS.',
    parse: integer(1, 600),
  }),
  LOCATION_INTERVAL_IDLE_SECONDS: spec({
    default: '20',
    description:
      '`LocationAck.nextUpdateInSeconds` while the volunteer is merely available (saves battery). Both intervals must be at most two thirds of VOLUNTEER_HEARTBEAT_TIMEOUT_SECONDS, so a volunteer who missed their assignment (a Redis that lost its data) is not dropped for obeying.',
    parse: integer(1, 3600),
  }),
  PRESENCE_LIVE_SECONDS: spec({
    default: '30',
    description: 'A volunteer counts as live while their last location is at most this old (presence).',
    parse: integer(1, 3600),
  }),
  SOS_PER_HOUR: spec({ default: '3', description: 'SOS a person may raise per hour (idempotent retries do not count).', parse: integer(1, 1000) }),
  SOS_RADII_METERS: spec({
    default: '1000,3000,5000,10000',
    description: 'Matching steps: the search radius of each, in order. After the last one an SOS is ESCALATED.',
    parse: radii,
  }),
  SOS_ALERTS_PER_STEP: spec({ default: '5', description: 'Volunteers alerted per matching step.', parse: integer(1, 100) }),
  ANALYTICS_CONCURRENCY: spec({
    default: '2',
    description:
      'Statistics questions (responseStats, topResponders) one instance answers at once. Each reads up to a year of SOS with pool connections the SOS work needs too; more wait their turn.',
    parse: integer(1, 50),
  }),
  ANALYTICS_QUEUE_LENGTH: spec({
    default: '20',
    description: 'Statistics questions that may wait for their turn on one instance; past that they get RATE_LIMITED (retry after 5 s).',
    parse: integer(0, 1000),
  }),
  MATCH_UNVERIFIED_VOLUNTEERS: spec({
    default: 'true',
    description:
      'Whether volunteers no admin has verified yet (verifyVolunteer) are alerted. Rejected volunteers (rejectVolunteer) never are. Also while PostgreSQL is down: the live index keeps who is verified, so SOS taken into the outage journal follow this too.',
    parse: boolean,
  }),
  SOS_STEP_TIMEOUT_SECONDS: spec({
    default: '20',
    description: 'How long a matching step waits for an accept before the next one widens the search (also how long an alert stays open).',
    parse: integer(1, 3600),
  }),
  SOS_SPOOF_DISTANCE_KM: spec({
    default: '50',
    description: "An SOS further than this from where the client's IP address places it is flagged for admin review (never blocked).",
    parse: integer(1, 20000),
  }),
  VOLUNTEER_ALERTS_PER_HOUR: spec({ default: '4', description: 'Alert fatigue: a volunteer is alerted at most this often per hour.', parse: integer(1, 1000) }),
  SOS_FAKE_REPORTS_TO_FLAG: spec({
    default: '3',
    description: "Different volunteers reporting a person's SOS as fake before the person is flagged for review.",
    parse: integer(1, 1000),
  }),
  SOS_CANCELLED_PERCENT_TO_FLAG: spec({
    default: '50',
    description: 'A person who cancelled more than this share (%) of their SOS, with at least SOS_CANCELLED_MINIMUM of them, is flagged for review.',
    parse: integer(0, 100),
  }),
  SOS_CANCELLED_MINIMUM: spec({ default: '4', description: 'See SOS_CANCELLED_PERCENT_TO_FLAG.', parse: integer(1, 1000) }),
  VOLUNTEER_HEARTBEAT_TIMEOUT_SECONDS: spec({
    default: '30',
    description: 'An assigned volunteer who sends no location for this long is dropped from the SOS, which is matched again without them.',
    parse: integer(1, 3600),
  }),
  VOLUNTEER_DISCONNECTIONS_TO_FLAG: spec({
    default: '3',
    description: 'Drops (see VOLUNTEER_HEARTBEAT_TIMEOUT_SECONDS) within 30 days that flag a volunteer for review.',
    parse: integer(1, 1000),
  }),
  CHAT_MESSAGES_PER_10S: spec({ default: '20', description: 'Messages a person may send per 10 seconds (RATE_LIMITED beyond).', parse: integer(1, 10000) }),
  CHAT_TYPING_LAPSE_SECONDS: spec({ default: '5', description: 'Typing that is not renewed within this long is over (STOPPED_TYPING).', parse: integer(1, 120) }),
  CALL_SIGNALS_PER_10S: spec({ default: '100', description: 'WebRTC signals a person may send per 10 seconds (ICE candidates come in bursts).', parse: integer(1, 100000) }),
  CHAT_CLOSE_GRACE_HOURS: spec({
    default: '24',
    description: "How long after its SOS closes a conversation still takes messages (it stays readable for good).",
    parse: integer(0, 24 * 365),
  }),
  SOS_ROUTE_INTERVAL_SECONDS: spec({
    default: '10',
    description: "While help is on the way, the assigned volunteer's route keeps one fix per this many seconds (`SosRequest.route`), or sooner after a move of SOS_ROUTE_METERS.",
    parse: integer(1, 3600),
  }),
  SOS_ROUTE_METERS: spec({ default: '25', description: 'See SOS_ROUTE_INTERVAL_SECONDS.', parse: integer(1, 10_000) }),
  EMERGENCY_NUMBER: spec({
    default: '112',
    description: 'The emergency number the apps show with an SOS (`SosRequest.emergencyNumber`); a city may have its own.',
    parse: (raw) => {
      if (!isEmergencyNumber(raw)) throw new Error(EMERGENCY_NUMBER_RULE);
      return raw;
    },
  }),
  AREA_H3_RESOLUTION: spec({
    default: '7',
    description:
      'The H3 resolution of "areas" for staff (`responseStats` by AREA, `opsOverview`): 7 is a hexagon of about 5 km², coarse enough that a count never points at one person; 8 is about 0.7 km².',
    parse: integer(0, 15),
  }),
  RETENTION_EVERY_SECONDS: spec({
    default: '86400',
    description: 'How often the retention purge runs (on one instance per period, whichever claims it first in PostgreSQL); it logs and records (`retention_runs`) what it removed.',
    parse: integer(1, 7 * 86400),
  }),
  RETENTION_CLIENT_IP_DAYS: spec({ default: '30', description: 'Client IP addresses of SOS and of sign-in lockouts (audit log) are removed after this many days.', parse: integer(1, 3650) }),
  RETENTION_SOS_LOCATION_DAYS: spec({
    default: '90',
    description: 'The exact location of an SOS is coarsened to about 1 km (0.01°) this many days after it closed.',
    parse: integer(1, 3650),
  }),
  RETENTION_ROUTE_DAYS: spec({ default: '90', description: "A volunteer's route to an SOS (`SosRequest.route`) is deleted this many days after the SOS closed.", parse: integer(1, 3650) }),
  RETENTION_CHAT_DAYS: spec({ default: '365', description: 'The chat messages of an SOS are deleted this many days after it closed.', parse: integer(1, 3650) }),
  SOS_SWEEP_SECONDS: spec({
    default: '5',
    description: 'How often each instance looks in PostgreSQL for matching steps that are overdue (their job was lost, e.g. with Redis) and for assigned volunteers gone silent.',
    parse: integer(1, 3600),
  }),
  SOS_MATCHING_CONCURRENCY: spec({
    default: '64',
    description:
      'Matching steps one instance runs at once for new SOS (and as many again for later steps, from the job queue). A step spends most of its time waiting on PostgreSQL and Redis, so many of them keep DATABASE_POOL_SIZE connections busy; too few leave the CPU idle while SOS wait (see BENCHMARKS.md, sos-burst).',
    parse: integer(1, 1000),
  }),
  SOS_MATCHING_QUEUE_LENGTH: spec({
    default: '200',
    description:
      'New SOS one instance keeps waiting, in order, when all its matching steps are busy (their raise answers at once: status PENDING, alertedCount 0); past this they go to the shared job queue, which any instance with a free step takes.',
    parse: integer(0, 100_000),
  }),
  FCM_SERVICE_ACCOUNT_JSON: spec({
    default: '',
    secret: true,
    description: 'Push to Android and web (FCM HTTP v1): the JSON of the Firebase project\'s service-account key (project_id, client_email, private_key, token_uri). Empty: that push is off.',
    parse: serviceAccount,
  }),
  FCM_BASE_URL: spec({ default: 'https://fcm.googleapis.com', description: 'FCM HTTP v1 API base URL.', parse: url('https:', 'http:') }),
  APNS_KEY_ID: spec({ default: '', description: 'Push to iOS (APNs, token-based auth): the id of the .p8 signing key. APNS_* all set, or all empty (iOS push off).', parse: text }),
  APNS_TEAM_ID: spec({ default: '', description: 'The Apple developer team id that owns the APNs key.', parse: text }),
  APNS_PRIVATE_KEY: spec({ default: '', secret: true, description: 'The APNs .p8 key (PEM; newlines may be written as \\n).', parse: pem }),
  APNS_BUNDLE_ID: spec({ default: '', description: 'The iOS app\'s bundle id (the APNs topic).', parse: text }),
  APNS_BASE_URL: spec({
    default: 'https://api.push.apple.com',
    description: 'APNs provider API base URL (https://api.sandbox.push.apple.com for development builds).',
    parse: url('https:', 'http:'),
  }),
  TWILIO_ACCOUNT_SID: spec({ default: '', description: 'SMS, primary provider (a Twilio-compatible Messages API): account SID. TWILIO_* all set, or all empty.', parse: text }),
  TWILIO_AUTH_TOKEN: spec({ default: '', secret: true, description: 'Its auth token.', parse: text }),
  TWILIO_FROM: spec({ default: '', description: 'Its sending number (E.164) or sender id.', parse: text }),
  TWILIO_BASE_URL: spec({ default: 'https://api.twilio.com', description: 'Its API base URL.', parse: url('https:', 'http:') }),
  VONAGE_API_KEY: spec({ default: '', description: 'SMS, backup provider (Vonage SMS API), used while the primary fails: API key. VONAGE_* all set, or all empty.', parse: text }),
  VONAGE_API_SECRET: spec({ default: '', secret: true, description: 'Its API secret.', parse: text }),
  VONAGE_FROM: spec({ default: '', description: 'Its sender number or id.', parse: text }),
  VONAGE_BASE_URL: spec({ default: 'https://rest.nexmo.com', description: 'Its API base URL.', parse: url('https:', 'http:') }),
  NOTIFY_SMS_AFTER_SECONDS: spec({
    default: '15',
    description: 'An alert neither seen (markAlertSeen) nor answered this long after its push is sent by SMS too, to volunteers who opted in and verified their number.',
    parse: integer(1, 600),
  }),
  PHONE_CODES_PER_NUMBER_PER_HOUR: spec({ default: '3', description: 'Verification codes sent to one phone number per hour.', parse: integer(1, 100) }),
  PHONE_CODES_PER_IP_PER_HOUR: spec({ default: '10', description: 'Verification codes requested from one client IP per hour.', parse: integer(1, 10000) }),
  SMTP_URL: spec({
    default: '',
    secret: true,
    description: 'Account mail (password resets) through this SMTP server, e.g. smtps://user:password@smtp.example.org:465 or smtp://host:587 (STARTTLS). Empty: mail is off.',
    parse: (raw) => (raw.trim() === '' ? '' : url('smtp:', 'smtps:')(raw.trim())),
  }),
  MAIL_FROM: spec({ default: 'CareConnect <no-reply@careconnect.invalid>', description: 'The From of account mail.', parse: text }),
  PASSWORD_RESET_URL: spec({
    default: '',
    description: 'The app page that takes a reset token: the mail links to it with ?token=…. Empty: the mail gives the token to paste into the app.',
    parse: (raw) => (raw.trim() === '' ? '' : url('https:', 'http:')(raw.trim())),
  }),
  PASSWORD_RESETS_PER_EMAIL_PER_HOUR: spec({ default: '3', description: 'Password reset mails asked for one address per hour.', parse: integer(1, 100) }),
  PASSWORD_RESETS_PER_IP_PER_HOUR: spec({ default: '20', description: 'Password resets asked for from one client IP per hour.', parse: integer(1, 10000) }),
  NOTIFY_NON_EMERGENCY_PER_HOUR: spec({
    default: '30',
    description: 'Non-emergency notifications (chat messages) pushed to one person per hour; more are skipped. Never applies to alerts or news of an SOS.',
    parse: integer(1, 10000),
  }),
  NOTIFY_CONCURRENCY: spec({ default: '16', description: 'Notifications one instance delivers at once.', parse: integer(1, 1000) }),
  NOTIFY_SWEEP_SECONDS: spec({
    default: '2',
    description: 'How often each instance looks in the outbox for notifications whose delivery job was lost (Redis down or flushed, an instance gone).',
    parse: integer(1, 3600),
  }),
  STUN_URLS: spec({ default: '', description: 'Comma-separated STUN URLs handed to calls (`iceServers`), e.g. stun:turn.example.org:3478.', parse: iceUrls('stun:', 'stuns:') }),
  TURN_URLS: spec({
    default: '',
    description: 'Comma-separated TURN URLs handed to calls with time-limited credentials, e.g. turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349. Needs TURN_SHARED_SECRET.',
    parse: iceUrls('turn:', 'turns:'),
  }),
  TURN_SHARED_SECRET: spec({ default: '', secret: true, description: "The TURN server's static-auth-secret (coturn `use-auth-secret`): TURN credentials are derived from it.", parse: text }),
  TURN_CREDENTIAL_TTL_SECONDS: spec({ default: '3600', description: 'How long issued TURN credentials stay valid.', parse: integer(60, 86_400) }),
  SHUTDOWN_DRAIN_SECONDS: spec({
    default: '0',
    productionDefault: '2',
    description:
      'On SIGTERM/SIGINT, how long the instance goes on serving while /readyz answers 503, before it closes its listener and connections: a load balancer takes it out meanwhile, so no request meets a connection closing under it. Above the balancer\'s time to notice (deploy/haproxy.cfg: 3 checks 500 ms apart).',
    parse: integer(0, 60),
  }),
  SHUTDOWN_TIMEOUT_SECONDS: spec({
    default: '10',
    description: 'On SIGTERM/SIGINT, how long in-flight work may take (after SHUTDOWN_DRAIN_SECONDS) before the process exits anyway.',
    parse: integer(1, 300),
  }),
} satisfies Record<string, VariableSpec>;

export type ConfigSchema = typeof configSchema;
export type VariableName = keyof ConfigSchema;
export { ParseError };

/** The README's configuration table (markdown), generated so it cannot drift from the code. */
export function configTable(): string {
  const rows = Object.entries(configSchema).map(([name, spec]: [string, VariableSpec]) => {
    const shown = spec.default === '' ? '(empty)' : `\`${spec.default}\``;
    const production = spec.productionDefault !== undefined ? ` (production: \`${spec.productionDefault}\`)` : '';
    return `| \`${name}\` | ${shown}${production} | ${spec.description} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
