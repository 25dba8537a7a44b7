import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-node';

/**
 * Attributes that carry what a person sent or who they are: the GraphQL document as written
 * (comments and inline values included), and the client's address and user agent. The
 * operation's type and name, in the span's name, say which operation it was.
 */
const DROPPED = new Set(['graphql.source', 'client.address', 'network.peer.address', 'network.peer.port', 'user_agent.original']);
/** An exception's message can quote an input (GraphQL validation does: `Int cannot represent "..."`). */
const EVENT_KEPT = new Set(['exception.type']);

const without = (attributes: Attributes | undefined, keep: (key: string) => boolean): Attributes =>
  Object.fromEntries(Object.entries(attributes ?? {}).filter(([key]) => keep(key)));

/** The span as exported: the same span, but for what must not leave the process. */
function redacted(span: ReadableSpan): ReadableSpan {
  const events: TimedEvent[] = span.events.map((event) => (event.name === 'exception' ? { ...event, attributes: without(event.attributes, (key) => EVENT_KEPT.has(key)) } : event));
  return Object.create(span, {
    attributes: { value: without(span.attributes, (key) => !DROPPED.has(key)) },
    events: { value: events },
  }) as ReadableSpan;
}

/** Wraps the OTLP exporter so that no span reaches the collector with a person's input in it. */
export class RedactingExporter implements SpanExporter {
  constructor(private readonly exporter: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: Parameters<SpanExporter['export']>[1]): void {
    this.exporter.export(spans.map(redacted), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}
