import { Field, InputType, ObjectType } from 'type-graphql';

/** The same fields in and out: one class is both the output type and the input type. */
@ObjectType('QuietHours', { description: 'When non-emergency notifications (chat messages) are not pushed. Alerts and everything about an SOS always are.' })
@InputType('QuietHoursInput')
export class QuietHoursType {
  @Field({ description: 'Local time of day, HH:MM (24 hours).' })
  start!: string;

  @Field({ description: 'Local time of day, HH:MM; before start, the window spans midnight (22:00 to 07:00).' })
  end!: string;

  @Field({ description: 'IANA time zone, e.g. Europe/Berlin.' })
  timeZone!: string;
}
