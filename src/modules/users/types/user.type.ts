import { Field, ObjectType } from 'type-graphql';
import { connectionOf } from '../../../platform/graphql/connection.type';
import { ID } from '../../../platform/graphql/id.scalar';
import { Role } from '../../../platform/auth';

@ObjectType({ description: 'A person with an account: someone who may raise an SOS, a volunteer, a professional or an admin.' })
export class User {
  @Field(() => ID)
  id!: string;

  @Field()
  displayName!: string;

  @Field(() => Role)
  role!: Role;

  @Field()
  phoneVerified!: boolean;

  @Field()
  createdAt!: Date;

  /** Not a schema field: `email` is resolved with a privacy check in users.resolver.ts. */
  email!: string;
}

export const UserConnection = connectionOf(User);
