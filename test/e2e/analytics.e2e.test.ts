import { randomUUID } from 'node:crypto';
import { cellToParent, latLngToCell } from 'h3-js';
import {
  AcceptSosDocument,
  CancelSosDocument,
  MarkArrivedDocument,
  RaiseSosDocument,
  ResolveSosDocument,
  ResponseStatsDocument,
  SosDocument,
  TopRespondersDocument,
} from '../../sdk/index';
import { Role, signInAs, signUp, type Actor } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { eventually } from '../helpers/wait';

// Small radii and short steps: an SOS without volunteers nearby escalates within seconds.
const env = useTestEnvironment();
let server: TestServer;
let staff: Actor;

beforeAll(async () => {
  server = await env.start({ SOS_RADII_METERS: '500', SOS_STEP_TIMEOUT_SECONDS: '1', SOS_SWEEP_SECONDS: '1' });
  staff = await signInAs(server, Role.PROFESSIONAL);
});

const raise = async (person: Actor, location: { latitude: number; longitude: number }) =>
  (await person.client.request(RaiseSosDocument, { input: { location, category: 'MEDICAL', idempotencyKey: randomUUID() } })).raiseSos.id;

describe('responseStats and topResponders', () => {
  it('count, shares and times by day, week and area, with the total; the best responders', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const helped = freshCentre();
    const volunteer = await volunteerAt(server, at(100, 0, helped));
    const handled = await raise(await signUp(server), helped);
    await volunteer.client.request(AcceptSosDocument, { sosId: handled });
    await volunteer.client.request(MarkArrivedDocument, { sosId: handled });
    await volunteer.client.request(ResolveSosDocument, { sosId: handled });

    // Alerted (someone is near), so it waits for an accept rather than escalating at once: then cancelled.
    await volunteerAt(server, at(20_100, 90, helped));
    const cancelledBy = await signUp(server);
    const cancelled = await raise(cancelledBy, at(20_000, 90, helped));
    await cancelledBy.client.request(CancelSosDocument, { sosId: cancelled });
    const escalatedAt = at(40_000, 180, helped);
    const escalated = await raise(await signUp(server), escalatedAt);
    await eventually(async () => (await staff.client.request(SosDocument, { id: escalated })).sos!.status, (status) => status === 'ESCALATED', 10_000);
    const to = new Date(Date.now() + 60_000).toISOString();

    const byDay = (await staff.client.request(ResponseStatsDocument, { from, to, groupBy: 'DAY' })).responseStats;
    expect(byDay.groups.map((g) => g.key)).toEqual([from.slice(0, 10)]);
    expect(byDay.total).toMatchObject({ key: null, sosCount: 3, alertsOffered: 2, alertAcceptanceRate: 0.5 });
    expect(byDay.total!.acceptedShare).toBeCloseTo(1 / 3, 6);
    expect(byDay.total!.escalatedShare).toBeCloseTo(1 / 3, 6);
    expect(byDay.total!.cancelledShare).toBeCloseTo(1 / 3, 6);
    expect(byDay.total!.toFirstAlert.p50).toBeGreaterThanOrEqual(0);
    expect(byDay.total!.toArrival.p50).toBeGreaterThanOrEqual(byDay.total!.toAcceptance.p50!);
    expect(byDay.groups[0]).toEqual(byDay.total && { ...byDay.total, key: byDay.groups[0].key });

    const byArea = (await staff.client.request(ResponseStatsDocument, { from, to, groupBy: 'AREA', resolution: 6 })).responseStats;
    // The parent of its finest cell (H3 nests cells only roughly: near an edge that may not be the coarse cell the point is in).
    const cell = (p: { latitude: number; longitude: number }) => cellToParent(latLngToCell(p.latitude, p.longitude, 15), 6);
    const expected = [helped, at(20_000, 90, helped), escalatedAt].map(cell);
    expect(byArea.groups.map((g) => g.key).sort()).toEqual([...new Set(expected)].sort());
    expect(byArea.groups.find((g) => g.key === cell(escalatedAt))).toMatchObject({ sosCount: 1, escalatedShare: 1, alertAcceptanceRate: null });

    const byWeek = (await staff.client.request(ResponseStatsDocument, { from, to, groupBy: 'WEEK', timeZone: 'Europe/Berlin' })).responseStats;
    expect(byWeek.groups).toHaveLength(1);
    expect(new Date(`${byWeek.groups[0].key}T12:00:00Z`).getUTCDay()).toBe(1); // a Monday

    const top = (await staff.client.request(TopRespondersDocument, { from, to })).topResponders;
    expect(top).toEqual([expect.objectContaining({ volunteerId: volunteer.volunteerId, sosHelped: 1, resolved: 1, averageRating: null })]);
  });

  it('is for staff, and refuses a bad period, time zone or resolution', async () => {
    const to = new Date().toISOString();
    const from = new Date(Date.now() - 86_400_000).toISOString();
    for (const role of [Role.USER, Role.VOLUNTEER]) {
      const caller = await signInAs(server, role);
      await expectError(caller.client.request(ResponseStatsDocument, { from, to, groupBy: 'DAY' }), 'FORBIDDEN');
      await expectError(caller.client.request(TopRespondersDocument, { from, to }), 'FORBIDDEN');
    }
    await expectError(staff.client.request(ResponseStatsDocument, { from: to, to: from, groupBy: 'DAY' }), 'BAD_USER_INPUT', { field: 'to' });
    await expectError(staff.client.request(ResponseStatsDocument, { from: '2020-01-01T00:00:00Z', to, groupBy: 'DAY' }), 'BAD_USER_INPUT', { field: 'to' });
    await expectError(staff.client.request(ResponseStatsDocument, { from, to, groupBy: 'DAY', timeZone: 'Mars/Olympus' }), 'BAD_USER_INPUT', { field: 'timeZone' });
    await expectError(staff.client.request(ResponseStatsDocument, { from, to, groupBy: 'AREA', resolution: 16 }), 'BAD_USER_INPUT', { field: 'resolution' });
    await expectError(staff.client.request(TopRespondersDocument, { from, to, first: 0 }), 'BAD_USER_INPUT', { field: 'first' });
    expect((await staff.client.request(ResponseStatsDocument, { from, to: new Date(Date.now() - 3_600_000 * 20).toISOString(), groupBy: 'DAY' })).responseStats).toEqual({ groups: [], total: null });
  });
});
