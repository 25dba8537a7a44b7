import type { Point } from '../../platform/geo';
import { execPipeline, type Redis } from '../../platform/redis';
import type { NearbyHit, NearbyQuery, VolunteerRow } from './volunteers.repository';
import { skillMask } from './types/skill';

const KEYS = {
  geo: 'vol:geo', // GEO set of available volunteers (member: volunteer id)
  seen: 'vol:seen', // volunteer id -> last location, ms since the epoch (the heartbeat)
  state: 'vol:state', // volunteer id -> "skillMask|available|assignedSosId"
  byUser: 'vol:by-user', // user id -> volunteer id
  ready: 'vol:index:ready', // set once the index has been (re)built from PostgreSQL
  rebuilding: 'vol:index:rebuilding',
} as const;

// Nearest-first search that widens from a small radius: with a dense city the 20 nearest are
// found in a few hundred metres, so a 10 km search costs what a 250 m one does. Candidates are
// filtered here (lapsed heartbeat, skills, exclusions) so one round trip answers. A lapsed
// volunteer met on the way leaves the index until their next location arrives.
const SEARCH = `
if redis.call('EXISTS', KEYS[4]) == 0 then return false end
local lng, lat = ARGV[1], ARGV[2]
local radius, limit = tonumber(ARGV[3]), tonumber(ARGV[4])
local freshAfter = tonumber(ARGV[5])
local required = tonumber(ARGV[6])
local excluded = {}
for i = 7, #ARGV do excluded[ARGV[i]] = true end
local r = math.min(radius, 250)
local count = limit + (#ARGV - 6) + 8
while true do
  local hits = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', lng, lat, 'BYRADIUS', r, 'm', 'ASC', 'COUNT', count, 'WITHDIST')
  local out = {}
  for _, hit in ipairs(hits) do
    local id = hit[1]
    if not excluded[id] then
      local seen = tonumber(redis.call('ZSCORE', KEYS[2], id) or '0')
      if seen < freshAfter then
        redis.call('ZREM', KEYS[1], id)
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
  else
    count = count * 2
  end
end
`;

// The hot path of every location update, in one round trip: who is this user's volunteer, beat
// their heartbeat, move them on the map if they are available. Nil when the cache has no entry
// for the user (cold Redis): the caller primes it from PostgreSQL and retries.
const LOCATE = `
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return false end
local state = redis.call('HGET', KEYS[2], id)
if not state then return false end
redis.call('ZADD', KEYS[4], ARGV[4], id)
local available, assigned = string.match(state, '^%d+|(%d)|(.*)$')
if available == '1' then redis.call('GEOADD', KEYS[3], ARGV[2], ARGV[3], id) end
return {id, assigned or ''}
`;

type IndexClient = Redis & {
  volunteerSearch(...args: (string | number)[]): Promise<string[] | null>;
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

/**
 * The live picture of where volunteers are, in Redis: fast, shared by every instance, and
 * rebuildable from PostgreSQL at any time (which is why losing Redis loses nothing).
 */
export class VolunteerIndex {
  private readonly redis: IndexClient;

  constructor(redis: Redis) {
    redis.defineCommand('volunteerSearch', { numberOfKeys: 4, lua: SEARCH });
    redis.defineCommand('volunteerLocate', { numberOfKeys: 4, lua: LOCATE });
    this.redis = redis as IndexClient;
  }

  async search(query: NearbyQuery, now: number): Promise<NearbyHit[]> {
    const { point, radiusMeters, limit, skills, excludeIds, staleSeconds } = query;
    const reply = await this.redis.volunteerSearch(
      KEYS.geo,
      KEYS.seen,
      KEYS.state,
      KEYS.ready,
      point.longitude,
      point.latitude,
      radiusMeters,
      limit,
      now - staleSeconds * 1000,
      skillMask(skills),
      ...excludeIds,
    );
    if (reply === null) throw new IndexNotReadyError();
    const hits: NearbyHit[] = [];
    for (let i = 0; i < reply.length; i += 2) hits.push({ volunteerId: reply[i], distanceMeters: Number(reply[i + 1]) });
    return hits;
  }

  async locate(userId: string, point: Point, now: number): Promise<Located | null> {
    const reply = await this.redis.volunteerLocate(KEYS.byUser, KEYS.state, KEYS.geo, KEYS.seen, userId, point.longitude, point.latitude, now);
    return reply ? { volunteerId: reply[0], assignedSosId: reply[1] || null } : null;
  }

  /**
   * Writes what PostgreSQL knows of a volunteer into the index: skills, availability, and (when
   * available with a fresh location) their place on the map. A heartbeat never moves backwards.
   */
  async prime(rows: readonly VolunteerRow[], freshAfter: number): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const row of rows) {
      pipeline.hset(KEYS.byUser, row.userId, row.id);
      pipeline.hset(KEYS.state, row.id, `${skillMask(row.skills)}|${row.available ? 1 : 0}|`);
      const seen = row.lastSeenAt?.getTime() ?? 0;
      if (row.available && row.latitude !== null && row.longitude !== null && seen > freshAfter) {
        pipeline.geoadd(KEYS.geo, row.longitude, row.latitude, row.id);
        pipeline.zadd(KEYS.seen, 'GT', seen, row.id);
      } else if (!row.available) {
        pipeline.zrem(KEYS.geo, row.id);
      }
    }
    await execPipeline(pipeline);
  }

  /** Last heartbeats in ms (null where there is none). */
  async lastSeen(volunteerIds: readonly string[]): Promise<(number | null)[]> {
    const scores = await this.redis.zmscore(KEYS.seen, ...volunteerIds);
    return scores.map((s) => (s === null ? null : Number(s)));
  }

  /** Takes the rebuild lock; false when another instance holds it. */
  async claimRebuild(): Promise<boolean> {
    return (await this.redis.set(KEYS.rebuilding, '1', 'PX', 30_000, 'NX')) === 'OK';
  }

  async markReady(): Promise<void> {
    await execPipeline(this.redis.pipeline().set(KEYS.ready, '1').del(KEYS.rebuilding));
  }
}
