/** One push message, as every provider is given it. */
export interface PushMessage {
  /** Shown on the lock screen; null for a silent push (it only tells the app something). */
  alert: { title: string; body: string } | null;
  /** Delivered to the app as is (strings only: FCM's data must be). */
  data: Record<string, string>;
  /** Wakes the phone at once and breaks through focus modes (SOS alerts, escalations). */
  urgent: boolean;
  /** A newer push with the same key replaces an older one not yet shown (one per SOS). */
  collapseKey: string | null;
  /** Dropped by the provider if it cannot be delivered within this long (an SOS alert is useless later). */
  ttlSeconds: number;
}

/**
 * What a provider said: `accepted` (it will deliver), `dead-token` (the app is gone from that
 * device: forget the token), `retry` (try again, not before `retryAfterMs` if given), `rejected`
 * (the message itself is wrong; trying again will not help).
 */
export type PushOutcome = 'accepted' | 'dead-token' | 'retry' | 'rejected';

export interface PushResult {
  outcome: PushOutcome;
  detail: string | null;
  retryAfterMs?: number;
}

export interface PushProvider {
  readonly name: string;
  send(token: string, message: PushMessage): Promise<PushResult>;
  close(): Promise<void>;
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now (undefined if absent or unreadable). */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
