import { GraphQLError, parse, type DocumentNode } from 'graphql';
import type { OperationLimits } from './graphql-limits';

const MAX_DOCUMENTS = 1000;

/**
 * Parsed and validated documents by query text, for graphql-ws (Apollo keeps its own for HTTP).
 * Apps send the same few operations all day; parsing and validating each message again was
 * most of the cost of a small mutation over a WebSocket.
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode>();

  constructor(private readonly limits: OperationLimits) {}

  /** The document, or the errors that make it unusable (with the codes Apollo gives them over HTTP). */
  prepare(query: string): DocumentNode | readonly GraphQLError[] {
    const cached = this.documents.get(query);
    if (cached) return cached;
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (err) {
      return [withCode(err instanceof GraphQLError ? err : new GraphQLError('Could not parse the operation'), 'GRAPHQL_PARSE_FAILED')];
    }
    const invalid = this.limits.validate(document);
    if (invalid.length > 0) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
    if (this.documents.size >= MAX_DOCUMENTS) this.documents.delete(this.documents.keys().next().value!);
    this.documents.set(query, document);
    return document;
  }
}

/** graphql-js errors carry no code; give them the one Apollo gives them over HTTP. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions.code) return error;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}
