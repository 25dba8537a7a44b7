import { GraphQLError } from 'graphql';
import { AccessTokens, LoaderScope, bearerToken, type AccessClaims, type Context, type Viewer } from '../platform/auth';
import type { UsersService } from '../modules/users';

const VIEWER_TTL_MS = 5000;

export interface RequestInfo {
  requestId: string;
  clientIp: string;
}

/** Builds the per-request GraphQL context, the same way for HTTP and for WebSocket operations. */
export class ContextFactory {
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

  /** WebSocket: the token was checked when the socket opened (and the socket closes when it expires). */
  forSocket(info: RequestInfo, claims: AccessClaims): Context {
    return this.build(info, claims.userId);
  }

  /** Claims of a `Bearer <token>` value, or null if it is missing, forged, malformed or expired. */
  verify(authorization: unknown): AccessClaims | null {
    const token = bearerToken(authorization);
    return token ? this.tokens.verify(token) : null;
  }

  private build(info: RequestInfo, tokenUserId: string | null): Context {
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
          viewer = { value: this.users.viewerOf(ctx), at: Date.now() };
        }
        return viewer.value;
      },
      actAs: (userId) => {
        ctx.tokenUserId = userId;
        viewer = undefined;
      },
    };
    return ctx;
  }
}
