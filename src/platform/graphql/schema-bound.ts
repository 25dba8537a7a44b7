import type { GraphQLResolveInfo, GraphQLSchema } from 'graphql';

/**
 * A value reachable from a resolver through the schema it runs in. type-graphql calls a
 * @Subscription's `subscribe` without the resolver instance, so services a subscription needs
 * are bound to the schema instead: one per server instance (tests run several in one process).
 */
export function schemaBound<T>(what: string) {
  const values = new WeakMap<GraphQLSchema, T>();
  return {
    bind(schema: GraphQLSchema, value: T): void {
      values.set(schema, value);
    },
    of(info: GraphQLResolveInfo): T {
      const value = values.get(info.schema);
      if (!value) throw new Error(`${what} is not bound to this schema`);
      return value;
    },
  };
}
