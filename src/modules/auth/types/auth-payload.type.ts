import { Field, ObjectType } from 'type-graphql';
import { User } from '../../users';
import type { UserRow } from '../../users';

@ObjectType({ description: 'A signed-in session: a short-lived access token and the refresh token that renews it.' })
export class AuthPayload {
  @Field({ description: 'Send as `Authorization: Bearer <token>` (HTTP) or `connectionParams.authorization` (WebSocket).' })
  accessToken!: string;

  @Field()
  accessTokenExpiresAt!: Date;

  @Field({ description: 'Single use: every refreshSession returns a new one. Reusing an old one signs the session out everywhere.' })
  refreshToken!: string;

  @Field(() => User)
  user!: UserRow;
}
