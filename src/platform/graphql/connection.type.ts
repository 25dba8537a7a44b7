import { Field, ObjectType, type ClassType } from 'type-graphql';
import { PageInfo } from './page-info.type';

/**
 * The cursor connection of a node type, `<Node>Edge { cursor node }` and
 * `<Node>Connection { edges pageInfo }`, made here once rather than written out for every node.
 */
export function connectionOf<T extends object>(node: ClassType<T>) {
  @ObjectType(`${node.name}Edge`)
  class Edge {
    @Field()
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${node.name}Connection`)
  class Connection {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return Connection;
}
