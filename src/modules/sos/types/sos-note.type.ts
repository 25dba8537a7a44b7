import { Field, ObjectType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';

@ObjectType({ description: 'A note staff wrote on an SOS (addSosNote). Staff only.' })
export class SosNote {
  @Field(() => ID)
  id!: string;

  @Field()
  at!: Date;

  @Field()
  text!: string;

  @Field(() => ID, { nullable: true, description: "Who wrote it; null once their account is deleted." })
  authorId!: string | null;
}
