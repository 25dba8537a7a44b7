import { randomUUID } from 'node:crypto';
import type { GraphQLFormattedError } from 'graphql';
import { openRawSocket } from './raw-socket';

/** A request body as a client may send it: the query's text, or the id of a persisted document. */
export interface RawBody {
  query?: string;
  variables?: unknown;
  documentId?: string;
  extensions?: Record<string, unknown>;
}

export interface RawResult {
  status: number;
  errors: GraphQLFormattedError[];
  data: unknown;
}

/**
 * A GraphQL request the SDK's types would not let through (wrong variable types, control
 * characters written into the document): over HTTP as a JSON POST, answered with the status.
 */
export async function postGraphQL(url: string, body: RawBody, token?: string): Promise<RawResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: { data?: unknown; errors?: GraphQLFormattedError[] } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // Not JSON (a 413 from the body limit, say): no GraphQL errors to report.
  }
  return { status: response.status, errors: parsed.errors ?? [], data: parsed.data ?? null };
}

/** The same over a graphql-ws socket: the first answer to one operation (its errors, or its first result). */
export async function overSocket(wsUrl: string, body: RawBody, token?: string): Promise<RawResult> {
  const raw = await openRawSocket(wsUrl, token ? { authorization: `Bearer ${token}` } : {});
  try {
    await raw.next('connection_ack');
    const id = randomUUID();
    raw.send({ id, type: 'subscribe', payload: body });
    const message = await Promise.race([raw.next('next'), raw.next('error')]);
    if (message.type === 'error') return { status: 200, errors: message.payload as GraphQLFormattedError[], data: null };
    const payload = message.payload as { data?: unknown; errors?: GraphQLFormattedError[] };
    return { status: 200, errors: payload.errors ?? [], data: payload.data ?? null };
  } finally {
    raw.socket.close();
  }
}

export const codesOf = (result: RawResult) => result.errors.map((e) => e.extensions?.code);
