import { BrokenCircuitError, CircuitState, SamplingBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../platform/logger';
import type { PushMessage, PushProvider, PushResult } from './providers/push-provider';
import { DevicePlatform } from './types/device.type';

/** A provider failing more than half its calls over 30 s (at least 1 call/s) is given a rest. */
const BREAKER = { threshold: 0.5, duration: 30_000, minimumRps: 1 };
/** How long an open breaker rests before one call probes the provider again. */
const HALF_OPEN_AFTER_MS = 10_000;

interface Guarded {
  provider: PushProvider;
  breaker: CircuitBreakerPolicy;
}

/**
 * Push through the provider of each platform (APNs for IOS, FCM for ANDROID and WEB), each
 * behind its own circuit breaker (cockatiel): while a provider fails most calls, pushes to it are
 * answered `retry` at once instead of piling up on it. A provider without credentials is off.
 */
export class PushChannel {
  private readonly byPlatform = new Map<DevicePlatform, Guarded>();

  constructor(
    providers: { fcm: PushProvider | null; apns: PushProvider | null },
    registry: Registry,
    private readonly logger: Logger,
  ) {
    const open = new Gauge({ name: 'notification_provider_circuit_open', help: 'Whether a notification provider’s circuit breaker is open (1) or closed (0).', labelNames: ['provider'], registers: [registry] });
    const guard = (provider: PushProvider): Guarded => {
      // A provider answering "try again" (429, 5xx) counts as failing as much as one that cannot be reached.
      const breaker = circuitBreaker(handleAll.orWhenResult((r) => (r as PushResult).outcome === 'retry'), { halfOpenAfter: HALF_OPEN_AFTER_MS, breaker: new SamplingBreaker(BREAKER) });
      open.set({ provider: provider.name }, 0);
      breaker.onStateChange((state) => {
        open.set({ provider: provider.name }, state === CircuitState.Open ? 1 : 0);
        if (state === CircuitState.Open) this.logger.error({ provider: provider.name }, 'push provider failing: circuit open');
        else if (state === CircuitState.Closed) this.logger.info({ provider: provider.name }, 'push provider answers again: circuit closed');
      });
      return { provider, breaker };
    };
    if (providers.fcm) {
      const fcm = guard(providers.fcm);
      this.byPlatform.set(DevicePlatform.ANDROID, fcm);
      this.byPlatform.set(DevicePlatform.WEB, fcm);
    }
    if (providers.apns) this.byPlatform.set(DevicePlatform.IOS, guard(providers.apns));
  }

  /** The provider's name for a platform, or null when that platform's push is off. */
  providerOf(platform: DevicePlatform): string | null {
    return this.byPlatform.get(platform)?.provider.name ?? null;
  }

  /** Which providers are on and off, for /readyz and the boot log. */
  status(): Record<string, 'on' | 'off'> {
    return {
      fcm: this.byPlatform.has(DevicePlatform.ANDROID) ? 'on' : 'off',
      apns: this.byPlatform.has(DevicePlatform.IOS) ? 'on' : 'off',
    };
  }

  async send(platform: DevicePlatform, token: string, message: PushMessage): Promise<PushResult> {
    const guarded = this.byPlatform.get(platform);
    if (!guarded) return { outcome: 'rejected', detail: 'push is off for this platform (no credentials)' };
    try {
      return await guarded.breaker.execute(() => guarded.provider.send(token, message));
    } catch (err) {
      if (err instanceof BrokenCircuitError) return { outcome: 'retry', detail: 'circuit open' };
      // Unreachable, timed out, connection reset: worth another try.
      return { outcome: 'retry', detail: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...new Set([...this.byPlatform.values()].map((g) => g.provider))].map((p) => p.close()));
  }
}
