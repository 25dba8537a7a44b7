/** What an SMS provider said; the same outcomes as push, less the dead token. */
export interface SmsResult {
  outcome: 'accepted' | 'retry' | 'rejected';
  detail: string | null;
  retryAfterMs?: number;
}

export interface SmsProvider {
  readonly name: string;
  /** `to` in E.164 (+4915112345678). */
  send(to: string, text: string): Promise<SmsResult>;
}
