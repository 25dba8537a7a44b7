import type { ApolloServerPlugin } from '@apollo/server';
import type { Metrics } from './metrics';

/** Counts and times every GraphQL operation over HTTP, labelled by operation and outcome. */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const stop = process.hrtime.bigint();
      return {
        async willSendResponse({ request, operation, response }) {
          const body = response.body;
          const errors = body.kind === 'single' ? body.singleResult.errors : undefined;
          const code = errors?.[0]?.extensions?.code;
          const labels = {
            operation: metrics.operationLabel(request.operationName ?? operation?.name?.value),
            type: operation?.operation ?? 'unknown',
            outcome: errors?.length ? String(code ?? 'error').toLowerCase() : 'ok',
          };
          metrics.graphqlRequests.inc(labels);
          metrics.graphqlDuration.observe(labels, Number(process.hrtime.bigint() - stop) / 1e9);
        },
      };
    },
  };
}
