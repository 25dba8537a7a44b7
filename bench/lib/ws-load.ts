import WebSocket from 'ws';
import { percentile } from './percentiles';

export interface WebSocketLoadOptions {
  wsUrl: string;
  /** One access token per connection (cycled when there are fewer). */
  tokens: string[];
  connections: number;
  durationSeconds: number;
  /** The subscribe payload of the n-th operation of a connection. */
  payload(connection: number, n: number): { query: string; variables?: Record<string, unknown> };
}

export interface WebSocketLoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  operations: number;
}

/**
 * Closed-loop load over graphql-transport-ws: each connection authenticates once, then runs one
 * operation at a time, as fast as answers come, for the duration.
 */
export async function runWebSocketLoad(options: WebSocketLoadOptions): Promise<WebSocketLoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + options.durationSeconds * 1000;
  const started = Date.now();

  const connection = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(options.wsUrl, 'graphql-transport-ws');
      let n = 0;
      let sentAt = 0n;
      const send = () => {
        if (Date.now() >= deadline) {
          socket.close(1000);
          return;
        }
        n += 1;
        sentAt = process.hrtime.bigint();
        socket.send(JSON.stringify({ id: String(n), type: 'subscribe', payload: options.payload(index, n) }));
      };
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${options.tokens[index % options.tokens.length]}` } })));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; payload?: { errors?: unknown[] } };
        if (message.type === 'connection_ack') return send();
        if (message.type === 'next') {
          latencies.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
          if (message.payload?.errors) errors += 1;
        } else if (message.type === 'error') {
          errors += 1;
          send();
        } else if (message.type === 'complete') {
          send();
        }
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });

  await Promise.all(Array.from({ length: options.connections }, (_, i) => connection(i)));
  const elapsed = (Date.now() - started) / 1000;
  return { perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, operations: latencies.length };
}
