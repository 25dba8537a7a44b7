import { randomUUID } from 'node:crypto';
import type { Redis } from '../../platform/redis';
import type { Skill } from '../volunteers';
import type { SosCategory } from './types/sos-enums';

/** An SOS taken in while PostgreSQL was unreachable, as the journal keeps it until it is written there. */
export interface QueuedSos {
  id: string;
  requesterId: string;
  idempotencyKey: string;
  category: SosCategory;
  description: string | null;
  latitude: number;
  longitude: number;
  accuracyMeters: number | null;
  requiredSkills: Skill[];
  clientIp: string;
  flagReasons: string[];
  /** Milliseconds since the epoch (times stay numbers in the journal: JSON has no dates). */
  queuedAt: number;
  /** The first matching radius, within which `alerts` were found. */
  radiusMeters: number;
  alerts: QueuedAlert[];
}

export interface QueuedAlert {
  id: string;
  volunteerId: string;
  distanceMeters: number;
  expiresAt: number;
}

/** The first accept of a queued SOS, journaled to be replayed. */
export interface JournaledAccept {
  volunteerId: string;
  volunteerUserId: string;
  at: number;
}

export type EnqueueOutcome = { kind: 'queued' | 'retried'; sos: QueuedSos } | { kind: 'open'; openSosId: string };
export type AcceptOutcome = { kind: 'accepted'; accept: JournaledAccept } | { kind: 'taken'; accept: JournaledAccept } | { kind: 'missing' };

// One hash tag for all: the scripts below change several at once (one slot in a Redis Cluster).
const KEYS = {
  stream: '{sos:outage}:stream', // the queued SOS in the order they came (field sosId)
  entries: '{sos:outage}:sos', // SOS id -> QueuedSos as JSON
  keys: '{sos:outage}:keys', // "requester id|idempotency key" -> SOS id
  open: '{sos:outage}:open', // requester id -> their queued SOS id (one open SOS per person, as in PostgreSQL)
  accepts: '{sos:outage}:accepts', // SOS id -> JournaledAccept as JSON
  replayer: '{sos:outage}:replayer', // the lock of the one instance replaying
} as const;

// KEYS: keys, open, entries, stream. ARGV: key field, requester id, SOS id, entry JSON.
// In one step so that two retries racing, or two instances, queue one SOS: a known key answers
// its SOS, a person with a queued SOS gets it named.
const ENQUEUE = `
local known = redis.call('HGET', KEYS[1], ARGV[1])
if known then return {'retried', redis.call('HGET', KEYS[3], known)} end
local open = redis.call('HGET', KEYS[2], ARGV[2])
if open then return {'open', open} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
redis.call('XADD', KEYS[4], '*', 'sosId', ARGV[3])
return {'queued', ARGV[4]}
`;

// KEYS: entries, accepts. ARGV: SOS id, accept JSON. The first accept wins; later ones learn whose it is.
const ACCEPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {'missing'} end
local prior = redis.call('HGET', KEYS[2], ARGV[1])
if prior then return {'taken', prior} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return {'accepted', ARGV[2]}
`;

// KEYS: replayer. ARGV: token. Frees the lock only if this instance still holds it.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

// KEYS: stream, keys, open, entries, accepts. ARGV: entry id, key field, requester id, SOS id, '1'
// if the replay wrote an accept else '0'. Forgets a replayed SOS, unless an accept came in since
// the replayer looked (a volunteer whose instance cannot reach PostgreSQL while the replayer's
// can): then it stays, for the replayer to write that accept first. An accept, once made, never changes.
const REMOVE = `
if tostring(redis.call('HEXISTS', KEYS[5], ARGV[4])) ~= ARGV[5] then return 0 end
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[2])
if redis.call('HGET', KEYS[3], ARGV[3]) == ARGV[4] then redis.call('HDEL', KEYS[3], ARGV[3]) end
redis.call('HDEL', KEYS[4], ARGV[4])
redis.call('HDEL', KEYS[5], ARGV[4])
return 1
`;

type JournalClient = Redis & {
  sosOutageEnqueue(...args: string[]): Promise<[string, string]>;
  sosOutageAccept(...args: string[]): Promise<[string, string?]>;
  sosOutageRelease(...args: string[]): Promise<number>;
  sosOutageRemove(...args: string[]): Promise<number>;
};

/** How long the replay lock holds without being renewed (an instance that died frees it by then). */
const REPLAY_LOCK_MS = 15_000;

/**
 * The outage journal: SOS taken in, and accepts made, while PostgreSQL is unreachable, kept in
 * Redis (a stream for their order, hashes to find them) until the replayer has written them to
 * PostgreSQL. Durable as far as Redis is: run it with the append-only file on (README).
 */
export class OutageJournal {
  private readonly redis: JournalClient;

  constructor(redis: Redis) {
    redis.defineCommand('sosOutageEnqueue', { numberOfKeys: 4, lua: ENQUEUE });
    redis.defineCommand('sosOutageAccept', { numberOfKeys: 2, lua: ACCEPT });
    redis.defineCommand('sosOutageRelease', { numberOfKeys: 1, lua: RELEASE });
    redis.defineCommand('sosOutageRemove', { numberOfKeys: 5, lua: REMOVE });
    this.redis = redis as JournalClient;
  }

  async enqueue(sos: QueuedSos): Promise<EnqueueOutcome> {
    const [kind, value] = await this.redis.sosOutageEnqueue(KEYS.keys, KEYS.open, KEYS.entries, KEYS.stream, keyField(sos.requesterId, sos.idempotencyKey), sos.requesterId, sos.id, JSON.stringify(sos));
    if (kind === 'open') return { kind, openSosId: value };
    return { kind: kind as 'queued' | 'retried', sos: JSON.parse(value) as QueuedSos };
  }

  /** The queued SOS of this person, if any: the one their `idempotencyKey` names, or else their open one. */
  async queuedFor(requesterId: string, idempotencyKey: string): Promise<{ sameKey: QueuedSos | null; openSosId: string | null }> {
    const [sameKeyId, openSosId] = await Promise.all([this.redis.hget(KEYS.keys, keyField(requesterId, idempotencyKey)), this.redis.hget(KEYS.open, requesterId)]);
    return { sameKey: sameKeyId ? await this.get(sameKeyId) : null, openSosId };
  }

  async get(sosId: string): Promise<QueuedSos | null> {
    const json = await this.redis.hget(KEYS.entries, sosId);
    return json ? (JSON.parse(json) as QueuedSos) : null;
  }

  async acceptOf(sosId: string): Promise<JournaledAccept | null> {
    const json = await this.redis.hget(KEYS.accepts, sosId);
    return json ? (JSON.parse(json) as JournaledAccept) : null;
  }

  async accept(sosId: string, accept: JournaledAccept): Promise<AcceptOutcome> {
    const [kind, json] = await this.redis.sosOutageAccept(KEYS.entries, KEYS.accepts, sosId, JSON.stringify(accept));
    if (kind === 'missing') return { kind };
    return { kind: kind as 'accepted' | 'taken', accept: JSON.parse(json!) as JournaledAccept };
  }

  /** Every queued SOS with its accept, in no order (an outage's worth: a few hundred at most). */
  async all(): Promise<{ sos: QueuedSos; accept: JournaledAccept | null }[]> {
    const [entries, accepts] = await Promise.all([this.redis.hvals(KEYS.entries), this.redis.hgetall(KEYS.accepts)]);
    return entries.map((json) => {
      const sos = JSON.parse(json) as QueuedSos;
      return { sos, accept: accepts[sos.id] ? (JSON.parse(accepts[sos.id]) as JournaledAccept) : null };
    });
  }

  /** Whether anything waits to be replayed (asked every second by every instance: one command). */
  async isEmpty(): Promise<boolean> {
    return (await this.redis.xlen(KEYS.stream)) === 0;
  }

  /** The oldest queued SOS, up to `count`, in the order they were taken in. */
  async oldest(count: number): Promise<{ entryId: string; sos: QueuedSos | null }[]> {
    const entries = await this.redis.xrange(KEYS.stream, '-', '+', 'COUNT', count);
    return Promise.all(entries.map(async ([entryId, fields]) => ({ entryId, sos: await this.get(fields[fields.indexOf('sosId') + 1]) })));
  }

  /**
   * Forgets a queued SOS once PostgreSQL has it, with its accept if `withAccept`; false (and
   * nothing forgotten) when an accept came in that the replay did not write. An entry whose SOS
   * is gone from the journal is dropped.
   */
  async remove(entryId: string, sos: QueuedSos | null, withAccept: boolean): Promise<boolean> {
    if (!sos) return (await this.redis.xdel(KEYS.stream, entryId)) >= 0;
    const removed = await this.redis.sosOutageRemove(
      KEYS.stream,
      KEYS.keys,
      KEYS.open,
      KEYS.entries,
      KEYS.accepts,
      entryId,
      keyField(sos.requesterId, sos.idempotencyKey),
      sos.requesterId,
      sos.id,
      withAccept ? '1' : '0',
    );
    return removed === 1;
  }

  /** Takes the replay lock: a token to release it with, or null when another instance replays. */
  async claimReplay(): Promise<string | null> {
    const token = randomUUID();
    return (await this.redis.set(KEYS.replayer, token, 'PX', REPLAY_LOCK_MS, 'NX')) === 'OK' ? token : null;
  }

  async releaseReplay(token: string): Promise<void> {
    await this.redis.sosOutageRelease(KEYS.replayer, token);
  }
}

const keyField = (requesterId: string, idempotencyKey: string) => `${requesterId}|${idempotencyKey}`;
