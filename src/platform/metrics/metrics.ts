import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Prometheus metrics of one server instance (a registry each, so tests can run several servers
 * in one process). Modules add their own metrics to `registry`.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();

  readonly graphqlRequests = new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL operations by operation name, type and outcome (ok or the first error code).',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'Latency of GraphQL operations, by operation name, type and outcome.',
    labelNames: ['operation', 'type', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly dbQueries = new Counter({
    name: 'db_queries_total',
    help: 'SQL statements run on the shared pool outside transactions (raw and Prisma).',
    registers: [this.registry],
  });

  readonly websocketsOpen = new Gauge({
    name: 'websocket_connections_open',
    help: 'Open GraphQL WebSocket connections.',
    registers: [this.registry],
  });

  readonly subscriptionsActive = new Gauge({
    name: 'graphql_subscriptions_active',
    help: 'Active GraphQL subscriptions over WebSocket.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Operation names come from clients: keep label cardinality bounded so a client sending random
   * names cannot blow up the metrics store.
   */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'invalid';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }
}
