import { Matches } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { TrimmedLength } from '../../../platform/validation';
import { DevicePlatform } from './device.type';

@InputType()
export class RegisterDeviceInput {
  @Field(() => DevicePlatform)
  platform!: DevicePlatform;

  @Field({ description: 'The token the platform gave the app: APNs device token (hex) for IOS, FCM registration token for ANDROID and WEB. At most 4096 characters.' })
  @TrimmedLength(1, 4096)
  @Matches(/^[A-Za-z0-9_:.-]+$/, { message: 'must be a push token as the platform issues it (letters, digits, _ : . -)' })
  pushToken!: string;

  @Field({ description: 'At most 32 characters, e.g. "2.4.1".' })
  @TrimmedLength(1, 32)
  appVersion!: string;

  @Field({ description: 'BCP 47 language tag, e.g. "de-DE" or "en".' })
  @Matches(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: 'must be a BCP 47 language tag such as "de-DE" or "en"' })
  locale!: string;
}
