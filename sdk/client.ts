// A small client over the generated documents: typed requests over HTTP, subscriptions over
// graphql-ws, the bearer token on both, one transparent refresh when the access token has
// expired, subscriptions that survive lost connections and token refreshes (resuming where the
// app left off) and fall back to Server-Sent Events where WebSocket is blocked, and an outbox for
// what an app sends while offline. The tests use it, so every
// test run proves the SDK.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { RefreshSessionDocument, type SessionFieldsFragment } from './generated/graphql';

export type Session = SessionFieldsFragment;

/** A GraphQL or HTTP failure. `code` is the first error's `extensions.code`. */
export class CareConnectError extends Error {
  readonly code: string | undefined;

  constructor(
    readonly errors: readonly GraphQLFormattedError[],
    readonly status: number,
  ) {
    super(errors.map((e) => e.message).join('; ') || `HTTP ${status}`);
    this.name = 'CareConnectError';
    this.code = errors[0]?.extensions?.code as string | undefined;
  }

  get extensions(): Record<string, unknown> {
    return this.errors[0]?.extensions ?? {};
  }
}

export interface ClientOptions {
  /** http(s)://host/graphql; the WebSocket URL is derived from it unless `wsUrl` is given. */
  url: string;
  wsUrl?: string;
  session?: Session | null;
  /** Called whenever the session changes (sign-in, refresh, sign-out), e.g. to persist it. */
  onSession?: (session: Session | null) => void;
  /** A WebSocket implementation where there is no global one (Node < 22: `ws`). */
  webSocketImpl?: unknown;
  headers?: Record<string, string>;
  /** How subscriptions and the outbox try again after a lost connection. */
  reconnect?: ReconnectOptions;
  /**
   * How subscriptions travel. 'auto' (default): over WebSocket, and over Server-Sent Events from
   * the moment a WebSocket could not be opened at all (networks that block upgrades).
   */
  transport?: 'auto' | 'websocket' | 'sse';
  /** The Server-Sent Events endpoint; default `url` + '/stream'. */
  sseUrl?: string;
}

export interface ReconnectOptions {
  /** Attempts in a row before a subscription gives up and throws (default 5). The outbox never gives up. */
  attempts?: number;
  /** The first wait, doubled each attempt up to `maxDelayMs`, each time between half and one and a half of it (default 500 ms). */
  baseDelayMs?: number;
  /** Default 15 s. */
  maxDelayMs?: number;
}

const UNAUTHENTICATED = 'UNAUTHENTICATED';

/**
 * The id codegen gave a document of sdk/operations (`sha256:<hex>` of its text, listed in
 * persisted-documents.json): the SDK sends it instead of the text, so requests are small and pass
 * a server that runs only the apps' documents. Documents built elsewhere are sent as text.
 */
function documentIdOf(document: unknown): string | undefined {
  return (document as { __meta__?: { hash?: string } }).__meta__?.hash;
}
/** The server closes a socket with this code when its access token is missing, invalid or expired. */
export const CLOSE_UNAUTHENTICATED = 4401;
/** The server closes a socket with this code when an admin suspended the account: not retried. */
const CLOSE_SUSPENDED = 4403;
/** graphql-ws closes with this when the client terminates its socket: here, to reconnect with a new token. */
const CLOSE_TERMINATED = 4499;

/**
 * The subscriptions whose events can be replayed: after a reconnect the SDK asks from the last
 * event it delivered (`resume`) and drops what it delivered already (`key`), so the app sees every
 * event once. The others (locations, signals, typing, the overview) are live only.
 */
const RESUMABLE: Record<string, { key: (data: never) => string; resume?: (variables: Record<string, unknown>, data: never) => Record<string, unknown> }> = {
  SosUpdates: {
    key: (data: { sosUpdates: { seq: number } }) => String(data.sosUpdates.seq),
    resume: (variables, data: { sosUpdates: { seq: number } }) => ({ ...variables, afterSeq: data.sosUpdates.seq }),
  },
  MessageAdded: {
    key: (data: { messageAdded: { id: string } }) => data.messageAdded.id,
    resume: (variables, data: { messageAdded: { id: string } }) => ({ ...variables, after: data.messageAdded.id }),
  },
  // Open offers and escalations are replayed on every subscribe: only their changes are news (an
  // offer made again, by staff, keeps its id and gets a new expiry).
  SosAlerts: {
    key: (data: { sosAlerts: { id: string; status: string; expiresAt: string } }) => `${data.sosAlerts.id}:${data.sosAlerts.status}:${data.sosAlerts.expiresAt}`,
  },
  SosEscalations: { key: (data: { sosEscalations: { id: string } }) => data.sosEscalations.id },
};

/**
 * A document as sent over a stream: by the id codegen gave it (accepted where the server runs only
 * the apps' documents), or as text when it has none.
 */
function requestOf(document: unknown, variables: Record<string, unknown>) {
  const id = documentIdOf(document);
  if (!id) return { query: print(document as Parameters<typeof print>[0]), variables };
  return { query: '', variables, extensions: { persistedQuery: { version: 1, sha256Hash: id.slice('sha256:'.length) } } };
}

/** A streamed result as the app gets it: its data, or its errors thrown. */
function dataOf<TData>(result: IteratorResult<{ data?: unknown; errors?: readonly GraphQLFormattedError[] }>): IteratorResult<TData> {
  if (result.done) return result;
  if (result.value.errors?.length) throw new CareConnectError(result.value.errors, 200);
  return { done: false, value: result.value.data as TData };
}

function operationNameOf(document: unknown): string | undefined {
  const definitions = (document as { definitions?: { kind: string; name?: { value: string } }[] }).definitions ?? [];
  return definitions.find((d) => d.kind === 'OperationDefinition')?.name?.value;
}

/** Closes that mean "try again" (the network, a restarting server), not "you may not". */
function isConnectionLoss(err: unknown): boolean {
  if (err instanceof CareConnectError) return false;
  const code = (err as { code?: unknown })?.code;
  // 4xxx: the server's own decisions (bad request, unauthenticated, suspended, too many).
  return typeof code !== 'number' || code < 4000 || code === CLOSE_TERMINATED;
}

/** An HTTP request that did not reach the API, or that the API could not serve now. */
function isOffline(err: unknown): boolean {
  // fetch rejects with a TypeError when there is no network, or the connection was refused or reset
  // (told by name: another realm's TypeError is not `instanceof` this one's).
  if (!(err instanceof CareConnectError)) return (err as { name?: unknown })?.name === 'TypeError';
  return err.code === 'UNAVAILABLE' || err.status === 502 || err.status === 503 || err.status === 504;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Outgoing {
  document: TypedDocumentNode<unknown, Record<string, unknown>>;
  variables: Record<string, unknown>;
  coalesce?: string;
  waiters: { resolve: (data: unknown) => void; reject: (err: unknown) => void }[];
}

export class CareConnectClient {
  private session: Session | null;
  private refreshing?: Promise<boolean>;
  private ws?: WsClient;
  private readonly outbox: Outgoing[] = [];
  private sending = false;
  /** Bumped by close(): what was started before it stops (retries, the outbox); the client stays usable. */
  private closes = 0;
  private readonly reconnect: Required<ReconnectOptions>;
  private sse?: SseClient;
  /** Bumped when the event streams are cut on purpose (a new token, sign-out, close()). */
  private sseEpoch = 0;
  private useSse: boolean;
  /** Sockets opened so far: a subscription's failures in a row end when one opens. */
  private connections = 0;

  constructor(private readonly options: ClientOptions) {
    this.session = options.session ?? null;
    this.reconnect = { attempts: 5, baseDelayMs: 500, maxDelayMs: 15_000, ...options.reconnect };
    this.useSse = options.transport === 'sse';
  }

  /** What subscriptions travel over now. */
  get transport(): 'websocket' | 'sse' {
    return this.useSse ? 'sse' : 'websocket';
  }

  get currentSession(): Session | null {
    return this.session;
  }

  /** Use after register/login; pass null to forget the session (does not call logout). */
  setSession(session: Session | null): void {
    const tokenChanged = session?.accessToken !== this.session?.accessToken;
    this.session = session;
    this.options.onSession?.(session);
    if (!tokenChanged) return;
    // An open socket keeps the identity it opened with. Signed out: close it (subscriptions end).
    // A new token: drop it, and the subscriptions reconnect with the new one where they were.
    if (!session) this.closeSocket();
    else this.dropSocket();
  }

  /** Runs a query or mutation. On UNAUTHENTICATED with a refresh token in hand, refreshes once and retries. */
  async request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] | [TVariables] : [TVariables]
  ): Promise<TData> {
    try {
      return await this.send(document, variables);
    } catch (err) {
      // 401 means the token itself was refused (expired, revoked); other UNAUTHENTICATED errors (a wrong password) are not retried.
      if (err instanceof CareConnectError && err.status === 401 && err.code === UNAUTHENTICATED && (await this.refresh())) {
        return this.send(document, variables);
      }
      throw err;
    }
  }

  /**
   * A query or mutation over the WebSocket instead of HTTP: for frequent small operations such as
   * `updateLocation`, the socket the app holds anyway is about three times cheaper for the
   * server (the token is checked once per connection, no HTTP request per call). Like a
   * subscription it is sent again after a lost connection: for operations harmless to repeat.
   */
  async requestOverSocket<TData, TVariables extends Record<string, unknown>>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData> {
    const iterator = this.subscribe(document, variables);
    try {
      const first = await iterator.next();
      if (first.done) throw new CareConnectError([{ message: 'The server completed the operation without a result' }], 200);
      return first.value;
    } finally {
      await iterator.return();
    }
  }

  /**
   * A subscription as an async iterator that outlives its connection. When the connection is lost
   * (a network change, a restarting server) it reconnects, `reconnect.attempts` times in a row at
   * most with growing, jittered waits, then throws; when the access token expired (4401) it
   * refreshes first; when the session changes (`setSession`) it reconnects with the new token.
   * Replayable subscriptions (SosUpdates, MessageAdded, SosAlerts, SosEscalations) resume from
   * the last event delivered (`afterSeq`, `after`) and never deliver one twice.
   */
  subscribe<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
  ): AsyncIterableIterator<TData> & { return(): Promise<IteratorResult<TData>> } {
    const replay = RESUMABLE[operationNameOf(document) ?? ''];
    const delivered = new Set<string>();
    let resumeWith: Record<string, unknown> = variables;
    let current = this.openSubscription(document, variables);
    let ended = false;
    const closesAtStart = this.closes;
    const stopped = () => ended || this.closes !== closesAtStart;
    let failures = 0;
    // Attempts count in a row: a connection that opened since the last failure starts them afresh.
    let connectionsAtFailure = this.connections;
    const reopen = () => {
      // Over a connection still open (an UNAVAILABLE event) the old subscription is ended first.
      void current.return?.();
      current = this.openSubscription(document, resumeWith as TVariables);
    };
    const over = (): IteratorResult<TData> => ({ done: true, value: undefined });
    const next = async (): Promise<IteratorResult<TData>> => {
      for (;;) {
        if (stopped()) return over();
        try {
          const result = await current.next();
          if (result.done) return result;
          // Delivering again: the attempts start afresh at the next failure, however far apart they come.
          failures = 0;
          if (replay) {
            const key = replay.key(result.value as never);
            if (delivered.has(key)) continue;
            delivered.add(key);
            if (replay.resume) resumeWith = replay.resume(resumeWith, result.value as never);
          }
          return result;
        } catch (err) {
          if (stopped()) return over();
          const code = (err as { code?: unknown })?.code;
          // No WebSocket could be opened at all (upgrades blocked on the way): Server-Sent Events from now on.
          // (Twice in a row, so one bad moment at launch does not decide it; never our own 4499.)
          const fallBack =
            this.options.transport !== 'websocket' && !this.useSse && this.connections === 0 && code !== CLOSE_TERMINATED && failures >= 1 && isConnectionLoss(err);
          if (fallBack) this.useSse = true;
          // Our own doing (a new token), or a change of transport: again at once.
          if (code !== CLOSE_TERMINATED && !fallBack) {
            if (this.connections > connectionsAtFailure) failures = 0;
            connectionsAtFailure = this.connections;
            // An expired token is refreshed first; a lost connection, or UNAVAILABLE, waits its turn; anything else is the app's.
            const refreshed = code === CLOSE_UNAUTHENTICATED && this.session !== null && (await this.refresh());
            // UNAVAILABLE (say, a database pool drained by a reconnect storm) is worth another try where
            // nothing can be lost by it: a subscription that resumes from what it delivered.
            const unavailable = replay !== undefined && err instanceof CareConnectError && err.code === 'UNAVAILABLE';
            if ((!refreshed && !isConnectionLoss(err) && !unavailable) || failures >= this.reconnect.attempts) throw err;
            if (!refreshed || failures > 0) await sleep(this.delay(failures));
            failures++;
          }
          if (stopped()) return over();
          reopen();
        }
      }
    };
    return {
      next,
      return: async () => {
        ended = true;
        await current.return?.();
        return over();
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * Sends a mutation now or, while the API cannot be reached (no network, the API unavailable),
   * as soon as it can, in the order given: what an app sends while offline is not lost. Waiting
   * operations with the same `coalesce` key become one, the latest (e.g. `updateLocation`: only
   * the newest position matters), and their callers all get its answer. Repeats must be harmless:
   * `sendMessage` is, by its `clientMessageId`. Errors other than being offline reject at once.
   */
  whenOnline<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    options: { coalesce?: string } = {},
  ): Promise<TData> {
    return new Promise<TData>((resolve, reject) => {
      const waiter = { resolve: resolve as (data: unknown) => void, reject };
      // The head may be on its way already: only a waiting one is replaced.
      const waiting = options.coalesce ? this.outbox.slice(this.sending ? 1 : 0).find((o) => o.coalesce === options.coalesce) : undefined;
      if (waiting) {
        waiting.variables = variables;
        waiting.waiters.push(waiter);
      } else {
        this.outbox.push({ document: document as TypedDocumentNode<unknown, Record<string, unknown>>, variables, coalesce: options.coalesce, waiters: [waiter] });
      }
      void this.pump();
    });
  }

  /** Operations waiting in the outbox (the app may show "sending…"). */
  get pendingCount(): number {
    return this.outbox.length;
  }

  /**
   * Closes the WebSocket and the event streams (their subscriptions end) and fails what waits in
   * the outbox. The client may be used again afterwards: it opens what it needs anew.
   */
  async close(): Promise<void> {
    this.closes++;
    for (const outgoing of this.outbox.splice(0)) for (const w of outgoing.waiters) w.reject(new CareConnectError([{ message: 'The client is closed' }], 0));
    this.closeSocket();
  }

  /** Sends the outbox head first, waiting and trying again while offline. */
  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    let failures = 0;
    const closesAtStart = this.closes;
    try {
      while (this.outbox.length > 0 && this.closes === closesAtStart) {
        const head = this.outbox[0];
        try {
          const data = await this.request(head.document, head.variables);
          this.forget(head);
          failures = 0;
          for (const w of head.waiters) w.resolve(data);
        } catch (err) {
          if (isOffline(err)) {
            // A newer one of its kind waits behind it: that one goes instead (the latest location).
            const newer = head.coalesce ? this.outbox.slice(1).find((o) => o.coalesce === head.coalesce) : undefined;
            if (newer) {
              this.forget(head);
              newer.waiters.unshift(...head.waiters);
            }
            await sleep(this.delay(failures++));
            continue;
          }
          this.forget(head);
          for (const w of head.waiters) w.reject(err);
        }
      }
    } finally {
      this.sending = false;
      // Sent after a close() while this one slept: theirs to send.
      if (this.outbox.length > 0 && this.closes !== closesAtStart) void this.pump();
    }
  }

  /** Takes an operation out of the outbox (by identity: a close() meanwhile may have emptied and refilled it). */
  private forget(outgoing: Outgoing): void {
    const at = this.outbox.indexOf(outgoing);
    if (at >= 0) this.outbox.splice(at, 1);
  }

  /** The wait before attempt `failures + 1`: exponential, capped, jittered (so a fleet of apps does not come back at once). */
  private delay(failures: number): number {
    const { baseDelayMs, maxDelayMs } = this.reconnect;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** failures) * (0.5 + Math.random());
  }

  private closeSocket(): void {
    const ws = this.ws;
    this.ws = undefined;
    void ws?.dispose();
    this.endEventStreams();
  }

  /**
   * Ends the socket abruptly (4499): its subscriptions fail with that code and open again on a new
   * one. (Not disposed as well: a disposed client completes its subscriptions instead.)
   */
  private dropSocket(): void {
    const ws = this.ws;
    this.ws = undefined;
    ws?.terminate();
    // Event streams keep the token they opened with: end them, and they open again with the new one.
    this.endEventStreams();
  }

  /** Ends the Server-Sent Events streams (their iterators tell it apart from the server's doing by the epoch). */
  private endEventStreams(): void {
    this.sseEpoch++;
    this.sse?.dispose();
    this.sse = undefined;
  }

  private async send<TData>(document: TypedDocumentNode<TData, never>, variables: unknown, signedIn = true): Promise<TData> {
    const id = documentIdOf(document);
    if (!id) return this.post<TData>({ query: print(document), variables }, signedIn);
    try {
      return await this.post<TData>({ documentId: id, variables }, signedIn);
    } catch (err) {
      // A server older than this SDK's operations does not know the id yet: send the text.
      if (err instanceof CareConnectError && err.code === 'PERSISTED_QUERY_NOT_FOUND') return this.post<TData>({ query: print(document), variables }, signedIn);
      throw err;
    }
  }

  private async post<TData>(request: Record<string, unknown>, signedIn: boolean): Promise<TData> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...this.options.headers };
    if (this.session && signedIn) headers.authorization = `Bearer ${this.session.accessToken}`;
    const response = await fetch(this.options.url, { method: 'POST', headers, body: JSON.stringify(request) });
    let body: { data?: TData | null; errors?: GraphQLFormattedError[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new CareConnectError([{ message: `HTTP ${response.status}`, extensions: { code: `HTTP_${response.status}` } }], response.status);
    }
    if (body.errors?.length) throw new CareConnectError(body.errors, response.status);
    if (!response.ok || body.data == null) throw new CareConnectError([{ message: `HTTP ${response.status}` }], response.status);
    return body.data;
  }

  /** One refresh at a time, shared by every caller that hit an expired token. */
  private refresh(): Promise<boolean> {
    const refreshToken = this.session?.refreshToken;
    if (!refreshToken) return Promise.resolve(false);
    // Sent without the access token: that is the one that just failed.
    this.refreshing ??= this.send(RefreshSessionDocument, { refreshToken }, false)
      .then(
        (data) => {
          this.setSession(data.refreshSession);
          return true;
        },
        (err: unknown) => {
          // Only a refused refresh token ends the session; a network error or an outage does not.
          if (err instanceof CareConnectError && err.code === UNAUTHENTICATED) this.setSession(null);
          return false;
        },
      )
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private socket(): WsClient {
    this.ws ??= createWsClient({
      url: this.options.wsUrl ?? this.options.url.replace(/^http/, 'ws'),
      webSocketImpl: this.options.webSocketImpl,
      lazy: true,
      // Each subscription reconnects itself (subscribe()), resuming from what it delivered.
      retryAttempts: 0,
      connectionParams: () => (this.session ? { authorization: `Bearer ${this.session.accessToken}` } : {}),
      on: {
        connected: () => {
          this.connections++;
        },
      },
    });
    return this.ws;
  }

  /**
   * One subscription over Server-Sent Events. Refusals come as HTTP statuses: told as the
   * WebSocket's close codes (401 as 4401, 403 as 4403) or, for a document that cannot run, as the
   * errors themselves; a stream the server ended mid-way is a lost connection.
   */
  private openOverSse<TData>(document: TypedDocumentNode<TData, never>, variables: unknown) {
    this.sse ??= createSseClient({
      url: this.options.sseUrl ?? `${this.options.url}/stream`,
      headers: (): Record<string, string> => ({ ...this.options.headers, ...(this.session ? { authorization: `Bearer ${this.session.accessToken}` } : {}) }),
      retryAttempts: 0,
      on: {
        connected: () => {
          this.connections++;
        },
      },
    });
    const epoch = this.sseEpoch;
    const iterator = this.sse.iterate<TData>(requestOf(document, variables as Record<string, unknown>));
    return {
      next: async (): Promise<IteratorResult<TData>> => {
        let result: IteratorResult<{ data?: unknown; errors?: readonly GraphQLFormattedError[] }>;
        try {
          result = await iterator.next();
          // Cut by us for a new token (signed out: there is no session and it simply ends): open again.
          if (result.done && epoch !== this.sseEpoch && this.session) throw { code: CLOSE_TERMINATED };
        } catch (err) {
          if (epoch !== this.sseEpoch && this.session) throw { code: CLOSE_TERMINATED };
          const response = (err as { response?: { status: number; json(): Promise<{ errors?: GraphQLFormattedError[] }> } }).response;
          if (response?.status === 401) throw { code: CLOSE_UNAUTHENTICATED };
          if (response?.status === 403) throw { code: CLOSE_SUSPENDED };
          if (response?.status === 400) throw new CareConnectError((await response.json().catch(() => ({ errors: [] }))).errors ?? [], 400);
          throw err;
        }
        return dataOf<TData>(result);
      },
      return: () => iterator.return?.(),
    };
  }

  private openSubscription<TData, TVariables extends Record<string, unknown>>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables) {
    if (this.useSse) return this.openOverSse(document as TypedDocumentNode<TData, never>, variables);
    const iterator = this.socket().iterate<TData>(requestOf(document, variables));
    return {
      next: async (): Promise<IteratorResult<TData>> => {
        let result: IteratorResult<{ data?: unknown; errors?: readonly GraphQLFormattedError[] }>;
        try {
          result = await iterator.next();
        } catch (err) {
          // The server refused the operation (graphql-ws hands over its errors): not a lost connection.
          if (Array.isArray(err)) throw new CareConnectError(err as GraphQLFormattedError[], 200);
          throw err;
        }
        return dataOf<TData>(result);
      },
      return: () => iterator.return?.(),
    };
  }
}
