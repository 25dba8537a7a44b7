import { assertUnscoped, isStaff, signedIn, type Context } from '../../platform/auth';
import { inTransaction, isUniqueViolation, type Sql } from '../../platform/db';
import type { EventBus } from '../../platform/events';
import type { UsersService } from '../users';
import type { CitiesEvents } from './cities.events';
import { AppError, badInput, notFound } from '../../platform/errors';
import { EMERGENCY_NUMBER_RULE, assertId, isEmergencyNumber, isTimeZone } from '../../platform/validation';
import { checkBoundary } from './city-boundary';
import type { CitiesRepository, CityRow, CityRules, CityWrite } from './cities.repository';

/** The matching rules an SOS follows: its city's overrides over the deployment's. */
export interface MatchingRules {
  radiiMeters: readonly number[];
  alertsPerStep: number;
  stepTimeoutSeconds: number;
  emergencyNumber: string;
}

export interface CityInput {
  name?: string | null;
  timeZone?: string | null;
  boundary?: unknown;
  active?: boolean | null;
  /** Given: replaces every override (a null field follows the deployment). */
  rules?: Partial<CityRules> | null;
}

/** A change to a city's rules reaches matching on every instance within this long. */
const RULES_CACHE_MS = 10_000;

/** Cities: areas with a boundary, a time zone and their own rules, run by admins. */
export class CitiesService {
  private readonly cached = new Map<string, { city: CityRow | null; at: number }>();

  constructor(
    private readonly repository: CitiesRepository,
    private readonly users: UsersService,
    private readonly sql: Sql,
    private readonly events: EventBus<CitiesEvents>,
    private readonly defaults: MatchingRules,
  ) {}

  /**
   * A global ADMIN scopes a professional or admin to a city (or, `assigned` false, takes it from
   * them): with any city, they act on their cities' SOS only; their last city is taken only with
   * `makeGlobal`. Audited. Their cities after it.
   */
  async scopeStaff(ctx: Context, userId: string, cityId: string, assigned: boolean, makeGlobal = false): Promise<CityRow[]> {
    const adminId = signedIn(ctx);
    assertUnscoped(await ctx.viewer());
    // Scoping oneself would lock oneself out of scoping (and out of every other city).
    if (userId === adminId) throw badInput('userId', 'an admin does not scope themself; ask another admin of every city');
    const user = await this.users.userById(ctx, userId);
    if (!user) throw notFound('User');
    if (!isStaff(user.role)) throw badInput('userId', 'must be a PROFESSIONAL or an ADMIN (only staff are scoped to cities)');
    const [city] = await this.repository.byIds([assertId('cityId', cityId)]);
    if (!city) throw notFound('City');
    await this.events.transaction(this.sql, async (tx, { emit }) => {
      if (!assigned) await this.repository.lockStaff(tx, user.id);
      const changed = assigned ? await this.repository.assignStaff(tx, user.id, city.id) : await this.repository.removeStaff(tx, user.id, city.id);
      // Staff without a city oversee every city: that must be meant, never the side effect of tidying up.
      if (changed && !assigned && !makeGlobal && (await this.repository.cityCountOfStaff(tx, user.id)) === 0) {
        throw new AppError('CONFLICT', 'this is their last city: without one they would oversee every city. Assign another city first, or pass makeGlobal: true', {
          field: 'cityId',
        });
      }
      if (changed) await emit('city.staffChanged', { userId: user.id, cityId: city.id, adminId, assigned });
    });
    return this.repository.citiesOfStaff(user.id);
  }

  list(): Promise<CityRow[]> {
    return this.repository.all();
  }

  /** Cities are drawn by admins of every city: a scoped admin could otherwise redraw theirs over others. */
  async create(ctx: Context, input: CityInput): Promise<CityRow> {
    assertUnscoped(await ctx.viewer());
    const city = await this.checked(null, input);
    return this.unique(() => this.repository.insert(city));
  }

  async update(ctx: Context, cityId: string, input: CityInput): Promise<CityRow> {
    assertUnscoped(await ctx.viewer());
    const [current] = await this.repository.byIds([assertId('id', cityId)]);
    if (!current) throw notFound('City');
    return this.rewrite(current, input);
  }

  /**
   * For operator scripts (the demo seed): the city of this name, drawn and ruled as given, made
   * if absent. Like `npm run user:create`, the operator's shell and not an API action: not audited.
   */
  async ensure(input: CityInput & { name: string }): Promise<CityRow> {
    const current = await this.repository.byName(input.name.trim());
    return current ? this.rewrite(current, input) : this.unique(() => this.checked(null, input).then((city) => this.repository.insert(city)));
  }

  /** For operator scripts: scopes staff to a city, unaudited as `ensure` is. */
  async ensureStaffCity(userId: string, cityId: string): Promise<void> {
    await inTransaction(this.sql, (tx) => this.repository.assignStaff(tx, userId, cityId));
  }

  private async rewrite(current: CityRow, input: CityInput): Promise<CityRow> {
    const { radiiMeters, alertsPerStep, stepTimeoutSeconds, emergencyNumber } = current;
    const city = await this.checked({ ...current, rules: { radiiMeters, alertsPerStep, stepTimeoutSeconds, emergencyNumber } }, input);
    const updated = await this.unique(() => this.repository.update(current.id, city));
    this.cached.delete(current.id);
    return updated!;
  }

  /** A city as this instance read it at most RULES_CACHE_MS ago: SOS name their city on every read. */
  async cityOf(cityId: string): Promise<CityRow | null> {
    let entry = this.cached.get(cityId);
    if (!entry || Date.now() - entry.at > RULES_CACHE_MS) {
      entry = { city: (await this.repository.byIds([cityId]))[0] ?? null, at: Date.now() };
      this.cached.set(cityId, entry);
    }
    return entry.city;
  }

  /** The rules of an SOS raised in this city (null: outside every city). */
  async rulesFor(cityId: string | null): Promise<MatchingRules> {
    if (!cityId) return this.defaults;
    const city = await this.cityOf(cityId);
    return {
      radiiMeters: city?.radiiMeters ?? this.defaults.radiiMeters,
      alertsPerStep: city?.alertsPerStep ?? this.defaults.alertsPerStep,
      stepTimeoutSeconds: city?.stepTimeoutSeconds ?? this.defaults.stepTimeoutSeconds,
      emergencyNumber: city?.emergencyNumber ?? this.defaults.emergencyNumber,
    };
  }

  /** The city as it will be written: `current` (null for a new one) with what `input` changes, every field checked. */
  private async checked(current: CityWrite | null, input: CityInput): Promise<CityWrite> {
    const name = (input.name ?? current?.name ?? '').trim();
    if (name.length < 1 || name.length > 100) throw badInput('name', 'must be 1 to 100 characters');
    const timeZone = input.timeZone ?? current?.timeZone;
    if (!timeZone || !isTimeZone(timeZone)) throw badInput('timeZone', 'must be an IANA time zone (e.g. Europe/Berlin)');
    let boundary = current?.boundary;
    if (input.boundary != null) {
      boundary = checkBoundary(input.boundary);
      const reason = await this.repository.invalidity(boundary);
      if (reason) throw badInput('boundary', `is not a valid geometry: ${reason}`);
    }
    if (!boundary) throw badInput('boundary', 'is required: a GeoJSON Polygon or MultiPolygon');
    return { name, timeZone, boundary, active: input.active ?? current?.active ?? true, rules: input.rules ? checkRules(input.rules) : (current?.rules ?? NO_OVERRIDES) };
  }

  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'A city of that name exists already', { field: 'name' });
      throw err;
    }
  }
}

const NO_OVERRIDES: CityRules = { radiiMeters: null, alertsPerStep: null, stepTimeoutSeconds: null, emergencyNumber: null };

function checkRules(rules: Partial<CityRules>): CityRules {
  const { radiiMeters = null, alertsPerStep = null, stepTimeoutSeconds = null, emergencyNumber = null } = rules;
  if (radiiMeters && (radiiMeters.length < 1 || radiiMeters.length > 10 || radiiMeters.some((r, i) => !Number.isInteger(r) || r < 50 || r > 50_000 || (i > 0 && r <= radiiMeters[i - 1])))) {
    throw badInput('rules.radiiMeters', 'must be 1 to 10 whole numbers of metres from 50 to 50000, each larger than the one before');
  }
  if (alertsPerStep !== null && (!Number.isInteger(alertsPerStep) || alertsPerStep < 1 || alertsPerStep > 100)) throw badInput('rules.alertsPerStep', 'must be from 1 to 100');
  if (stepTimeoutSeconds !== null && (!Number.isInteger(stepTimeoutSeconds) || stepTimeoutSeconds < 5 || stepTimeoutSeconds > 3600)) {
    throw badInput('rules.stepTimeoutSeconds', 'must be from 5 to 3600');
  }
  const number = emergencyNumber?.trim() || null;
  if (number !== null && !isEmergencyNumber(number)) throw badInput('rules.emergencyNumber', EMERGENCY_NUMBER_RULE);
  return { radiiMeters, alertsPerStep, stepTimeoutSeconds, emergencyNumber: number };
}
