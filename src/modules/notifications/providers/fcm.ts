import { SignJWT, importPKCS8 } from 'jose';
import type { PushMessage, PushProvider, PushResult } from './push-provider';
import { retryAfterMs } from './push-provider';

/** The fields of a Google service-account key file that the FCM HTTP v1 API needs. */
export interface FcmServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  /** Google's OAuth token endpoint (a local one in tests). */
  token_uri: string;
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const REQUEST_TIMEOUT_MS = 5000;

/**
 * Firebase Cloud Messaging, HTTP v1 API: a service account signs a JWT (RS256) that its token
 * endpoint exchanges for an access token (cached for its lifetime), and each message is one
 * `POST /v1/projects/{id}/messages:send`. Android messages go with priority HIGH when urgent and
 * one collapse key per SOS.
 */
export class FcmProvider implements PushProvider {
  readonly name = 'fcm';
  private accessToken: Promise<{ token: string; expiresAt: number }> | null = null;

  constructor(
    private readonly account: FcmServiceAccount,
    private readonly baseUrl: string,
  ) {}

  async send(token: string, message: PushMessage): Promise<PushResult> {
    const response = await this.post(token, message);
    if (response.status === 401) {
      // The access token was revoked or expired early: one more try with a fresh one.
      this.accessToken = null;
      return this.outcome(await this.post(token, message));
    }
    return this.outcome(response);
  }

  async close(): Promise<void> {
    this.accessToken = null;
  }

  private async post(token: string, message: PushMessage): Promise<Response> {
    const ttl = `${message.ttlSeconds}s`;
    const body = {
      message: {
        token,
        data: message.data,
        ...(message.alert ? { notification: message.alert } : {}),
        android: { priority: message.urgent ? 'HIGH' : 'NORMAL', ttl, ...(message.collapseKey ? { collapse_key: message.collapseKey } : {}) },
        webpush: { headers: { Urgency: message.urgent ? 'high' : 'normal', TTL: String(message.ttlSeconds) } },
      },
    };
    return fetch(`${this.baseUrl}/v1/projects/${encodeURIComponent(this.account.project_id)}/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await this.bearer()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  }

  /** FCM v1 errors: https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode */
  private async outcome(response: Response): Promise<PushResult> {
    if (response.ok) return { outcome: 'accepted', detail: null };
    const text = await response.text();
    let code = '';
    try {
      const error = (JSON.parse(text) as { error?: { status?: string; details?: { errorCode?: string }[] } }).error;
      code = error?.details?.find((d) => d.errorCode)?.errorCode ?? error?.status ?? '';
    } catch {
      // Not JSON (a proxy's error page): the status says enough.
    }
    const detail = `HTTP ${response.status} ${code}`.trim();
    if (code === 'UNREGISTERED' || response.status === 404) return { outcome: 'dead-token', detail };
    if (response.status === 429 || response.status >= 500) return { outcome: 'retry', detail, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    // INVALID_ARGUMENT about the token itself means it is malformed for this project: as good as dead.
    if (code === 'INVALID_ARGUMENT' && /registration token/i.test(text)) return { outcome: 'dead-token', detail };
    return { outcome: 'rejected', detail };
  }

  private async bearer(): Promise<string> {
    const cached = this.accessToken && (await this.accessToken.catch(() => null));
    if (cached && cached.expiresAt > Date.now() + 60_000) return cached.token;
    this.accessToken = this.fetchAccessToken();
    return (await this.accessToken.catch((err: unknown) => {
      this.accessToken = null;
      throw err;
    })).token;
  }

  /** OAuth 2.0 for service accounts: https://developers.google.com/identity/protocols/oauth2/service-account */
  private async fetchAccessToken(): Promise<{ token: string; expiresAt: number }> {
    const key = await importPKCS8(this.account.private_key, 'RS256');
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(this.account.client_email)
      .setAudience(this.account.token_uri)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    const response = await fetch(this.account.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`FCM OAuth token endpoint answered HTTP ${response.status}`);
    const { access_token: token, expires_in: expiresIn } = (await response.json()) as { access_token: string; expires_in: number };
    return { token, expiresAt: Date.now() + expiresIn * 1000 };
  }
}
