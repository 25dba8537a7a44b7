import { randomUUID } from 'node:crypto';
import { cellToParent, latLngToCell } from 'h3-js';
import { OpsOverviewChangedDocument, OpsOverviewDocument, RaiseSosDocument } from '../../sdk/index';
import { Role, signInAs, signUp } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';
import { nextOf } from '../helpers/wait';

const env = useTestEnvironment();
let server: TestServer;

beforeAll(async () => {
  server = await env.start({ AREA_H3_RESOLUTION: '7', SOS_STEP_TIMEOUT_SECONDS: '600' });
});

describe('opsOverview', () => {
  it('counts open SOS, pending alerts and available volunteers, in total and per H3 area; staff only', async () => {
    const staff = await signInAs(server, Role.PROFESSIONAL);
    const centre = freshCentre();
    const volunteerPlace = at(150, 0, centre);
    await volunteerAt(server, volunteerPlace);
    await volunteerAt(server, at(50_000, 90, centre), ['FIRST_AID'], false); // not available: not counted
    const person = await signUp(server);
    await person.client.request(RaiseSosDocument, { input: { location: centre, category: 'MEDICAL', idempotencyKey: randomUUID() } });

    const { opsOverview } = await staff.client.request(OpsOverviewDocument, {});
    expect(opsOverview).toMatchObject({ resolution: 7, openSos: 1, openByStatus: [{ status: 'MATCHING', count: 1 }], escalationsWaiting: 0, alertsPending: 1, volunteersAvailable: 1 });
    // The SOS's area, and the volunteer's (the same one unless 150 m cross a hexagon's edge).
    // The parent of each finest cell (H3 nests cells only roughly).
    const area = (p: { latitude: number; longitude: number }) => cellToParent(latLngToCell(p.latitude, p.longitude, 15), 7);
    const sosCell = area(centre);
    const volunteerCell = area(volunteerPlace);
    const expected = new Map([[sosCell, { cell: sosCell, openSos: 1, escalated: 0, alertsPending: 1, volunteersAvailable: 0 }]]);
    const volunteerArea = expected.get(volunteerCell) ?? { cell: volunteerCell, openSos: 0, escalated: 0, alertsPending: 0, volunteersAvailable: 0 };
    expected.set(volunteerCell, { ...volunteerArea, volunteersAvailable: 1 });
    expect(opsOverview.areas).toEqual([...expected.values()].sort((x, y) => (x.cell < y.cell ? -1 : 1)));

    for (const role of [Role.USER, Role.VOLUNTEER]) {
      const caller = await signInAs(server, role);
      await expectError(caller.client.request(OpsOverviewDocument, {}), 'FORBIDDEN');
    }
    await expectError(server.client().request(OpsOverviewDocument, {}), 'UNAUTHENTICATED');
  });

  it('opsOverviewChanged pushes the overview, then each change, at most every 2 s', async () => {
    const admin = await signInAs(server, Role.ADMIN);
    const feed = admin.client.subscribe(OpsOverviewChangedDocument, {});
    const first = (await nextOf(feed, 'first overview')).opsOverviewChanged;
    const pushedAt = [Date.now()];

    for (let i = 0; i < 3; i++) {
      const person = await signUp(server);
      await person.client.request(RaiseSosDocument, { input: { location: freshCentre(), category: 'OTHER', idempotencyKey: randomUUID() } });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    let latest = first;
    // Without volunteers near, each escalates at once: the picture settles when all three wait for staff.
    while (latest.openSos < first.openSos + 3 || latest.escalationsWaiting < first.escalationsWaiting + 3) {
      latest = (await nextOf(feed, 'a change', 6000)).opsOverviewChanged;
      pushedAt.push(Date.now());
    }
    expect(latest.openSos).toBe(first.openSos + 3);
    // The three raises came within a second: at most every 2 s means a push or two, spaced.
    expect(pushedAt.length).toBeLessThanOrEqual(3);
    for (let i = 2; i < pushedAt.length; i++) expect(pushedAt[i] - pushedAt[i - 1]).toBeGreaterThanOrEqual(1800);

    // Nothing changes: nothing is pushed.
    await expect(nextOf(feed, 'nothing', 2500)).rejects.toThrow(/within/);
    await feed.return?.();

    const volunteer = await signInAs(server, Role.VOLUNTEER);
    const refused = volunteer.client.subscribe(OpsOverviewChangedDocument, {});
    await expect(nextOf(refused, 'refusal')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
