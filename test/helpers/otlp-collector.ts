import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as OTLP/HTTP JSON carries it, attributes flattened to their values. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}

type OtlpAttributes = { key: string; value: OtlpValue }[];

interface OtlpExport {
  resourceSpans?: {
    scopeSpans?: { spans?: (Omit<CollectedSpan, 'attributes' | 'events'> & { attributes?: OtlpAttributes; events?: { name: string; attributes?: OtlpAttributes }[] })[] }[];
  }[];
}

const valueOf = (value: OtlpValue): unknown =>
  value.arrayValue ? (value.arrayValue.values ?? []).map(valueOf) : (value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue);
const flat = (attributes: OtlpAttributes | undefined) => Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, valueOf(value)]));

/**
 * An OpenTelemetry collector's OTLP/HTTP receiver, JSON encoding (`POST /v1/traces`), as far as a
 * test needs: it keeps every span exported to it, and every request body as it came.
 */
export class OtlpCollector {
  readonly spans: CollectedSpan[] = [];
  readonly bodies: string[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces' || !req.headers['content-type']?.startsWith('application/json')) {
          res.writeHead(404).end();
          return;
        }
        this.bodies.push(body);
        const exported = JSON.parse(body) as OtlpExport;
        for (const resource of exported.resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) {
            for (const { attributes, events, ...span } of scope.spans ?? []) {
              this.spans.push({ ...span, attributes: flat(attributes), events: (events ?? []).map((event) => ({ name: event.name, attributes: flat(event.attributes) })) });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Waits until a span matching `test` has arrived, and returns it. */
  async waitForSpan(test: (span: CollectedSpan) => boolean, timeoutMs = 15_000): Promise<CollectedSpan> {
    for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 50))) {
      const found = this.spans.find(test);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no such span in ${timeoutMs} ms; spans so far: ${this.spans.map((s) => s.name).join(', ')}`);
    }
  }

  /** The spans of a trace once none has arrived for `quietMs` (a parent ends after its children). */
  async settledTrace(traceId: string, quietMs = 1000, timeoutMs = 15_000): Promise<CollectedSpan[]> {
    const count = () => this.spans.filter((span) => span.traceId === traceId).length;
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      const before = count();
      await new Promise((r) => setTimeout(r, quietMs));
      if (count() === before) return this.spans.filter((span) => span.traceId === traceId);
    }
    throw new Error(`trace ${traceId} still growing after ${timeoutMs} ms`);
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
