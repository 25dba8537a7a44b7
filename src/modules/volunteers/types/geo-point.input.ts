import { Field, Float, InputType } from 'type-graphql';
import { IsOptional, Max, Min } from 'class-validator';
import { BOUNDS, belowMessage } from './location-bounds';

const { latitude, longitude, accuracyMeters } = BOUNDS;

@InputType({ description: 'A WGS84 position in degrees, with the device\'s accuracy estimate if it has one.' })
export class GeoPointInput {
  @Field(() => Float)
  @Min(latitude.min, { message: belowMessage('latitude') })
  @Max(latitude.max, { message: latitude.message })
  latitude!: number;

  @Field(() => Float)
  @Min(longitude.min, { message: belowMessage('longitude') })
  @Max(longitude.max, { message: longitude.message })
  longitude!: number;

  @Field(() => Float, { nullable: true, description: 'Radius of 68 % confidence, in metres.' })
  @IsOptional()
  @Min(accuracyMeters.min, { message: belowMessage('accuracyMeters') })
  @Max(accuracyMeters.max, { message: accuracyMeters.message })
  accuracyMeters?: number | null;
}
