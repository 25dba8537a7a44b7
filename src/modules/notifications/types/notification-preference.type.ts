import { ArrayMaxSize, ValidateNested } from 'class-validator';
import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { NotificationCategory, NotificationChannel } from '../../../platform/db';

export { NotificationCategory, NotificationChannel };

registerEnumType(NotificationCategory, {
  name: 'NotificationCategory',
  description:
    'SOS_ALERT: an SOS offered to you. ESCALATION: an SOS nobody accepted (staff). SOS_ACCEPTED / SOS_ARRIVED: about your own SOS.\n' +
    'ALERT_CLEARED (a silent push) and PHONE_CODE (verification SMS) are always sent.',
});
registerEnumType(NotificationChannel, { name: 'NotificationChannel' });

/** The same fields in and out: one class is both the output type and the input type. */
@ObjectType('NotificationPreference', { description: 'Whether you receive one kind of notification on one channel.' })
@InputType('NotificationPreferenceInput')
export class NotificationPreference {
  @Field(() => NotificationCategory)
  category!: NotificationCategory;

  @Field(() => NotificationChannel)
  channel!: NotificationChannel;

  @Field()
  enabled!: boolean;
}

@InputType()
export class NotificationPreferencesInput {
  @Field(() => [NotificationPreference], { description: 'The preferences to change (the others stay as they are); at most 20.' })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  preferences!: NotificationPreference[];
}
