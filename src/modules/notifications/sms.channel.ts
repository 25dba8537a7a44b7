import type { SmsProvider, SmsResult } from './providers/sms-provider';
import type { GuardedCall, ProviderCircuits } from './provider-circuits';

interface Guarded {
  provider: SmsProvider;
  call: GuardedCall;
}

/**
 * SMS through a primary provider and, when it fails or its breaker rests, a backup one (each
 * behind its own circuit breaker): a failing primary costs an SMS one fast `retry` answer, not
 * the message. Without credentials for either, SMS is off.
 */
export class SmsChannel {
  private readonly providers: Guarded[];

  constructor(providers: { primary: SmsProvider | null; backup: SmsProvider | null }, circuits: ProviderCircuits) {
    this.providers = [providers.primary, providers.backup].filter((p): p is SmsProvider => p !== null).map((provider) => ({ provider, call: circuits.guard(provider.name) }));
  }

  get isOn(): boolean {
    return this.providers.length > 0;
  }

  status(): Record<string, 'on' | 'off'> {
    return { sms: this.isOn ? 'on' : 'off' };
  }

  /** Tries the providers in order until one accepts or refuses the message itself; says which answered. */
  async send(to: string, text: string): Promise<{ provider: string; result: SmsResult }[]> {
    const answers: { provider: string; result: SmsResult }[] = [];
    for (const { provider, call } of this.providers) {
      const result = await call(() => provider.send(to, text));
      answers.push({ provider: provider.name, result });
      if (result.outcome !== 'retry') break;
    }
    return answers;
  }
}
