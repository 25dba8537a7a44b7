import { GraphQLError } from 'graphql';
import { AccessTokens, LoaderScope, bearerToken, type AccessClaims, type AccountStanding, type Context, type Viewer } from '../platform/auth';
import type { UsersService } from '../modules/users';
import { isDependencyUnavailable } from '../platform/errors';

/** How long a read of the viewer stands for a long-lived subscription before it re-reads the role. */
const VIEWER_TTL_MS = 5000;
/**
 * How long a read of an account lets token-only requests (`updateLocation`, every few seconds
 * per volunteer) trust that it still exists. Shorter would add a query to nearly every location
 * update (an idle volunteer sends one every 20 s): this is the window in which a token of a
 * just-deleted account still moves its volunteer on this instance. Everything with a role check
 * reads the account afresh anyway, and so do sockets when they open.
 */
const ACCOUNT_KNOWN_MS = 60_000;
/** Accounts remembered per instance before old entries are pruned. */
const KNOWN_ACCOUNTS_MAX = 50_000;

/**
 * Accounts this instance has read recently. A token outlives the account it names (deleted,
 * later suspended); every request must check, and this lets token-only requests reuse a recent
 * read instead of adding a query each.
 */
class KnownAccounts {
  private readonly confirmedAt = new Map<string, number>();

  isKnown(userId: string): boolean {
    return Date.now() - (this.confirmedAt.get(userId) ?? 0) <= ACCOUNT_KNOWN_MS;
  }

  /** Forgets the account: the next request reads it (an admin just suspended it). */
  forget(userId: string): void {
    this.confirmedAt.delete(userId);
  }

  record(userId: string, active: boolean): void {
    this.confirmedAt.delete(userId);
    if (!active) return;
    if (this.confirmedAt.size >= KNOWN_ACCOUNTS_MAX) {
      // Oldest first (insertion order): drop those that no longer count.
      for (const [id, at] of this.confirmedAt) {
        if (Date.now() - at <= ACCOUNT_KNOWN_MS) break;
        this.confirmedAt.delete(id);
      }
    }
    this.confirmedAt.set(userId, Date.now());
  }
}

/** Why a socket's account can no longer act. */
export type AccountLost = Exclude<AccountStanding, 'active'>;

const standingOf = (viewer: Viewer | null): AccountStanding => (!viewer ? 'gone' : viewer.suspended ? 'suspended' : 'active');

export interface RequestInfo {
  requestId: string;
  clientIp: string;
}

/** Builds the per-request GraphQL context, the same way for HTTP and for WebSocket operations. */
export class ContextFactory {
  private readonly known = new KnownAccounts();

  constructor(
    private readonly tokens: AccessTokens,
    private readonly users: UsersService,
  ) {}

  /**
   * HTTP: no Authorization header means anonymous; a bad or expired token is refused outright
   * (401 UNAUTHENTICATED), so the client knows to refresh rather than act as a stranger.
   */
  forHttp(info: RequestInfo, authorization: string | undefined): Context {
    if (authorization === undefined || authorization === '') return this.build(info, null);
    const claims = this.verify(authorization);
    if (!claims) {
      throw new GraphQLError('Access token is invalid or expired', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    }
    return this.build(info, claims.userId);
  }

  /**
   * WebSocket: the token was checked when the socket opened (and the socket closes when it
   * expires); `onAccountGone` closes it when an operation finds the account deleted.
   */
  forSocket(info: RequestInfo, claims: AccessClaims, onAccountLost: (standing: AccountLost) => void): Context {
    return this.build(info, claims.userId, onAccountLost);
  }

  /** Where the account stands, read now (a socket opening). */
  async accountStanding(info: RequestInfo, userId: string): Promise<AccountStanding> {
    return this.build(info, userId).viewer().then(standingOf);
  }

  /** An admin suspended the account (this instance heard it): its next request reads it afresh. */
  forgetAccount(userId: string): void {
    this.known.forget(userId);
  }

  /** Claims of a `Bearer <token>` value, or null if it is missing, forged, malformed or expired. */
  verify(authorization: unknown): AccessClaims | null {
    const token = bearerToken(authorization);
    return token ? this.tokens.verify(token) : null;
  }

  private build(info: RequestInfo, tokenUserId: string | null, onAccountLost?: (standing: AccountLost) => void): Context {
    let viewer: { value: Promise<Viewer | null>; at: number } | undefined;
    const ctx: Context = {
      ...info,
      tokenUserId,
      loaders: new LoaderScope(),
      viewer: () => {
        // A request reads the viewer once; a subscription, which lives for hours, again every few
        // seconds, so a demotion reaches live streams too.
        if (!viewer || Date.now() - viewer.at > VIEWER_TTL_MS) {
          if (viewer && ctx.tokenUserId) this.users.forget(ctx, ctx.tokenUserId);
          const userId = ctx.tokenUserId;
          const read = this.users.viewerOf(ctx);
          viewer = { value: read, at: Date.now() };
          if (userId) {
            void read.then((found) => {
              const standing = standingOf(found);
              this.known.record(userId, standing === 'active');
              // A socket whose account is gone or suspended closes at the first read that finds out (its subscriptions re-read every few seconds).
              if (standing !== 'active') onAccountLost?.(standing);
            }, () => undefined);
          }
        }
        return viewer.value;
      },
      accountStanding: async () => {
        if (!ctx.tokenUserId) return 'gone';
        if (this.known.isKnown(ctx.tokenUserId)) return 'active';
        try {
          return standingOf(await ctx.viewer());
        } catch (err) {
          // PostgreSQL cannot be asked: the signed token stands, so that an SOS and its accept
          // still get through the outage journal (what needs the database fails on its own).
          if (isDependencyUnavailable(err)) return 'active';
          throw err;
        }
      },
      actAs: (userId) => {
        ctx.tokenUserId = userId;
        viewer = undefined;
      },
    };
    return ctx;
  }
}
