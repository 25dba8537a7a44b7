import { randomUUID } from 'node:crypto';
import {
  CitiesDocument,
  CreateCityDocument,
  DeactivateCityDocument,
  MyAlertsDocument,
  RaiseSosDocument,
  ReassignSosDocument,
  SosCityDocument,
  UpdateCityDocument,
  type CityInput,
} from '../../sdk/index';
import { destination, type Point } from '../../src/platform/geo';
import { queryRows } from '../helpers/databases';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';

const env = useTestEnvironment();
let server: TestServer;
let admin: Actor;

beforeAll(async () => {
  server = await env.start({ SOS_RADII_METERS: '1000,2000', SOS_ALERTS_PER_STEP: '5', SOS_STEP_TIMEOUT_SECONDS: '600', EMERGENCY_NUMBER: '112' });
  admin = await signInAs(server, Role.ADMIN);
});

/** A rectangle (GeoJSON Polygon) from its south-west and north-east corners. */
const rectangle = (sw: Point, ne: Point) => ({
  type: 'Polygon',
  coordinates: [
    [
      [sw.longitude, sw.latitude],
      [ne.longitude, sw.latitude],
      [ne.longitude, ne.latitude],
      [sw.longitude, ne.latitude],
      [sw.longitude, sw.latitude],
    ],
  ],
});
/** A square of `side` metres centred on `centre`. */
const square = (centre: Point, side: number) => rectangle(destination(destination(centre, side / 2, 180), side / 2, 270), destination(destination(centre, side / 2, 0), side / 2, 90));
const createCity = (input: CityInput) => admin.client.request(CreateCityDocument, { input }).then((r) => r.createCity);
const raise = async (location: Point) => (await (await signUp(server)).client.request(RaiseSosDocument, { input: { location, category: 'MEDICAL', idempotencyKey: randomUUID() } })).raiseSos.id;
const cityOf = async (sosId: string) => (await admin.client.request(SosCityDocument, { id: sosId })).sos!;
const eventCities = (sosId: string) => queryRows(env.databaseUrl, 'SELECT type, city_id AS "cityId" FROM sos_events WHERE sos_id = $1 ORDER BY seq', [sosId]);
const offersOf = async (volunteer: Actor) => (await volunteer.client.request(MyAlertsDocument)).myAlerts.map((a) => a.sos.id);

describe('cities', () => {
  it('an SOS 200 m from a boundary belongs to its side, and alerts the nearest volunteers on both sides', async () => {
    const boundary = freshCentre();
    // West and East share the meridian through `boundary`.
    const south = destination(boundary, 3000, 180);
    const north = destination(boundary, 3000, 0);
    const west = await createCity({ name: `West ${randomUUID()}`, timeZone: 'Europe/Berlin', boundary: rectangle(destination(south, 3000, 270), north) });
    const east = await createCity({ name: `East ${randomUUID()}`, timeZone: 'Europe/Berlin', boundary: rectangle(south, destination(north, 3000, 90)) });
    const acrossTheLine = await volunteerAt(server, at(300, 90, boundary)); // in East, 500 m from the SOS
    const sameSide = await volunteerAt(server, at(800, 270, boundary)); // in West, 600 m from it
    const sosId = await raise(at(200, 270, boundary));

    expect(await cityOf(sosId)).toMatchObject({ city: { id: west.id }, emergencyNumber: '112' });
    expect(await offersOf(acrossTheLine)).toEqual([sosId]);
    expect(await offersOf(sameSide)).toEqual([sosId]);
    expect((await cityOf(await raise(at(200, 90, boundary)))).city?.id).toBe(east.id);
    // Its timeline is kept with it, so both can be split by city together.
    expect(await eventCities(sosId)).toEqual([
      { type: 'CREATED', cityId: west.id },
      { type: 'MATCHING_STARTED', cityId: west.id },
    ]);
  });

  it("an SOS follows its city's rules: radii and emergency number; outside every city, the deployment's", async () => {
    const centre = freshCentre();
    const small = await createCity({
      name: `Small radii ${randomUUID()}`,
      timeZone: 'Europe/Berlin',
      boundary: square(centre, 4000),
      rules: { radiiMeters: [200], emergencyNumber: '+49301234' },
    });
    expect(small.rules).toEqual({ radiiMeters: [200], alertsPerStep: null, stepTimeoutSeconds: null, emergencyNumber: '+49301234' });
    const volunteer = await volunteerAt(server, at(500, 0, centre));
    const inside = await raise(centre);
    // 500 m is beyond the city's only radius: nobody alerted, escalated to staff.
    expect(await eventually(() => cityOf(inside), (sos) => sos.status === 'ESCALATED')).toMatchObject({ city: { id: small.id }, emergencyNumber: '+49301234' });
    expect(await offersOf(volunteer)).toEqual([]);

    // Far away, outside every city: the deployment's 1000 m reach the same kind of volunteer.
    const elsewhere = destination(centre, 30_000, 90);
    const other = await volunteerAt(server, at(500, 0, elsewhere));
    const outside = await raise(elsewhere);
    expect(await cityOf(outside)).toMatchObject({ city: null, emergencyNumber: '112' });
    expect(await offersOf(other)).toEqual([outside]);

    // Deactivated: its SOS from now on belong to no city and follow the deployment.
    expect((await admin.client.request(DeactivateCityDocument, { id: small.id })).deactivateCity.active).toBe(false);
    const later = await raise(at(100, 180, centre));
    expect(await cityOf(later)).toMatchObject({ city: null, emergencyNumber: '112' });
    expect(await offersOf(volunteer)).toEqual([later]);

    const renamed = (await admin.client.request(UpdateCityDocument, { id: small.id, input: { active: true, rules: { alertsPerStep: 3 } } })).updateCity;
    expect(renamed).toMatchObject({ active: true, rules: { radiiMeters: null, alertsPerStep: 3, stepTimeoutSeconds: null, emergencyNumber: null } });
  });

  it("a city's step timeout applies to its offers, from matching and from staff (reassignSos)", async () => {
    const centre = freshCentre();
    await createCity({ name: `Quick ${randomUUID()}`, timeZone: 'Europe/Berlin', boundary: square(centre, 4000), rules: { stepTimeoutSeconds: 30 } });
    const first = await volunteerAt(server, at(100, 0, centre));
    const sosId = await raise(centre);
    const secondsLeft = async (volunteer: Actor) => {
      const [alert] = (await volunteer.client.request(MyAlertsDocument)).myAlerts;
      return (new Date(alert.expiresAt).getTime() - Date.now()) / 1000;
    };
    // The deployment's step is 600 s here; the city's 30 s.
    expect(await secondsLeft(first)).toBeLessThanOrEqual(30);
    expect(await secondsLeft(first)).toBeGreaterThan(20);
    const second = await volunteerAt(server, at(3000, 180, centre));
    const staff = await signInAs(server, Role.PROFESSIONAL);
    await staff.client.request(ReassignSosDocument, { sosId, volunteerId: second.volunteerId });
    expect(await secondsLeft(second)).toBeLessThanOrEqual(30);
    expect(await secondsLeft(second)).toBeGreaterThan(20);
  });

  it('refuses bad boundaries, names, time zones and rules, and non-admins', async () => {
    const centre = freshCentre();
    const good = square(centre, 1000);
    const open = { type: 'Polygon', coordinates: [good.coordinates[0].slice(0, 4)] };
    const bowtie = { type: 'Polygon', coordinates: [[[13, 52], [13.01, 52.01], [13.01, 52], [13, 52.01], [13, 52]]] };
    const cases: [CityInput, string, RegExp][] = [
      [{ name: 'Open', timeZone: 'UTC', boundary: open }, 'boundary', /not closed/],
      [{ name: 'Bowtie', timeZone: 'UTC', boundary: bowtie }, 'boundary', /Self-intersection/i],
      [{ name: 'Point', timeZone: 'UTC', boundary: { type: 'Point', coordinates: [13, 52] } }, 'boundary', /Polygon or MultiPolygon/],
      [{ name: 'Far', timeZone: 'UTC', boundary: { type: 'Polygon', coordinates: [[[200, 52], [13, 53], [14, 52], [200, 52]]] } }, 'boundary', /in range/],
      [{ name: 'No boundary', timeZone: 'UTC' }, 'boundary', /required/],
      [{ name: ' ', timeZone: 'UTC', boundary: good }, 'name', /1 to 100/],
      [{ name: 'Mars', timeZone: 'Mars/Olympus', boundary: good }, 'timeZone', /IANA/],
      [{ name: 'Radii', timeZone: 'UTC', boundary: good, rules: { radiiMeters: [500, 400] } }, 'rules.radiiMeters', /larger than the one before/],
      [{ name: 'Number', timeZone: 'UTC', boundary: good, rules: { emergencyNumber: 'call me' } }, 'rules.emergencyNumber', /digits/],
    ];
    for (const [input, field, message] of cases) {
      const error = await expectError(admin.client.request(CreateCityDocument, { input }), 'BAD_USER_INPUT', { field });
      expect(error.message).toMatch(message);
    }
    const name = `Unique ${randomUUID()}`;
    await createCity({ name, timeZone: 'UTC', boundary: good });
    await expectError(createCity({ name: name.toUpperCase(), timeZone: 'UTC', boundary: good }), 'CONFLICT');
    await expectError(admin.client.request(UpdateCityDocument, { id: randomUUID(), input: { name: 'x' } }), 'NOT_FOUND');

    const professional = await signInAs(server, Role.PROFESSIONAL);
    await expectError(professional.client.request(CreateCityDocument, { input: { name: 'Pro', timeZone: 'UTC', boundary: good } }), 'FORBIDDEN');
    expect((await professional.client.request(CitiesDocument)).cities.map((c) => c.name)).toContain(name);
    const person = await signInAs(server, Role.USER);
    await expectError(person.client.request(CitiesDocument), 'FORBIDDEN');
  });
});
