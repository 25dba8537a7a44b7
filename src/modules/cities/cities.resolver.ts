import { Arg, Authorized, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../../platform/auth';
import { ID } from '../../platform/graphql/id.scalar';
import type { CityRow, CityRules } from './cities.repository';
import type { CitiesService } from './cities.service';
import { City, CityRulesType } from './types/city.type';
import { CityInput } from './types/city.input';

@Resolver(() => City)
export class CitiesResolver {
  constructor(private readonly service: CitiesService) {}

  @Authorized(Role.PROFESSIONAL, Role.ADMIN)
  @Query(() => [City], { description: 'Staff only: every city, by name.' })
  cities(): Promise<CityRow[]> {
    return this.service.list();
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => City, { description: 'ADMIN only: a new city (a name in use: CONFLICT).' })
  createCity(@Arg('input', () => CityInput) input: CityInput): Promise<CityRow> {
    return this.service.create(input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => City, { description: 'ADMIN only: changes a city; its SOS follow the new rules within 10 s on every instance.' })
  updateCity(@Arg('id', () => ID) id: string, @Arg('input', () => CityInput) input: CityInput): Promise<CityRow> {
    return this.service.update(id, input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => City, { description: 'ADMIN only: SOS raised in it from now on belong to no city (the deployment\'s rules). updateCity(active: true) undoes it.' })
  deactivateCity(@Arg('id', () => ID) id: string): Promise<CityRow> {
    return this.service.update(id, { active: false });
  }

  @FieldResolver(() => CityRulesType)
  rules(@Root() city: CityRow): CityRules {
    const { radiiMeters, alertsPerStep, stepTimeoutSeconds, emergencyNumber } = city;
    return { radiiMeters, alertsPerStep, stepTimeoutSeconds, emergencyNumber };
  }
}
