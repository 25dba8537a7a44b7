import { GraphQLError, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { depthLimitRule } from '../platform/graphql/depth-limit.rule';

/** A list field costs its children times the page it asks for (`first` or `limit`). */
const pagedListEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const size = [args.first, args.limit].find((v): v is number => typeof v === 'number' && v > 0);
  return size === undefined ? undefined : 1 + childComplexity * size;
};

/**
 * Depth and cost limits, applied the same way to HTTP (Apollo) and WebSocket (graphql-ws)
 * operations so neither transport is a way around them.
 */
export class OperationLimits {
  readonly validationRules: ValidationRule[];

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
