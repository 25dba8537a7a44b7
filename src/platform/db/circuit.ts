import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { Pool, PoolClient } from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { isDependencyUnavailable } from '../errors';
import type { Logger } from '../logger';

/** Failed statements in a row (connection refused, timeouts) that open the circuit. */
const FAILURES_TO_OPEN = 5;
/** How long an open circuit answers at once before it lets one probe through. */
const HALF_OPEN_AFTER_MS = 1000;

type Query = (...args: unknown[]) => Promise<unknown>;

/**
 * A circuit breaker around the pool (cockatiel). When PostgreSQL stops answering, each request
 * would otherwise wait out its timeouts and hold a pool connection; once the circuit is open they
 * fail at once (UNAVAILABLE, so the apps retry or fall back), and a probe every few seconds finds
 * out when the database is back. Only outages count as failures, never a constraint violation.
 */
export function guardWithCircuitBreaker(pool: Pool, registry: Registry, logger: Logger): void {
  // A full pool makes callers wait for a connection and, past connectionTimeoutMillis, fail with
  // the message an unreachable database gives: under a burst on a healthy database, that is no outage.
  const outage = (err: unknown) =>
    isDependencyUnavailable(err) && !(pool.totalCount >= (pool.options.max ?? 10) && /timeout exceeded when trying to connect/i.test(String((err as Error)?.message)));
  const breaker = circuitBreaker(handleWhen(outage), { halfOpenAfter: HALF_OPEN_AFTER_MS, breaker: new ConsecutiveBreaker(FAILURES_TO_OPEN) });
  const open = new Gauge({ name: 'db_circuit_open', help: 'Whether the PostgreSQL circuit breaker is open (1) or letting statements through (0).', registers: [registry] });
  const refused = new Counter({ name: 'db_circuit_refused_total', help: 'Statements refused at once because the PostgreSQL circuit was open.', registers: [registry] });
  breaker.onStateChange((state) => {
    open.set(state === CircuitState.Open ? 1 : 0);
    if (state === CircuitState.Open) logger.error('PostgreSQL is not answering: circuit open, requests answer UNAVAILABLE at once');
    else if (state === CircuitState.Closed) logger.info('PostgreSQL answers again: circuit closed');
  });

  const guarded = <T>(run: () => Promise<T>): Promise<T> =>
    breaker.execute(run).catch((err: unknown) => {
      if (err instanceof BrokenCircuitError) refused.inc();
      throw err;
    });
  const isCallbackStyle = (args: unknown[]) => typeof args.at(-1) === 'function';

  // Every statement counts, once: those on the pool, and those on a connection taken for a
  // transaction. (pg's pool.query runs its statement through the callback style below, uncounted.)
  const query = pool.query.bind(pool) as Query;
  (pool as unknown as { query: Query }).query = (...args) => (isCallbackStyle(args) ? query(...args) : guarded(() => query(...args)));

  // Taking a connection says nothing when it succeeds (an idle one is handed out without a word to
  // the database), so while the circuit is closed only a failure to connect counts. While it is
  // open, taking one is refused at once, or, once a probe is due, is the probe: so work that only
  // runs in transactions (the outage journal's replay) finds the database back as soon as anything does.
  const patchedClients = new WeakSet<PoolClient>();
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => Promise<PoolClient>;
  (pool as unknown as { connect: Query }).connect = async (...args) => {
    if (isCallbackStyle(args)) return connect(...args);
    let client: PoolClient;
    if (breaker.state !== CircuitState.Closed) {
      client = await guarded(() => connect());
    } else {
      try {
        client = await connect();
      } catch (err) {
        if (outage(err)) await breaker.execute(() => Promise.reject(err)).catch(() => undefined);
        throw err;
      }
    }
    if (!patchedClients.has(client)) {
      patchedClients.add(client);
      const clientQuery = client.query.bind(client) as Query;
      (client as unknown as { query: Query }).query = (...queryArgs) => (isCallbackStyle(queryArgs) ? clientQuery(...queryArgs) : guarded(() => clientQuery(...queryArgs)));
    }
    return client;
  };
}
