import { GraphQLID, GraphQLScalarType, type ValueNode } from 'graphql';

const lower = (id: unknown): string => String(id).toLowerCase();

/**
 * The ID scalar, exactly graphql-js's (`ID` in the schema), except that what comes in is
 * lowercased: ids are UUIDs, which compare case-insensitively, so an id a client upper-cased
 * (iOS formats UUIDs that way) names the same thing everywhere, in every argument, on every
 * transport. Use it instead of type-graphql's `ID`.
 */
export const ID = new GraphQLScalarType({
  ...GraphQLID.toConfig(),
  parseValue: (value: unknown) => lower(GraphQLID.parseValue(value)),
  parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) => lower(GraphQLID.parseLiteral(ast, variables)),
});
