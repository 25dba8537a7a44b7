import { retryAfterMs } from './push-provider';
import type { SmsProvider, SmsResult } from './sms-provider';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** The sending number (E.164) or alphanumeric sender id. */
  from: string;
}

const REQUEST_TIMEOUT_MS = 5000;

/**
 * SMS through a Twilio-compatible Messages API: `POST /2010-04-01/Accounts/{sid}/Messages.json`,
 * HTTP Basic auth with the account SID and auth token, a form with To, From and Body; 201 with
 * the message resource when accepted.
 */
export class TwilioSms implements SmsProvider {
  readonly name = 'twilio';

  constructor(
    private readonly credentials: TwilioCredentials,
    private readonly baseUrl: string,
  ) {}

  async send(to: string, text: string): Promise<SmsResult> {
    const { accountSid, authToken, from } = this.credentials;
    const response = await fetch(`${this.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: to, From: from, Body: text }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (response.status === 200 || response.status === 201) return { outcome: 'accepted', detail: null };
    let code = '';
    try {
      code = String((JSON.parse(await response.text()) as { code?: number }).code ?? '');
    } catch {
      // Not JSON: the status says enough.
    }
    const detail = `HTTP ${response.status} ${code}`.trim();
    if (response.status === 429 || response.status >= 500) return { outcome: 'retry', detail, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    return { outcome: 'rejected', detail };
  }
}
