import { SpanKind, type Attributes, type Context, type Link } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-node';
import { RedactingExporter } from './redacting-exporter';
import type { TracingSettings } from './tracing';

/** Probes and scrapes come every few seconds and say nothing about a user's request. */
const UNTRACED_PATHS = ['/healthz', '/readyz', '/metrics'];
/** Subscriptions over Server-Sent Events last hours: like those over WebSocket, they start no trace. */
const STREAM_PATH = '/graphql/stream';

/**
 * A trace starts only where work arrives: an HTTP request, or a job added or taken. Without this,
 * BullMQ's polling and the sweepers would open a trace every few seconds each, and every
 * subscription delivery (a GraphQL execution outside any request) one more.
 */
class ArrivingWorkSampler implements Sampler {
  constructor(private readonly ratio: Sampler) {}

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (kind === SpanKind.SERVER || kind === SpanKind.CONSUMER || kind === SpanKind.PRODUCER) return this.ratio.shouldSample(context, traceId, name, kind, attributes, links);
    return { decision: SamplingDecision.NOT_RECORD };
  }

  toString(): string {
    return `ArrivingWork{${this.ratio.toString()}}`;
  }
}

/**
 * The OpenTelemetry SDK, its OTLP exporter and the instrumentations of http, graphql, pg and
 * ioredis (BullMQ traces itself: `jobTelemetry`). This file is loaded only when tracing is on,
 * and before the modules it patches are. Nothing a person sent is exported: no GraphQL variables
 * or documents (redacting-exporter.ts), no SQL parameters, no Redis arguments (locations and
 * tokens travel in them), no client address.
 */
export function startTracerProvider(settings: TracingSettings): NodeTracerProvider {
  const starts = new ArrivingWorkSampler(new TraceIdRatioBasedSampler(settings.sampleRatio));
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': settings.serviceName })),
    // A trace's first span decides by its trace id alone; one continued from elsewhere (a client's
    // traceparent, a job's metadata) decides the same way, so no client can turn tracing on.
    sampler: new ParentBasedSampler({ root: starts, remoteParentSampled: starts, remoteParentNotSampled: starts }),
    spanProcessors: [new BatchSpanProcessor(new RedactingExporter(new OTLPTraceExporter({ url: new URL('v1/traces', withTrailingSlash(settings.endpoint)).toString() })))],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => [...UNTRACED_PATHS, STREAM_PATH].some((path) => request.url === path || request.url?.startsWith(`${path}?`)),
        // A GraphQL GET carries the operation and its variables in the query string.
        redactedQueryParamsServer: ['query', 'variables', 'extensions', 'token', 'access_token'],
      }),
      new GraphQLInstrumentation({ allowValues: false, ignoreResolveSpans: true, mergeItems: true }),
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false, ignoreConnectSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });
  return provider;
}

/** `new URL('v1/traces', base)` keeps the base's path only up to its last slash. */
function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
