import { GraphQLError, Kind, specifiedRules, validate, visit, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { depthLimitRule } from '../platform/graphql/depth-limit.rule';

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

/**
 * Depth and cost limits, applied the same way to HTTP (Apollo) and WebSocket (graphql-ws)
 * operations so neither transport is a way around them.
 */
export class OperationLimits {
  readonly validationRules: ValidationRule[];
  /**
   * Costs of documents whose cost does not depend on variables. Apollo and graphql-ws reuse the
   * parsed document of a repeated query, so the hot mutations are analysed once, not per request.
   */
  private readonly fixedCosts = new WeakMap<DocumentNode, Map<string, number>>();

  constructor(
    private readonly schema: GraphQLSchema,
    maxDepth: number,
    private readonly maxCost: number,
  ) {
    this.validationRules = [depthLimitRule(maxDepth)];
  }

  /** Standard validation plus the depth limit (for graphql-ws; Apollo adds the rule itself). */
  validate(document: DocumentNode): readonly GraphQLError[] {
    return validate(this.schema, document, [...specifiedRules, ...this.validationRules]);
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

  /** An error when the operation costs more than allowed, else undefined. */
  checkCost(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): GraphQLError | undefined {
    const cost = this.costOf(document, operationName, variables);
    if (cost === undefined || cost <= this.maxCost) return undefined;
    return new GraphQLError(`Operation costs ${cost}; the limit is ${this.maxCost}`, {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, maxCost: this.maxCost, http: { status: 400 } },
    });
  }
}
