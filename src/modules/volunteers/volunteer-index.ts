import type { Point } from '../../platform/geo';
import { execPipeline, type Redis } from '../../platform/redis';
import type { NearbyHit, NearbyQuery, VolunteerRow } from './volunteers.repository';
import { SKILLS, skillMask } from './types/skill';

// Every key carries the hash tag {vol}: the scripts below read and write several at once, which a
// Redis Cluster allows only within one slot. The whole index lives on one node of a cluster; a
// search must see every volunteer near a point, whichever side of any line they stand.
const KEYS = {
  ready: '{vol}:index:ready', // set once the index has been (re)built from PostgreSQL
  seen: '{vol}:seen', // volunteer id -> last location, ms since the epoch (the heartbeat)
  state: '{vol}:state', // volunteer id -> "skillMask|available|verified"
  geo: '{vol}:geo', // GEO set of every available volunteer (member: volunteer id)
  byUser: '{vol}:by-user', // user id -> volunteer id
  assigned: '{vol}:assigned', // volunteer id -> the SOS they are assigned to
  rebuilding: '{vol}:index:rebuilding',
} as const;

/**
 * One GEO set per skill besides the one of everybody, in skill-mask bit order: a search that
 * requires skills walks the set of the rarest one, so finding the 20 nearest nurses looks at
 * nurses, not at every volunteer in town.
 */
const SKILL_GEO_KEYS = SKILLS.map((skill) => `{vol}:geo:${skill}`);

/** Candidates one search may examine before it hands over to PostGIS (a script blocks Redis while it runs). */
const MAX_EXAMINED = 256;

// KEYS: ready, seen, state, geo, skill geo sets... ARGV: lng, lat, radius, limit, freshAfter,
// requiredMask, excluded ids...
// Nearest-first search that widens from a small radius: with a dense city the 20 nearest are
// found within a few hundred metres, so a 10 km search costs what a 250 m one does. Candidates
// are filtered here (lapsed heartbeat, skills, exclusions) so one round trip answers. A lapsed
// volunteer met on the way leaves the set until their next location arrives. A search that
// would have to examine more than MAX_EXAMINED candidates (skills nobody nearby has) answers
// 'too broad' instead: PostGIS, with its skills index, does that one better and blocks nobody.
const SEARCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local lng, lat = ARGV[1], ARGV[2]
local radius, limit = tonumber(ARGV[3]), tonumber(ARGV[4])
local freshAfter = tonumber(ARGV[5])
local required = tonumber(ARGV[6])
local excluded = {}
for i = 7, #ARGV do excluded[ARGV[i]] = true end
local set, smallest = KEYS[4], nil
for bit_index = 0, ${SKILLS.length - 1} do
  if bit.band(required, bit.lshift(1, bit_index)) ~= 0 then
    local size = redis.call('ZCARD', KEYS[5 + bit_index])
    if smallest == nil or size < smallest then set, smallest = KEYS[5 + bit_index], size end
  end
end
local r = math.min(radius, 250)
local count = math.min(limit + (#ARGV - 6) + 8, ${MAX_EXAMINED})
while true do
  local hits = redis.call('GEOSEARCH', set, 'FROMLONLAT', lng, lat, 'BYRADIUS', r, 'm', 'ASC', 'COUNT', count, 'WITHDIST')
  local out = {}
  for _, hit in ipairs(hits) do
    local id = hit[1]
    if not excluded[id] then
      local seen = tonumber(redis.call('ZSCORE', KEYS[2], id) or '0')
      if seen < freshAfter then
        redis.call('ZREM', set, id)
      else
        local state = redis.call('HGET', KEYS[3], id)
        local mask = tonumber(state and string.match(state, '^(%d+)') or '0')
        if bit.band(mask, required) == required then
          out[#out + 1] = id
          out[#out + 1] = hit[2]
          if #out / 2 >= limit then return out end
        end
      end
    end
  end
  if #hits < count then
    if r >= radius then return out end
    r = math.min(r * 4, radius)
  elseif count >= ${MAX_EXAMINED} then
    return 'too broad'
  else
    count = math.min(count * 4, ${MAX_EXAMINED})
  end
end
`;

// KEYS: by-user, state, geo, seen, assigned, skill geo sets... ARGV: user id, lng, lat, now.
// The hot path of every location update, in one round trip: who is this user's volunteer, beat
// their heartbeat, move them on the maps if they are available. Nil when the cache has no entry
// for the user (cold Redis): the caller primes it from PostgreSQL and retries.
const LOCATE = `
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return false end
local state = redis.call('HGET', KEYS[2], id)
if not state then return false end
redis.call('ZADD', KEYS[4], ARGV[4], id)
local mask, available = string.match(state, '^(%d+)|(%d)')
if available == '1' then
  redis.call('GEOADD', KEYS[3], ARGV[2], ARGV[3], id)
  mask = tonumber(mask)
  for bit_index = 0, ${SKILLS.length - 1} do
    if bit.band(mask, bit.lshift(1, bit_index)) ~= 0 then redis.call('GEOADD', KEYS[6 + bit_index], ARGV[2], ARGV[3], id) end
  end
end
return {id, redis.call('HGET', KEYS[5], id) or ''}
`;

type IndexClient = Redis & {
  volunteerSearch(...args: (string | number)[]): Promise<string[] | string | null>;
  volunteerLocate(...args: (string | number)[]): Promise<[string, string] | null>;
};

export interface Located {
  volunteerId: string;
  /** The SOS the volunteer is assigned to, if any. */
  assignedSosId: string | null;
}

/** Thrown when the index has not been built since Redis started; the caller falls back and triggers a rebuild. */
export class IndexNotReadyError extends Error {
  constructor() {
    super('volunteer index not built yet');
  }
}

/** Thrown when a search would examine too many candidates in Redis; the caller asks PostGIS. */
export class SearchTooBroadError extends Error {
  constructor() {
    super(`search would examine more than ${MAX_EXAMINED} candidates`);
  }
}

/**
 * The live picture of where volunteers are, in Redis: fast, shared by every instance, and
 * rebuildable from PostgreSQL at any time (which is why losing Redis loses nothing).
 */
export class VolunteerIndex {
  private readonly redis: IndexClient;

  constructor(redis: Redis) {
    redis.defineCommand('volunteerSearch', { numberOfKeys: 4 + SKILLS.length, lua: SEARCH });
    redis.defineCommand('volunteerLocate', { numberOfKeys: 5 + SKILLS.length, lua: LOCATE });
    this.redis = redis as IndexClient;
  }

  /**
   * Nearest first within the radius. Refused (IndexNotReadyError) until the index is built, so
   * that callers ask PostGIS instead, unless `partial`: then it answers with whoever the index
   * holds (all there is to go on while PostgreSQL is unreachable).
   */
  async search(query: NearbyQuery, now: number, partial = false): Promise<NearbyHit[]> {
    const { point, radiusMeters, limit, skills, excludeIds, staleSeconds } = query;
    const reply = await this.redis.volunteerSearch(
      partial ? KEYS.geo : KEYS.ready,
      KEYS.seen,
      KEYS.state,
      KEYS.geo,
      ...SKILL_GEO_KEYS,
      point.longitude,
      point.latitude,
      radiusMeters,
      limit,
      now - staleSeconds * 1000,
      skillMask(skills),
      ...excludeIds,
    );
    if (reply === null) throw new IndexNotReadyError();
    if (typeof reply === 'string') throw new SearchTooBroadError();
    const hits: NearbyHit[] = [];
    for (let i = 0; i < reply.length; i += 2) hits.push({ volunteerId: reply[i], distanceMeters: Number(reply[i + 1]) });
    return hits;
  }

  async locate(userId: string, point: Point, now: number): Promise<Located | null> {
    const reply = await this.redis.volunteerLocate(KEYS.byUser, KEYS.state, KEYS.geo, KEYS.seen, KEYS.assigned, ...SKILL_GEO_KEYS, userId, point.longitude, point.latitude, now);
    return reply ? { volunteerId: reply[0], assignedSosId: reply[1] || null } : null;
  }

  /**
   * Writes what PostgreSQL knows of a volunteer into the index: skills, availability, the SOS
   * they are assigned to, and (when available with a fresh location) their place on the maps. A
   * heartbeat never moves backwards.
   */
  async prime(rows: readonly VolunteerRow[], freshAfter: number): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const row of rows) {
      pipeline.hset(KEYS.byUser, row.userId, row.id);
      pipeline.hset(KEYS.state, row.id, `${skillMask(row.skills)}|${row.available ? 1 : 0}|${row.verified ? 1 : 0}`);
      // A Redis that lost its data learns the assignment back from PostgreSQL. Only ever set here:
      // a row read just before a release must not clear it (the release itself clears it).
      if (row.assignedSosId) pipeline.hset(KEYS.assigned, row.id, row.assignedSosId);
      const seen = row.lastSeenAt?.getTime() ?? 0;
      const placed = row.available && row.latitude !== null && row.longitude !== null && seen > freshAfter;
      if (placed) {
        pipeline.geoadd(KEYS.geo, row.longitude!, row.latitude!, row.id);
        pipeline.zadd(KEYS.seen, 'GT', seen, row.id);
      } else if (!row.available) {
        pipeline.zrem(KEYS.geo, row.id);
      }
      SKILLS.forEach((skill, i) => {
        if (placed && row.skills.includes(skill)) pipeline.geoadd(SKILL_GEO_KEYS[i], row.longitude!, row.latitude!, row.id);
        else if (!row.available || !row.skills.includes(skill)) pipeline.zrem(SKILL_GEO_KEYS[i], row.id);
      });
    }
    await execPipeline(pipeline);
  }

  /**
   * Which of these volunteers may be alerted where only verified ones are: those an admin
   * verified, as last primed. An entry primed before the index kept the flag says nothing either
   * way: it counts as verified, as before, rather than leave an SOS in an outage with nobody.
   */
  async verifiedAmong(volunteerIds: readonly string[]): Promise<Set<string>> {
    if (volunteerIds.length === 0) return new Set();
    const states = await this.redis.hmget(KEYS.state, ...volunteerIds);
    return new Set(volunteerIds.filter((_, i) => (states[i]?.split('|')[2] ?? '1') === '1'));
  }

  /** Takes a volunteer whose account was deleted out of the index entirely. */
  async remove(volunteerId: string, userId: string): Promise<void> {
    const pipeline = this.redis.pipeline();
    pipeline.hdel(KEYS.byUser, userId);
    pipeline.hdel(KEYS.state, volunteerId);
    pipeline.hdel(KEYS.assigned, volunteerId);
    pipeline.zrem(KEYS.seen, volunteerId);
    for (const key of [KEYS.geo, ...SKILL_GEO_KEYS]) pipeline.zrem(key, volunteerId);
    await execPipeline(pipeline);
  }

  /** Marks a volunteer as assigned to an SOS (or no longer, with null): their updates then go to its requester. */
  async setAssignment(volunteerId: string, sosId: string | null): Promise<void> {
    if (sosId) await this.redis.hset(KEYS.assigned, volunteerId, sosId);
    else await this.redis.hdel(KEYS.assigned, volunteerId);
  }

  /** The volunteer id of a user, as far as the index knows (null when Redis never heard of them). */
  async volunteerIdOf(userId: string): Promise<string | null> {
    return this.redis.hget(KEYS.byUser, userId);
  }

  /** The volunteers among `volunteerIds` that are assigned to an SOS. */
  async assigned(volunteerIds: readonly string[]): Promise<Set<string>> {
    if (volunteerIds.length === 0) return new Set();
    const sosIds = await this.redis.hmget(KEYS.assigned, ...volunteerIds);
    return new Set(volunteerIds.filter((_, i) => sosIds[i]));
  }

  /** Last heartbeats in ms (null where there is none). */
  async lastSeen(volunteerIds: readonly string[]): Promise<(number | null)[]> {
    const scores = await this.redis.zmscore(KEYS.seen, ...volunteerIds);
    return scores.map((s) => (s === null ? null : Number(s)));
  }

  /** Whether the index has been built since Redis last started (else its heartbeats say nothing). */
  async isReady(): Promise<boolean> {
    return (await this.redis.exists(KEYS.ready)) === 1;
  }

  /** Takes the rebuild lock; false when another instance holds it. */
  async claimRebuild(): Promise<boolean> {
    return (await this.redis.set(KEYS.rebuilding, '1', 'PX', 30_000, 'NX')) === 'OK';
  }

  async markReady(): Promise<void> {
    await execPipeline(this.redis.pipeline().set(KEYS.ready, '1').del(KEYS.rebuilding));
  }
}
