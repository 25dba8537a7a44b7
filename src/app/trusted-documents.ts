import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import manifest from '../../sdk/generated/persisted-documents.json';
import { isStaff, type Context } from '../platform/auth';

/** What a request names its operation by: the text, or the id of a persisted document. */
export interface DocumentRequest {
  query?: unknown;
  /** GraphQL over HTTP's persisted documents: `sha256:<hex>`. */
  documentId?: unknown;
  /** Apollo's persisted-query extension: `{ version: 1, sha256Hash: <hex> }`. */
  extensions?: { persistedQuery?: { sha256Hash?: unknown } } | null;
}

export interface Resolved {
  query: unknown;
  /** Whether it is one of the apps' documents (sent by id, or as its exact text). */
  trusted: boolean;
  /** Whether it was sent by id (the request then carries no text of its own). */
  byId: boolean;
}

const ID = /^sha256:[0-9a-f]{64}$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The operations the apps ship: the SDK's documents, extracted at codegen time into
 * sdk/generated/persisted-documents.json (hash -> text). Any client may send one by its hash
 * instead of its text, which saves most of a request's bytes on a slow network. With
 * TRUSTED_DOCUMENTS_ONLY, anonymous people, USERs and VOLUNTEERs may run only these (by hash or
 * exact text); staff keep full access for their tools, and so does a development server.
 */
export class TrustedDocuments {
  private readonly byHash: ReadonlyMap<string, string>;

  constructor(
    private readonly only: boolean,
    private readonly development: boolean,
    documents: Record<string, string> = manifest,
  ) {
    this.byHash = new Map(Object.entries(documents));
  }

  /** The request's operation text, or PERSISTED_QUERY_NOT_FOUND for an id no app document has. */
  resolve(request: DocumentRequest): Resolved | GraphQLError {
    const given = request.documentId ?? request.extensions?.persistedQuery?.sha256Hash;
    if (given === undefined || given === null) {
      const { query } = request;
      // Hashing the text is only needed when it decides something.
      return { query, trusted: this.only && typeof query === 'string' && this.byHash.has(`sha256:${sha256(query)}`), byId: false };
    }
    const id = typeof given === 'string' && !given.startsWith('sha256:') ? `sha256:${given}` : given;
    const query = typeof id === 'string' && ID.test(id) ? this.byHash.get(id) : undefined;
    if (query === undefined) {
      return new GraphQLError('PersistedQueryNotFound: no document of the CareConnect apps has this id', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    }
    return { query, trusted: true, byId: true };
  }

  /** Null when the operation may run, else why not (QUERY_NOT_IN_SAFELIST, HTTP 403). The context is built only if the role decides. */
  async refusal(resolved: Resolved, contextOf: () => Context): Promise<GraphQLError | null> {
    if (!this.only || resolved.trusted || this.development) return null;
    const ctx = contextOf();
    let role;
    try {
      role = ctx.tokenUserId ? (await ctx.viewer())?.role : null;
    } catch {
      // Who is asking cannot be read (PostgreSQL unreachable): the app retries; a socket stays open.
      return new GraphQLError('Cannot check this operation now, please retry', { extensions: { code: 'UNAVAILABLE', http: { status: 503 } } });
    }
    if (isStaff(role)) return null;
    return new GraphQLError('This server runs only the operations of the CareConnect apps: send one of the SDK documents (by id or exact text)', {
      extensions: { code: 'QUERY_NOT_IN_SAFELIST', http: { status: 403 } },
    });
  }
}

/** A refusal as an HTTP answer: the status its extensions ask for (200 otherwise), without them. */
function answer(res: Response, error: GraphQLError): void {
  const { http, ...extensions } = error.extensions as { http?: { status?: number } };
  res.status(http?.status ?? 200).json({ errors: [{ message: error.message, extensions }] });
}

/** A GET request's operation, from its query string (Apollo runs queries sent by GET too). */
function fromUrl(req: Request): DocumentRequest {
  const { query, documentId, extensions } = req.query as Record<string, unknown>;
  let parsed: DocumentRequest['extensions'] = null;
  try {
    parsed = typeof extensions === 'string' ? (JSON.parse(extensions) as DocumentRequest['extensions']) : null;
  } catch {
    // Apollo answers a malformed extensions parameter itself.
  }
  return { query, documentId, extensions: parsed };
}

/**
 * Before Apollo: an operation sent by id gets its text, and one that may not run is refused.
 * Documents are sent by id with POST; a GET may carry only the text.
 */
export function trustedDocumentsMiddleware(trusted: TrustedDocuments, contextOf: (req: Request, res: Response) => Context): RequestHandler {
  return (req, res, next) => {
    const body = req.method === 'GET' ? fromUrl(req) : (req.body as DocumentRequest | undefined);
    // Anything else (another method, a batch, no JSON) is Apollo's to refuse.
    if ((req.method !== 'POST' && req.method !== 'GET') || typeof body !== 'object' || body === null || Array.isArray(body)) return next();
    const resolved = trusted.resolve(body);
    if (resolved instanceof GraphQLError) return answer(res, resolved);
    if (resolved.byId && req.method === 'GET') {
      return answer(res, new GraphQLError('Send persisted documents with POST', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } }));
    }
    if (resolved.byId) {
      body.query = resolved.query;
      delete body.documentId;
      delete body.extensions?.persistedQuery;
    }
    trusted.refusal(resolved, () => contextOf(req, res)).then(
      (refused) => (refused ? answer(res, refused) : next()),
      // A bad token: Apollo refuses the request as it refuses any with one.
      () => next(),
    );
  };
}
