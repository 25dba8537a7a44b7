import { printSchema, lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, type ContainerType, type PubSub as PubSubEngine } from 'type-graphql';
import { authChecker } from '../platform/auth';
import { DateTimeScalar } from '../platform/graphql/date-time.scalar';
import { resolverClasses } from './modules';

/**
 * type-graphql insists on a pub/sub engine once there are subscriptions, though ours supply
 * their own events (replay from PostgreSQL, then Redis: see SosFeeds). Topic-based
 * subscriptions are not used, and this makes sure nobody starts using them by accident.
 */
const NO_TOPIC_SUBSCRIPTIONS: PubSubEngine = {
  publish: () => {
    throw new Error('topic subscriptions are not used here; publish through platform/pubsub');
  },
  subscribe: () => {
    throw new Error('topic subscriptions are not used here; give @Subscription a subscribe function');
  },
};

/**
 * Builds the executable schema. Resolver instances come from `container` (created per server in
 * create-app.ts); without one, the schema can only be printed (scripts/emit-schema.ts).
 */
export function buildAppSchema(container?: ContainerType): GraphQLSchema {
  return buildSchemaSync({
    resolvers: [...resolverClasses],
    container,
    pubSub: NO_TOPIC_SUBSCRIPTIONS,
    authChecker,
    authMode: 'error',
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: { forbidUnknownValues: false },
  });
}

/** schema.graphql as committed: sorted, so the file only changes when the API does. */
export function printAppSchema(schema: GraphQLSchema = buildAppSchema()): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

/** A container over ready-made resolver instances, looked up by class. */
export function instanceContainer(instances: readonly object[]): ContainerType {
  const byClass = new Map<unknown, object>(instances.map((instance) => [instance.constructor, instance]));
  return {
    get(someClass: unknown) {
      const instance = byClass.get(someClass);
      if (!instance) throw new Error(`No resolver instance registered for ${String((someClass as { name?: string }).name)}`);
      return instance;
    },
  };
}
