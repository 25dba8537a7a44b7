import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { SignJWT, importPKCS8, type KeyLike } from 'jose';
import type { PushMessage, PushProvider, PushResult } from './push-provider';
import { retryAfterMs } from './push-provider';

export interface ApnsCredentials {
  /** The 10-character id of the .p8 signing key. */
  keyId: string;
  teamId: string;
  /** The .p8 key (PKCS #8 PEM). */
  privateKey: string;
  /** The app's bundle id: the topic of every push. */
  bundleId: string;
}

const REQUEST_TIMEOUT_MS = 5000;
/** Apple refuses provider tokens older than an hour and throttles new ones more often than every 20 minutes. */
const PROVIDER_TOKEN_TTL_MS = 45 * 60_000;

/**
 * Apple Push Notification service, HTTP/2 provider API with token-based (ES256 JWT) auth: one
 * long-lived HTTP/2 connection, one stream per push to `/3/device/{token}`. SOS alerts go with
 * `apns-priority: 10` and `interruption-level: time-sensitive`; silent pushes as background
 * pushes with priority 5, as Apple requires.
 */
export class ApnsProvider implements PushProvider {
  readonly name = 'apns';
  private session: ClientHttp2Session | null = null;
  private providerToken: { jwt: Promise<string>; at: number } | null = null;
  private key: Promise<KeyLike> | null = null;

  constructor(
    private readonly credentials: ApnsCredentials,
    private readonly baseUrl: string,
  ) {}

  async send(token: string, message: PushMessage): Promise<PushResult> {
    const { status, body, headers } = await this.request(token, message);
    if (status === 200) return { outcome: 'accepted', detail: null };
    let reason = '';
    try {
      reason = (JSON.parse(body) as { reason?: string }).reason ?? '';
    } catch {
      // No JSON body: the status says enough.
    }
    const detail = `HTTP ${status} ${reason}`.trim();
    // https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns
    if (status === 410 || reason === 'BadDeviceToken' || reason === 'DeviceTokenNotForTopic' || reason === 'Unregistered') return { outcome: 'dead-token', detail };
    if (status === 403 && reason === 'ExpiredProviderToken') {
      this.providerToken = null;
      return { outcome: 'retry', detail };
    }
    if (status === 429 || status >= 500) return { outcome: 'retry', detail, retryAfterMs: retryAfterMs(headers['retry-after'] as string | undefined) };
    return { outcome: 'rejected', detail };
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (session && !session.closed) await new Promise<void>((resolve) => session.close(() => resolve()));
  }

  private async request(token: string, message: PushMessage): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
    const jwt = await this.jwt();
    const payload = message.alert
      ? { aps: { alert: message.alert, sound: 'default', ...(message.urgent ? { 'interruption-level': 'time-sensitive' } : {}) }, ...message.data }
      : { aps: { 'content-available': 1 }, ...message.data };
    const stream = this.connection().request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: `/3/device/${encodeURIComponent(token)}`,
      authorization: `bearer ${jwt}`,
      'apns-topic': this.credentials.bundleId,
      'apns-push-type': message.alert ? 'alert' : 'background',
      'apns-priority': message.alert && message.urgent ? '10' : '5',
      'apns-expiration': String(Math.floor(Date.now() / 1000) + message.ttlSeconds),
      ...(message.collapseKey ? { 'apns-collapse-id': message.collapseKey } : {}),
      'content-type': 'application/json',
    });
    stream.setTimeout(REQUEST_TIMEOUT_MS, () => stream.close(constants.NGHTTP2_CANCEL));
    stream.end(JSON.stringify(payload));
    return new Promise((resolve, reject) => {
      let status = 0;
      let headers: Record<string, unknown> = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        headers = h;
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => (status ? resolve({ status, body: Buffer.concat(chunks).toString('utf8'), headers }) : reject(new Error('APNs closed the stream without an answer'))));
      stream.on('error', reject);
      stream.on('close', () => {
        if (!status) reject(new Error('APNs did not answer in time'));
      });
    });
  }

  /** One HTTP/2 connection, opened again when Apple (or the network) closes it. */
  private connection(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.baseUrl);
    session.on('error', () => undefined); // each pending stream fails on its own; the next push reconnects
    session.on('goaway', () => session.close());
    session.on('close', () => {
      if (this.session === session) this.session = null;
    });
    session.unref();
    this.session = session;
    return session;
  }

  private async jwt(): Promise<string> {
    if (!this.providerToken || Date.now() - this.providerToken.at > PROVIDER_TOKEN_TTL_MS) {
      this.key ??= importPKCS8(this.credentials.privateKey, 'ES256');
      const key = await this.key;
      const jwt = new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: this.credentials.keyId }).setIssuer(this.credentials.teamId).setIssuedAt().sign(key);
      this.providerToken = { jwt, at: Date.now() };
    }
    return this.providerToken.jwt;
  }
}
