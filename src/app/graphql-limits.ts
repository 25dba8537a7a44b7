import { GraphQLError, Kind, getOperationAST, specifiedRules, validate, visit, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { operationShapeRule, type ShapeLimits } from '../platform/graphql/operation-shape.rule';
import { literalWithControlCharacters, variableWithControlCharacters } from '../platform/validation';

const PAGE_ARGUMENTS = new Set(['first', 'limit']);

/** A list field costs its children times the page it asks for (`first` or `limit`). */
const pagedListEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const size = [args.first, args.limit].find((v): v is number => typeof v === 'number' && v > 0);
  return size === undefined ? undefined : 1 + childComplexity * size;
};

/**
 * Whether the cost can change with the variables: a page size from a variable, or a variable
 * in a directive (`@include(if: $big)` decides whether a costly field counts at all).
 */
function costDependsOnVariables(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.arguments?.some((argument) => argument.value.kind === Kind.VARIABLE)) found = true;
    },
    Argument(node) {
      if (PAGE_ARGUMENTS.has(node.name.value) && node.value.kind === Kind.VARIABLE) found = true;
    },
  });
  return found;
}

/** A client error raised before execution: the answer is 400, never 500. */
function requestError(message: string, code: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions, http: { status: 400 } } });
}

/**
 * What every operation must pass before it runs: shape limits (depth, size, aliases, repeated
 * mutations), cost, and inputs free of control characters. Applied the same way to HTTP
 * (Apollo) and WebSocket (graphql-ws) so neither transport is a way around them, and so the
 * same document gets the same error code on both.
 */
export class OperationLimits {
  readonly validationRules: ValidationRule[];
  /**
   * Costs of documents whose cost does not depend on variables. Apollo and graphql-ws reuse the
   * parsed document of a repeated query, so the hot mutations are analysed once, not per request.
   */
  private readonly fixedCosts = new WeakMap<DocumentNode, Map<string, number>>();
  /** Literal arguments with control characters, per document: read once, not on every request. */
  private readonly literalControl = new WeakMap<DocumentNode, string | null>();

  constructor(
    private readonly schema: GraphQLSchema,
    shape: ShapeLimits,
    private readonly maxCost: number,
    /** No "Did you mean ...?" in errors: with introspection off, they would disclose the schema. */
    readonly hideSuggestions: boolean,
  ) {
    this.validationRules = [operationShapeRule(shape)];
  }

  /** Standard validation plus the shape limits (for graphql-ws; Apollo adds the rules itself). */
  validate(document: DocumentNode): readonly GraphQLError[] {
    return validate(this.schema, document, [...specifiedRules, ...this.validationRules], { hideSuggestions: this.hideSuggestions });
  }

  /** The estimated cost, or undefined when the variables do not coerce (execution then refuses them, naming the field). */
  costOf(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): number | undefined {
    let byOperation = this.fixedCosts.get(document);
    if (byOperation === undefined && !costDependsOnVariables(document)) this.fixedCosts.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    if (byOperation?.has(key)) return byOperation.get(key);
    const cost = this.estimate(document, operationName, variables);
    if (cost !== undefined) byOperation?.set(key, cost);
    return cost;
  }

  private estimate(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): number | undefined {
    try {
      return getComplexity({
        schema: this.schema,
        query: document,
        operationName: operationName ?? undefined,
        variables,
        estimators: [pagedListEstimator, simpleEstimator({ defaultComplexity: 1 })],
      });
    } catch {
      return undefined;
    }
  }

  /** The first reason not to run the operation with these variables (bad input, too costly), else undefined. */
  checkRequest(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): GraphQLError | undefined {
    let literal = this.literalControl.get(document);
    if (literal === undefined) this.literalControl.set(document, (literal = literalWithControlCharacters(document)));
    const field = literal ?? variableWithControlCharacters(variables);
    if (field) return requestError(`${field}: must not contain control characters (such as U+0000)`, 'BAD_USER_INPUT', { field });
    return this.checkCost(document, operationName, variables ?? undefined);
  }

  /**
   * Coerces the variables as execution will, and answers as Apollo does over HTTP when they do
   * not fit (BAD_USER_INPUT): graphql-js alone would report them without a code.
   */
  checkVariables(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): readonly GraphQLError[] {
    const operation = getOperationAST(document, operationName);
    if (!operation) return [requestError('The document has no operation of that name (or several, and none was named)', 'OPERATION_RESOLUTION_FAILURE')];
    const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], variables ?? {}, { hideSuggestions: this.hideSuggestions });
    return coerced.errors ? coerced.errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT' } })) : [];
  }

  /** An error when the operation costs more than allowed, else undefined. */
  checkCost(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): GraphQLError | undefined {
    const cost = this.costOf(document, operationName, variables);
    if (cost === undefined || cost <= this.maxCost) return undefined;
    return requestError(`Operation costs ${cost}; the limit is ${this.maxCost}`, 'GRAPHQL_VALIDATION_FAILED', { cost, maxCost: this.maxCost });
  }
}
