import { UpdateLocationDocument } from '../../sdk/index';
import { systemContext } from '../../src/platform/auth';
import { redisTarget } from '../../src/platform/redis';
import { signUp } from '../helpers/actors';
import { deleteRedisKeys } from '../helpers/redis-keys';
import { openRawSocket } from '../helpers/raw-socket';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { at, freshCentre, volunteerAt } from '../helpers/volunteers';

const env = useTestEnvironment();
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  [first, second] = await Promise.all([env.start({ PRESENCE_LIVE_SECONDS: '1' }), env.start({ PRESENCE_LIVE_SECONDS: '1' })]);
});

async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe('presence', () => {
  it('a user is online on every instance while they hold a WebSocket on any one', async () => {
    const person = await signUp(first);
    expect(await second.modules.presence.isOnline(person.id)).toBe(false);

    const one = await openRawSocket(first.wsUrl, { authorization: `Bearer ${person.session.accessToken}` });
    await one.next('connection_ack');
    const two = await openRawSocket(first.wsUrl, { authorization: `Bearer ${person.session.accessToken}` });
    await two.next('connection_ack');
    expect(await eventually(() => second.modules.presence.isOnline(person.id))).toBe(true);

    // One of two sockets closing leaves the person online.
    one.socket.close();
    await one.closed;
    await new Promise((r) => setTimeout(r, 100));
    expect(await second.modules.presence.isOnline(person.id)).toBe(true);

    two.socket.close();
    await two.closed;
    expect(await eventually(async () => !(await second.modules.presence.isOnline(person.id)))).toBe(true);
  });

  it('counts the users of an instance whose heartbeat lapsed as offline, and writes them again at its next beat', async () => {
    const person = await signUp(first);
    const socket = await openRawSocket(first.wsUrl, { authorization: `Bearer ${person.session.accessToken}` });
    await socket.next('connection_ack');
    expect(await eventually(() => second.modules.presence.isOnline(person.id))).toBe(true);

    // The heartbeat gone, as when the instance crashed 30 s ago: offline everywhere else.
    const target = redisTarget(first.config);
    await deleteRedisKeys(target, `${env.redisPrefix}presence:instance:${first.modules.presence.instanceId}`);
    expect(await second.modules.presence.isOnline(person.id)).toBe(false);
    // Redis restarted empty: the next beat (every 10 s) finds its heartbeat missing and writes its users again.
    await deleteRedisKeys(target, `${env.redisPrefix}presence:*`);
    expect(await eventually(() => second.modules.presence.isOnline(person.id), 12_000)).toBe(true);
    socket.socket.close();
    await socket.closed;
  }, 20_000);

  it('an unauthenticated socket makes nobody online', async () => {
    const person = await signUp(first);
    const ws = await openRawSocket(first.wsUrl, { authorization: 'Bearer forged' });
    expect((await ws.closed).code).toBe(4401);
    expect(await second.modules.presence.isOnline(person.id)).toBe(false);
  });

  it('a volunteer is live while their location is fresh', async () => {
    const centre = freshCentre();
    const volunteer = await volunteerAt(first, at(10, 0, centre));
    const live = async () => {
      const profile = await second.modules.volunteers.byUserId(systemContext(), volunteer.id);
      return second.modules.volunteers.isLive(systemContext(), profile!);
    };
    await volunteer.client.request(UpdateLocationDocument, { location: at(20, 0, centre) });
    expect(await live()).toBe(true);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await live()).toBe(false);
  });
});
