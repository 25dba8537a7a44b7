import type { IncomingMessage } from 'node:http';
import { GraphQLError, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Context } from '../platform/auth';
import type { Metrics } from '../platform/metrics';
import type { ContextFactory } from './context';
import type { DocumentCache } from './document-cache';
import type { OperationLimits } from './graphql-limits';
import type { DocumentRequest, TrustedDocuments } from './trusted-documents';

/** What both streaming transports (WebSocket, Server-Sent Events) are built on. */
export interface StreamDeps {
  schema: GraphQLSchema;
  contexts: ContextFactory;
  limits: OperationLimits;
  trustedDocuments: TrustedDocuments;
  /** Documents parsed and validated once, for both transports. */
  documents: DocumentCache;
  metrics: Metrics;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  clientIpOf: (request: IncomingMessage) => string;
  /** Presence: called when a person's stream opens, and when it closes. */
  onUserConnected(userId: string): void;
  onUserDisconnected(userId: string): void;
}

export type StreamedRequest = DocumentRequest & { operationName?: string | null; variables?: Record<string, unknown> | null };

/**
 * An operation asked for over a stream (WebSocket or Server-Sent Events), checked as an HTTP
 * request is: the document by its id or text (trusted documents), parsed once and cached, within
 * the depth, complexity and alias limits, its variables valid. The execution arguments, or why not.
 */
export async function streamedOperation(deps: Pick<StreamDeps, 'schema' | 'limits' | 'trustedDocuments' | 'documents'>, payload: StreamedRequest, contextValue: Context): Promise<ExecutionArgs | readonly GraphQLError[]> {
  const resolved = deps.trustedDocuments.resolve(payload);
  if (resolved instanceof GraphQLError) return [resolved];
  const untrusted = await deps.trustedDocuments.refusal(resolved, () => contextValue);
  if (untrusted) return [untrusted];
  const document = deps.documents.prepare(String(resolved.query));
  if (!('kind' in document)) return document;
  const refused = deps.limits.checkRequest(document, payload.operationName, payload.variables);
  if (refused) return [refused];
  const badVariables = deps.limits.checkVariables(document, payload.operationName, payload.variables);
  if (badVariables.length > 0) return badVariables;
  return {
    schema: deps.schema,
    document,
    operationName: payload.operationName,
    variableValues: payload.variables,
    contextValue,
    hideSuggestions: deps.limits.hideSuggestions,
  };
}
