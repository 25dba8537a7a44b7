import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { DevicePlatform } from '../../../platform/db';
import { ID } from '../../../platform/graphql/id.scalar';

export { DevicePlatform };

registerEnumType(DevicePlatform, { name: 'DevicePlatform', description: 'IOS: APNs token. ANDROID and WEB: FCM registration token.' });

@ObjectType({ description: 'A phone or browser of the signed-in person that receives push notifications.' })
export class Device {
  @Field(() => ID)
  id!: string;

  @Field(() => DevicePlatform)
  platform!: DevicePlatform;

  @Field({ description: 'The app version that registered it last.' })
  appVersion!: string;

  @Field({ description: 'BCP 47 language tag of the app (notifications are in German for "de", else in English).' })
  locale!: string;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}
