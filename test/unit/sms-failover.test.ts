import { Registry } from 'prom-client';
import { createLogger } from '../../src/platform/logger';
import { ProviderCircuits } from '../../src/modules/notifications/provider-circuits';
import type { SmsProvider, SmsResult } from '../../src/modules/notifications/providers/sms-provider';
import { SmsChannel } from '../../src/modules/notifications/sms.channel';

/** A provider that answers as told and counts its calls. */
class ScriptedProvider implements SmsProvider {
  calls = 0;
  constructor(
    readonly name: string,
    public answer: SmsResult['outcome'] | 'throw',
  ) {}

  async send(): Promise<SmsResult> {
    this.calls += 1;
    if (this.answer === 'throw') throw new Error('connect ECONNREFUSED');
    return { outcome: this.answer, detail: this.answer === 'accepted' ? null : 'HTTP 503' };
  }
}

describe('SMS failover behind per-provider circuit breakers', () => {
  it('tries the backup when the primary asks to retry, and stops asking the primary once its breaker opens', async () => {
    const registry = new Registry();
    const primary = new ScriptedProvider('twilio', 'retry');
    const backup = new ScriptedProvider('vonage', 'accepted');
    const channel = new SmsChannel({ primary, backup }, new ProviderCircuits(registry, createLogger('silent')));

    const first = await channel.send('+4915112345678', 'hello');
    expect(first.map((a) => [a.provider, a.result.outcome])).toEqual([
      ['twilio', 'retry'],
      ['vonage', 'accepted'],
    ]);
    // More than half the calls failing at over one a second for 30 s opens the primary's breaker.
    for (let i = 0; i < 40; i++) await channel.send('+4915112345678', 'hello');
    expect(await registry.getSingleMetricAsString('notification_provider_circuit_open')).toMatch(/provider="twilio"} 1/);
    const callsWhenOpen = primary.calls;
    const later = await channel.send('+4915112345678', 'hello');
    expect(later.map((a) => [a.provider, a.result.outcome, a.result.detail])).toEqual([
      ['twilio', 'retry', 'circuit open'],
      ['vonage', 'accepted', null],
    ]);
    expect(primary.calls).toBe(callsWhenOpen);
    expect(backup.calls).toBe(42);
  });

  it('does not fail over a message the provider refused (it would be refused again)', async () => {
    const primary = new ScriptedProvider('twilio', 'rejected');
    const backup = new ScriptedProvider('vonage', 'accepted');
    const channel = new SmsChannel({ primary, backup }, new ProviderCircuits(new Registry(), createLogger('silent')));
    expect((await channel.send('+4915112345678', 'hello')).map((a) => a.provider)).toEqual(['twilio']);
    expect(backup.calls).toBe(0);
  });

  it('treats a provider that cannot be reached as one to retry', async () => {
    const channel = new SmsChannel({ primary: new ScriptedProvider('twilio', 'throw'), backup: null }, new ProviderCircuits(new Registry(), createLogger('silent')));
    expect(await channel.send('+4915112345678', 'hello')).toEqual([{ provider: 'twilio', result: { outcome: 'retry', detail: 'connect ECONNREFUSED' } }]);
  });
});
