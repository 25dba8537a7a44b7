import type { PushMessage, PushProvider, PushResult } from './providers/push-provider';
import type { GuardedCall, ProviderCircuits } from './provider-circuits';
import { DevicePlatform } from './types/device.type';

interface Guarded {
  provider: PushProvider;
  call: GuardedCall;
}

/**
 * Push through the provider of each platform (APNs for IOS, FCM for ANDROID and WEB), each
 * behind its own circuit breaker. A provider without credentials is off.
 */
export class PushChannel {
  private readonly byPlatform = new Map<DevicePlatform, Guarded>();

  constructor(providers: { fcm: PushProvider | null; apns: PushProvider | null }, circuits: ProviderCircuits) {
    if (providers.fcm) {
      const fcm = { provider: providers.fcm, call: circuits.guard(providers.fcm.name) };
      this.byPlatform.set(DevicePlatform.ANDROID, fcm);
      this.byPlatform.set(DevicePlatform.WEB, fcm);
    }
    if (providers.apns) this.byPlatform.set(DevicePlatform.IOS, { provider: providers.apns, call: circuits.guard(providers.apns.name) });
  }

  /** The provider's name for a platform, or null when that platform's push is off. */
  providerOf(platform: DevicePlatform): string | null {
    return this.byPlatform.get(platform)?.provider.name ?? null;
  }

  /** Which providers are on and off, for /readyz and the boot log. */
  status(): Record<string, 'on' | 'off'> {
    return { fcm: this.byPlatform.has(DevicePlatform.ANDROID) ? 'on' : 'off', apns: this.byPlatform.has(DevicePlatform.IOS) ? 'on' : 'off' };
  }

  async send(platform: DevicePlatform, token: string, message: PushMessage): Promise<PushResult> {
    const guarded = this.byPlatform.get(platform);
    if (!guarded) return { outcome: 'rejected', detail: 'push is off for this platform (no credentials)' };
    return guarded.call(() => guarded.provider.send(token, message));
  }

  async close(): Promise<void> {
    await Promise.all([...new Set([...this.byPlatform.values()].map((g) => g.provider))].map((p) => p.close()));
  }
}
