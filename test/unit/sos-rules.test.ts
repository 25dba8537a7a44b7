import { Role } from '../../src/platform/auth';
import { locationFor, relationOf, seesRequester, type ViewerFacts } from '../../src/modules/sos/sos.access';
import { rankCandidates, type RankedVolunteer } from '../../src/modules/sos/sos.ranking';
import { STEP_EARLY_MS, allows, isStepDue } from '../../src/modules/sos/sos.transitions';
import { SosStatus } from '../../src/modules/sos/types/sos-enums';
import { Skill } from '../../src/modules/volunteers';

describe('rankCandidates', () => {
  const settings = { alertsPerStep: 5, alertsPerHour: 4 };
  const none = { busy: new Set<string>(), recentAlerts: new Map<string, number>() };
  const volunteer = (id: string, changes: Partial<RankedVolunteer> = {}): RankedVolunteer => ({
    id,
    available: true,
    skills: [Skill.FIRST_AID],
    disconnectionCount: 0,
    expiredAlertCount: 0,
    ...changes,
  });
  const rank = (volunteers: RankedVolunteer[], distances: number[], facts = none, required: Skill[] = []) =>
    rankCandidates(
      required,
      volunteers.map((v, i) => ({ volunteerId: v.id, distanceMeters: distances[i] })),
      new Map(volunteers.map((v) => [v.id, v])),
      facts,
      settings,
    ).map((r) => r.volunteer.id);

  it('puts the nearest first and alerts at most alertsPerStep', () => {
    const volunteers = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => volunteer(id));
    expect(rank(volunteers, [700, 100, 300, 200, 600, 500, 400])).toEqual(['b', 'd', 'c', 'g', 'f']);
  });

  it('ranks an unreliable volunteer behind a reliable one a little further away', () => {
    const flaky = volunteer('flaky', { disconnectionCount: 2 }); // 1.5 x the distance
    const steady = volunteer('steady');
    expect(rank([flaky, steady], [400, 550])).toEqual(['steady', 'flaky']);
    expect(rank([flaky, steady], [400, 650])).toEqual(['flaky', 'steady']);
    const ignoresOffers = volunteer('ignores', { expiredAlertCount: 10 }); // 1.5 x as well
    expect(rank([ignoresOffers, steady], [400, 550])).toEqual(['steady', 'ignores']);
  });

  it('leaves out volunteers alerted alertsPerHour times in the last hour, and ranks recently alerted ones lower', () => {
    const facts = { busy: new Set<string>(), recentAlerts: new Map([['tired', 4], ['busyish', 3]]) };
    expect(rank([volunteer('tired'), volunteer('fresh')], [10, 900], facts)).toEqual(['fresh']);
    // Three recent alerts: 1.3 x the distance.
    expect(rank([volunteer('busyish'), volunteer('fresh')], [100, 125], facts)).toEqual(['fresh', 'busyish']);
  });

  it('leaves out the busy, the unavailable, the unknown and those without a required skill', () => {
    const facts = { busy: new Set(['busy']), recentAlerts: new Map<string, number>() };
    const candidates = [volunteer('busy'), volunteer('away', { available: false }), volunteer('nurse', { skills: [Skill.NURSING] }), volunteer('medic', { skills: [Skill.MEDICAL] })];
    expect(rank(candidates, [1, 2, 3, 4], facts, [Skill.MEDICAL])).toEqual(['medic']);
    expect(rankCandidates([], [{ volunteerId: 'ghost', distanceMeters: 1 }], new Map(), none, settings)).toEqual([]);
  });

  it('prefers spare skills beyond those required, a little', () => {
    const versatile = volunteer('versatile', { skills: [Skill.FIRST_AID, Skill.CPR, Skill.MEDICAL, Skill.NURSING, Skill.TRANSPORT, Skill.FIREFIGHTING] });
    expect(rank([volunteer('plain'), versatile], [100, 105], none, [Skill.FIRST_AID])).toEqual(['versatile', 'plain']);
  });
});

describe('SOS transitions', () => {
  const table: [string, SosStatus[]][] = [
    ['accepted', [SosStatus.PENDING, SosStatus.MATCHING]],
    ['marked arrived', [SosStatus.ACCEPTED]],
    ['resolved', [SosStatus.ACCEPTED, SosStatus.ARRIVED, SosStatus.ESCALATED]],
    ['cancelled', [SosStatus.PENDING, SosStatus.MATCHING, SosStatus.ACCEPTED, SosStatus.ARRIVED, SosStatus.ESCALATED]],
    ['rated', [SosStatus.RESOLVED]],
  ];

  it.each(table)('%s: allowed only from %p', (action, from) => {
    for (const status of Object.values(SosStatus)) {
      expect([status, allows(status, action as Parameters<typeof allows>[1])]).toEqual([status, from.includes(status)]);
    }
  });

  it('runs a matching step only while matching and once it is due (a second early at most)', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    const at = (ms: number) => new Date(now + ms);
    expect(isStepDue({ status: SosStatus.MATCHING, nextStepAt: at(0) }, now)).toBe(true);
    expect(isStepDue({ status: SosStatus.PENDING, nextStepAt: at(-5000) }, now)).toBe(true);
    expect(isStepDue({ status: SosStatus.MATCHING, nextStepAt: at(STEP_EARLY_MS) }, now)).toBe(true);
    expect(isStepDue({ status: SosStatus.MATCHING, nextStepAt: at(STEP_EARLY_MS + 1) }, now)).toBe(false);
    expect(isStepDue({ status: SosStatus.MATCHING, nextStepAt: null }, now)).toBe(false);
    for (const status of [SosStatus.ACCEPTED, SosStatus.ARRIVED, SosStatus.ESCALATED, SosStatus.RESOLVED, SosStatus.CANCELLED]) {
      expect(isStepDue({ status, nextStepAt: at(-60_000) }, now)).toBe(false);
    }
  });
});

describe('who may see what of an SOS', () => {
  const sos = { requesterId: 'requester-user', assignedVolunteerId: 'assigned-volunteer', cityId: 'berlin' };
  const viewer = (userId: string | null, volunteerId: string | null, role: Role | null, alerted = false, cities: string[] | null = null) => {
    const asked: string[] = [];
    const facts: ViewerFacts = {
      userId,
      volunteerId: async () => (asked.push('volunteer'), volunteerId),
      role: async () => (asked.push('role'), role),
      staffCities: async () => (asked.push('cities'), cities),
      wasAlerted: async () => (asked.push('alerted'), alerted),
    };
    return { facts, asked };
  };

  it('tells the requester, the assigned volunteer, staff, an alerted volunteer and strangers apart', async () => {
    expect(await relationOf(sos, viewer(null, null, null).facts)).toBe('none');
    expect(await relationOf(sos, viewer('requester-user', null, Role.USER).facts)).toBe('requester');
    expect(await relationOf(sos, viewer('v-user', 'assigned-volunteer', Role.VOLUNTEER).facts)).toBe('assigned');
    expect(await relationOf(sos, viewer('pro', null, Role.PROFESSIONAL).facts)).toBe('staff');
    expect(await relationOf(sos, viewer('admin', 'admin-volunteer', Role.ADMIN, true).facts)).toBe('staff');
    expect(await relationOf(sos, viewer('other', 'other-volunteer', Role.VOLUNTEER, true).facts)).toBe('alerted');
    expect(await relationOf(sos, viewer('other', 'other-volunteer', Role.VOLUNTEER, false).facts)).toBe('none');
    expect(await relationOf(sos, viewer('user', null, Role.USER, true).facts)).toBe('none');
  });

  it('makes staff scoped to cities strangers to the SOS of other cities and of none', async () => {
    expect(await relationOf(sos, viewer('pro', null, Role.PROFESSIONAL, false, ['berlin']).facts)).toBe('staff');
    expect(await relationOf(sos, viewer('pro', null, Role.PROFESSIONAL, false, ['hamburg']).facts)).toBe('none');
    expect(await relationOf({ ...sos, cityId: null }, viewer('admin', null, Role.ADMIN, false, ['berlin']).facts)).toBe('none');
    expect(await relationOf({ ...sos, cityId: null }, viewer('admin', null, Role.ADMIN).facts)).toBe('staff');
  });

  it('asks for the costly facts only when the cheaper ones did not settle it', async () => {
    const requester = viewer('requester-user', 'x', Role.USER);
    await relationOf(sos, requester.facts);
    expect(requester.asked).toEqual([]);
    const staff = viewer('pro', 'pro-volunteer', Role.PROFESSIONAL);
    await relationOf(sos, staff.facts);
    expect(staff.asked).toEqual(['volunteer', 'role', 'cities']);
  });

  it('shows an alerted volunteer the place rounded to about 100 m and not who raised it', () => {
    const place = { latitude: 52.521912, longitude: 13.413245 };
    expect(locationFor('alerted', place)).toEqual({ latitude: 52.522, longitude: 13.413 });
    expect(locationFor('none', place)).toEqual({ latitude: 52.522, longitude: 13.413 });
    for (const relation of ['requester', 'assigned', 'staff'] as const) {
      expect(locationFor(relation, place)).toEqual(place);
      expect(seesRequester(relation)).toBe(true);
    }
    expect(seesRequester('alerted')).toBe(false);
    expect(seesRequester('none')).toBe(false);
  });
});
