import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { Pool } from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { isDependencyUnavailable } from '../errors';
import type { Logger } from '../logger';

/** Failed statements in a row (connection refused, timeouts) that open the circuit. */
const FAILURES_TO_OPEN = 5;
/** How long an open circuit answers at once before it lets one probe through. */
const HALF_OPEN_AFTER_MS = 2000;

type Query = (...args: unknown[]) => Promise<unknown>;

/**
 * A circuit breaker around the pool (cockatiel). When PostgreSQL stops answering, each request
 * would otherwise wait out its timeouts and hold a pool connection; once the circuit is open they
 * fail at once (UNAVAILABLE, so the apps retry or fall back), and a probe every few seconds finds
 * out when the database is back. Only outages count as failures, never a constraint violation.
 */
export function guardWithCircuitBreaker(pool: Pool, registry: Registry, logger: Logger): void {
  const breaker = circuitBreaker(handleWhen(isDependencyUnavailable), { halfOpenAfter: HALF_OPEN_AFTER_MS, breaker: new ConsecutiveBreaker(FAILURES_TO_OPEN) });
  const open = new Gauge({ name: 'db_circuit_open', help: 'Whether the PostgreSQL circuit breaker is open (1) or letting statements through (0).', registers: [registry] });
  const refused = new Counter({ name: 'db_circuit_refused_total', help: 'Statements refused at once because the PostgreSQL circuit was open.', registers: [registry] });
  breaker.onStateChange((state) => {
    open.set(state === CircuitState.Open ? 1 : 0);
    if (state === CircuitState.Open) logger.error('PostgreSQL is not answering: circuit open, requests answer UNAVAILABLE at once');
    else if (state === CircuitState.Closed) logger.info('PostgreSQL answers again: circuit closed');
  });

  const guard = (call: Query): Query => {
    return (...args) => {
      // The callback style (pg's own pool internals) is left alone; everything of ours awaits.
      if (typeof args.at(-1) === 'function') return call(...args);
      return breaker.execute(() => call(...args)).catch((err: unknown) => {
        if (err instanceof BrokenCircuitError) refused.inc();
        throw err;
      });
    };
  };
  const patched = pool as unknown as { query: Query; connect: Query };
  patched.query = guard(pool.query.bind(pool) as Query);
  patched.connect = guard(pool.connect.bind(pool) as Query);
}
