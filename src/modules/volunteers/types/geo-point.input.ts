import { Field, Float, InputType } from 'type-graphql';
import { IsOptional, Max, Min } from 'class-validator';

@InputType({ description: 'A WGS84 position in degrees, with the device\'s accuracy estimate if it has one.' })
export class GeoPointInput {
  @Field(() => Float)
  @Min(-90, { message: 'must be between -90 and 90' })
  @Max(90, { message: 'must be between -90 and 90' })
  latitude!: number;

  @Field(() => Float)
  @Min(-180, { message: 'must be between -180 and 180' })
  @Max(180, { message: 'must be between -180 and 180' })
  longitude!: number;

  @Field(() => Float, { nullable: true, description: 'Radius of 68 % confidence, in metres.' })
  @IsOptional()
  @Min(0, { message: 'must not be negative' })
  @Max(100_000, { message: 'must be at most 100000 metres' })
  accuracyMeters?: number | null;
}
