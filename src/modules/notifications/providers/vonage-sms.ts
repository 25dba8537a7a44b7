import { retryAfterMs } from './push-provider';
import type { SmsProvider, SmsResult } from './sms-provider';

export interface VonageCredentials {
  apiKey: string;
  apiSecret: string;
  from: string;
}

const REQUEST_TIMEOUT_MS = 5000;
/** Vonage SMS API message statuses: 1 throttled, 5 internal error (worth a retry); the others are about the message. */
const RETRYABLE = new Set(['1', '5']);

/**
 * SMS through the Vonage (Nexmo) SMS API: `POST /sms/json` with api_key, api_secret, from, to
 * (digits only) and text; HTTP 200 even for failures, each message with its own status ("0" sent).
 */
export class VonageSms implements SmsProvider {
  readonly name = 'vonage';

  constructor(
    private readonly credentials: VonageCredentials,
    private readonly baseUrl: string,
  ) {}

  async send(to: string, text: string): Promise<SmsResult> {
    const { apiKey, apiSecret, from } = this.credentials;
    const response = await fetch(`${this.baseUrl}/sms/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: apiKey, api_secret: apiSecret, from, to: to.replace(/^\+/, ''), text, type: 'unicode' }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) {
      const detail = `HTTP ${response.status}`;
      return response.status === 429 || response.status >= 500 ? { outcome: 'retry', detail, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) } : { outcome: 'rejected', detail };
    }
    const { messages } = (await response.json()) as { messages?: { status: string; 'error-text'?: string }[] };
    const failed = (messages ?? [{ status: '5', 'error-text': 'no messages in the answer' }]).find((m) => m.status !== '0');
    if (!failed) return { outcome: 'accepted', detail: null };
    const detail = `status ${failed.status} ${failed['error-text'] ?? ''}`.trim();
    return { outcome: RETRYABLE.has(failed.status) ? 'retry' : 'rejected', detail };
  }
}
