import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role, type Context } from '../../platform/auth';
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
  createCity(@Arg('input', () => CityInput) input: CityInput, @Ctx() ctx: Context): Promise<CityRow> {
    return this.service.create(ctx, input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => City, { description: 'ADMIN only: changes a city; its SOS follow the new rules within 10 s on every instance.' })
  updateCity(@Arg('id', () => ID) id: string, @Arg('input', () => CityInput) input: CityInput, @Ctx() ctx: Context): Promise<CityRow> {
    return this.service.update(ctx, id, input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => City, { description: 'ADMIN only: SOS raised in it from now on belong to no city (the deployment\'s rules). updateCity(active: true) undoes it.' })
  deactivateCity(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<CityRow> {
    return this.service.update(ctx, id, { active: false });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => [City], { description: 'ADMIN of every city only: scopes a PROFESSIONAL or ADMIN to a city (audited); staff with any city act on their cities\' SOS only. Their cities after it.' })
  assignStaffToCity(@Arg('userId', () => ID) userId: string, @Arg('cityId', () => ID) cityId: string, @Ctx() ctx: Context): Promise<CityRow[]> {
    return this.service.scopeStaff(ctx, userId, cityId, true);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => [City], {
    description:
      'ADMIN of every city only: takes a city from a staff member (audited). Their last city only with makeGlobal: true (CONFLICT otherwise), since staff without a city oversee every city. Their cities after it.',
  })
  removeStaffFromCity(
    @Arg('userId', () => ID) userId: string,
    @Arg('cityId', () => ID) cityId: string,
    @Arg('makeGlobal', () => Boolean, { defaultValue: false, description: 'Confirms that taking their last city makes them staff of every city.' }) makeGlobal: boolean,
    @Ctx() ctx: Context,
  ): Promise<CityRow[]> {
    return this.service.scopeStaff(ctx, userId, cityId, false, makeGlobal);
  }

  @FieldResolver(() => CityRulesType)
  rules(@Root() city: CityRow): CityRules {
    const { radiiMeters, alertsPerStep, stepTimeoutSeconds, emergencyNumber } = city;
    return { radiiMeters, alertsPerStep, stepTimeoutSeconds, emergencyNumber };
  }
}
