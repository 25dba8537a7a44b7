import { BrokenCircuitError, CircuitState, SamplingBreaker, circuitBreaker, handleAll } from 'cockatiel';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../platform/logger';

/** A provider failing more than half its calls over 30 s (at least 1 call/s) is given a rest. */
const BREAKER = { threshold: 0.5, duration: 30_000, minimumRps: 1 };
/** How long an open breaker rests before one call probes the provider again. */
const HALF_OPEN_AFTER_MS = 10_000;

interface ProviderAnswer {
  outcome: string;
  detail: string | null;
}

/** A call to one provider through its breaker: what it answered, or `retry` when it failed or rests. */
export type GuardedCall = <R extends ProviderAnswer>(call: () => Promise<R>) => Promise<R>;

/**
 * One circuit breaker (cockatiel) per provider: while a provider fails most calls (unreachable,
 * timing out, or answering "try again"), calls to it answer `retry` at once instead of piling up
 * on it, and the SMS channel fails over to its backup. The state is the
 * `notification_provider_circuit_open{provider}` gauge.
 */
export class ProviderCircuits {
  private readonly open: Gauge<'provider'>;

  constructor(
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.open = new Gauge({ name: 'notification_provider_circuit_open', help: 'Whether a notification provider’s circuit breaker is open (1) or closed (0).', labelNames: ['provider'], registers: [registry] });
  }

  guard(provider: string): GuardedCall {
    const breaker = circuitBreaker(handleAll.orWhenResult((r) => (r as ProviderAnswer).outcome === 'retry'), { halfOpenAfter: HALF_OPEN_AFTER_MS, breaker: new SamplingBreaker(BREAKER) });
    this.open.set({ provider }, 0);
    breaker.onStateChange((state) => {
      this.open.set({ provider }, state === CircuitState.Open ? 1 : 0);
      if (state === CircuitState.Open) this.logger.error({ provider }, 'notification provider failing: circuit open');
      else if (state === CircuitState.Closed) this.logger.info({ provider }, 'notification provider answers again: circuit closed');
    });
    return async <R extends ProviderAnswer>(call: () => Promise<R>): Promise<R> => {
      try {
        return await breaker.execute(call);
      } catch (err) {
        // Resting, unreachable, timed out, connection reset: worth another try (elsewhere, or later).
        return { outcome: 'retry', detail: err instanceof BrokenCircuitError ? 'circuit open' : (err as Error).message } as R;
      }
    };
  }
}
