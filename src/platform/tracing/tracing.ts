import { context, trace, TraceFlags, type Span } from '@opentelemetry/api';
import type { Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';

export interface TracingSettings {
  /** The collector's OTLP/HTTP base URL; empty: tracing off. */
  endpoint: string;
  serviceName: string;
  /** Share of traces recorded, decided where each starts. */
  sampleRatio: number;
}

export interface Tracing {
  /** Sends the spans still buffered; the process exits after. */
  shutdown(): Promise<void>;
}

let enabled = false;

/**
 * Starts tracing for this process. Call it before anything loads http, pg, ioredis or graphql:
 * the instrumentations patch those modules as they are loaded. Off, neither the SDK nor an
 * instrumentation is loaded and nothing is patched: what is left are no-op calls of the API.
 */
export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  if (!settings.endpoint) return { shutdown: async () => undefined };
  const { startTracerProvider } = await import('./tracer-provider');
  const provider = startTracerProvider(settings);
  enabled = true;
  return { shutdown: () => provider.shutdown() };
}

/** BullMQ's own tracing (its jobs carry the trace they were added in), when tracing is on. */
export function jobTelemetry(): Telemetry | undefined {
  return enabled ? new BullMQOtel() : undefined;
}

/** The ids of the recorded trace and span this code runs in, for log lines; none when not traced. */
export function currentTraceIds(): { traceId: string; spanId: string } | undefined {
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  // A trace the sampler left out has ids too, but nothing to find under them.
  return traceFlags & TraceFlags.SAMPLED ? { traceId, spanId } : undefined;
}

/** Runs `fn` in a span of its own (a no-op span when tracing is off), ended when `fn` settles. */
export async function inSpan<T>(name: string, fn: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer('careconnect-api').startActiveSpan(name, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      throw err;
    } finally {
      span.end();
    }
  });
}
