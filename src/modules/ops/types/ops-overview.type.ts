import { Field, Int, ObjectType } from 'type-graphql';
import { SosStatus } from '../../../platform/db';
import { ID } from '../../../platform/graphql/id.scalar';

@ObjectType({ description: 'SOS open in one state.' })
export class SosStatusCount {
  @Field(() => SosStatus)
  status!: SosStatus;

  @Field(() => Int)
  count!: number;
}

/** What an area and a city count alike. */
@ObjectType()
abstract class PlaceCounts {
  @Field(() => Int, { description: 'SOS open in it.' })
  openSos!: number;

  @Field(() => Int, { description: 'Of those, escalated and waiting for staff.' })
  escalated!: number;

  @Field(() => Int, { description: 'Alerts offered to volunteers for its SOS and not yet answered.' })
  alertsPending!: number;

  @Field(() => Int, { description: 'Volunteers available now whose last stored location is in it.' })
  volunteersAvailable!: number;
}

@ObjectType({ description: 'Counts of one area: an H3 hexagon (draw it with h3-js cellToBoundary). Never who, never exactly where.' })
export class OpsArea extends PlaceCounts {
  @Field({ description: 'The H3 cell, hex.' })
  cell!: string;
}

@ObjectType({ description: "A city's counts (its SOS, and the volunteers whose last stored location is inside it)." })
export class OpsCity extends PlaceCounts {
  @Field(() => ID)
  cityId!: string;
}

@ObjectType({ description: 'The live picture of the service, for staff.' })
export class OpsOverview {
  @Field({ description: 'When it was read.' })
  at!: Date;

  @Field(() => Int, { description: 'The H3 resolution of the areas (AREA_H3_RESOLUTION).' })
  resolution!: number;

  @Field(() => Int)
  openSos!: number;

  @Field(() => [SosStatusCount])
  openByStatus!: SosStatusCount[];

  @Field(() => Int, { description: 'Escalated SOS waiting for staff.' })
  escalationsWaiting!: number;

  @Field(() => Int, { description: 'Alerts offered and not yet answered or expired.' })
  alertsPending!: number;

  @Field(() => Int, { description: 'Volunteers available with a location fresher than VOLUNTEER_STALE_SECONDS.' })
  volunteersAvailable!: number;

  @Field(() => [OpsArea], { description: 'Areas with anything in them, by cell.' })
  areas!: OpsArea[];

  @Field(() => [OpsCity], { description: 'The same by city (cities with anything in them); SOS outside every city count in the totals only.' })
  cities!: OpsCity[];
}
