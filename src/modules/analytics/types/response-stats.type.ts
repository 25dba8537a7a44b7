import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ID } from '../../../platform/graphql/id.scalar';

export enum StatsGroupBy {
  DAY = 'DAY',
  WEEK = 'WEEK',
  AREA = 'AREA',
  CITY = 'CITY',
}

registerEnumType(StatsGroupBy, {
  name: 'StatsGroupBy',
  description: 'DAY or WEEK (from Monday) in the time zone asked; AREA: the H3 cell (hexagon) the SOS was raised in, at the resolution asked; CITY: the city it belongs to (key: its id; null: outside every city).',
});

@ObjectType({ description: 'Seconds from raising an SOS to a moment, over the SOS that got there (exact percentiles, interpolated).' })
export class SecondsPercentiles {
  @Field(() => Float, { nullable: true, description: 'Median; null when no SOS got there.' })
  p50!: number | null;

  @Field(() => Float, { nullable: true, description: '90th percentile.' })
  p90!: number | null;
}

@ObjectType({ description: 'How SOS raised in a period (or one group of it) fared.' })
export class ResponseStatsGroup {
  @Field(() => String, {
    nullable: true,
    description: 'The day or the week\'s Monday (YYYY-MM-DD), the H3 cell (hex, as h3-js draws it), or the city\'s id; null for the total, for SOS raised before cells were kept (AREA) and outside every city (CITY).',
  })
  key!: string | null;

  @Field(() => Int)
  sosCount!: number;

  @Field(() => Float, { description: 'Share (0 to 1) a volunteer accepted.' })
  acceptedShare!: number;

  @Field(() => Float, { description: 'Share that escalated to staff (nobody accepted within the largest radius, or raised from a suspended account).' })
  escalatedShare!: number;

  @Field(() => Float, { description: 'Share cancelled (by the requester or staff).' })
  cancelledShare!: number;

  @Field(() => SecondsPercentiles, { description: 'From raise to the first volunteer alerted.' })
  toFirstAlert!: SecondsPercentiles;

  @Field(() => SecondsPercentiles, { description: 'From raise to a volunteer accepting.' })
  toAcceptance!: SecondsPercentiles;

  @Field(() => SecondsPercentiles, { description: 'From raise to the volunteer arriving.' })
  toArrival!: SecondsPercentiles;

  @Field(() => Int, { description: 'Alerts sent to volunteers.' })
  alertsOffered!: number;

  @Field(() => Float, { nullable: true, description: "Volunteers' acceptance rate: accepts per alert (null without alerts)." })
  alertAcceptanceRate!: number | null;
}

@ObjectType()
export class ResponseStats {
  @Field(() => [ResponseStatsGroup], { description: 'In order of key (days and weeks oldest first).' })
  groups!: ResponseStatsGroup[];

  @Field(() => ResponseStatsGroup, { nullable: true, description: 'The whole period; null when no SOS was raised in it.' })
  total!: ResponseStatsGroup | null;
}

@ObjectType({ description: 'A volunteer and how they helped in a period.' })
export class TopResponder {
  @Field(() => ID)
  volunteerId!: string;

  @Field()
  displayName!: string;

  @Field(() => Int, { description: 'SOS raised in the period that they were assigned to last.' })
  sosHelped!: number;

  @Field(() => Int, { description: 'Of those, resolved.' })
  resolved!: number;

  @Field(() => Float, { nullable: true, description: 'Median seconds from their accept to their arrival.' })
  medianSecondsToArrival!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean rating the requesters gave them (1 to 5).' })
  averageRating!: number | null;
}
