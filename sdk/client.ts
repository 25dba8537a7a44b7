// A small client over the generated documents: typed requests over HTTP, subscriptions over
// graphql-ws, the bearer token on both, and one transparent refresh when the access token has
// expired. The tests use it, so every test run proves the SDK.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
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

export class CareConnectClient {
  private session: Session | null;
  private refreshing?: Promise<boolean>;
  private ws?: WsClient;

  constructor(private readonly options: ClientOptions) {
    this.session = options.session ?? null;
  }

  get currentSession(): Session | null {
    return this.session;
  }

  /** Use after register/login; pass null to forget the session (does not call logout). */
  setSession(session: Session | null): void {
    const tokenChanged = session?.accessToken !== this.session?.accessToken;
    this.session = session;
    this.options.onSession?.(session);
    // An open socket keeps the identity it opened with: reopen it with the new one.
    if (tokenChanged) this.closeSocket();
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
   * server (the token is checked once per connection, no HTTP request per call).
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
   * A subscription as an async iterator. When the server closes the socket because the access
   * token expired (4401), the client refreshes and subscribes again with `resubscribeWith()`'s
   * variables (e.g. an `afterSeq` that replays what was missed), else the same ones.
   */
  subscribe<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    options: { resubscribeWith?: () => TVariables } = {},
  ): AsyncIterableIterator<TData> & { return(): Promise<IteratorResult<TData>> } {
    let current = this.openSubscription(document, variables);
    const next = async (): Promise<IteratorResult<TData>> => {
      for (;;) {
        try {
          return await current.next();
        } catch (err) {
          if ((err as { code?: number })?.code === CLOSE_UNAUTHENTICATED && this.session && (await this.refresh())) {
            current = this.openSubscription(document, options.resubscribeWith?.() ?? variables);
            continue;
          }
          throw err;
        }
      }
    };
    return {
      next,
      return: async () => {
        await current.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Closes the WebSocket, if one is open. */
  async close(): Promise<void> {
    this.closeSocket();
  }

  private closeSocket(): void {
    const ws = this.ws;
    this.ws = undefined;
    void ws?.dispose();
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
      retryAttempts: 3,
      connectionParams: () => (this.session ? { authorization: `Bearer ${this.session.accessToken}` } : {}),
    });
    return this.ws;
  }

  private openSubscription<TData, TVariables extends Record<string, unknown>>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables) {
    const id = documentIdOf(document);
    const payload = id ? { query: '', variables, extensions: { persistedQuery: { version: 1, sha256Hash: id.slice('sha256:'.length) } } } : { query: print(document), variables };
    const iterator = this.socket().iterate<TData>(payload);
    return {
      next: async (): Promise<IteratorResult<TData>> => {
        const result = await iterator.next();
        if (result.done) return result;
        if (result.value.errors?.length) throw new CareConnectError(result.value.errors, 200);
        return { done: false, value: result.value.data as TData };
      },
      return: () => iterator.return?.(),
    };
  }
}
