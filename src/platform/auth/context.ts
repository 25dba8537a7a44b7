import { unauthenticated } from '../errors';
import type { Role } from './roles';

/** Who is asking, as of this request (role read fresh from the database, not from the token). */
export interface Viewer {
  id: string;
  role: Role;
  /** An admin suspended the account: it may raise an SOS (which goes to staff), nothing else. */
  suspended: boolean;
  /** Staff assigned to cities act on those only; null: not scoped (global staff, and everyone else). */
  cityIds: readonly string[] | null;
}

/** Where a token's account stands: usable, suspended by an admin, or deleted. */
export type AccountStanding = 'active' | 'suspended' | 'gone';

/**
 * Per-request memo of DataLoaders. Modules hand in a factory (bound to their repository at
 * composition time); the first call in a request creates the loader, later calls reuse it, so
 * batching works across resolvers without the platform knowing any module.
 */
export class LoaderScope {
  private readonly loaders = new Map<() => unknown, unknown>();

  get<T>(factory: () => T): T {
    let loader = this.loaders.get(factory) as T | undefined;
    if (loader === undefined) {
      loader = factory();
      this.loaders.set(factory, loader);
    }
    return loader;
  }
}

/** The GraphQL context of one HTTP request or one WebSocket operation. Services take it first. */
export interface Context {
  requestId: string;
  clientIp: string;
  /** User id from a verified access token (or of whoever signed in during this request), null if anonymous. */
  tokenUserId: string | null;
  loaders: LoaderScope;
  /** The current viewer, loaded once per request; null when anonymous or the account is gone. */
  viewer(): Promise<Viewer | null>;
  /**
   * Where the token's account stands: a token of a deleted or suspended account must not act.
   * An active account is known for a minute per instance after any read of the viewer (and
   * forgotten at once when an admin suspends it), so token-only requests (the hot
   * `updateLocation`) seldom pay a query for it.
   */
  accountStanding(): Promise<AccountStanding>;
  /** Makes the rest of this request act as a user who just signed in (register, login, refresh). */
  actAs(userId: string): void;
}

/** A context for work no person asked for (jobs, scripts): anonymous, with loaders of its own. */
export function systemContext(requestId = 'system'): Context {
  return {
    requestId,
    clientIp: '127.0.0.1',
    tokenUserId: null,
    loaders: new LoaderScope(),
    viewer: async () => null,
    accountStanding: async () => 'gone',
    actAs: () => undefined,
  };
}

/** The signed-in person's id; UNAUTHENTICATED for an anonymous request. */
export function signedIn(ctx: Pick<Context, 'tokenUserId'>): string {
  if (!ctx.tokenUserId) throw unauthenticated();
  return ctx.tokenUserId;
}
