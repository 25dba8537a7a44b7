import { IceServersDocument, ResolveSosDocument } from '../../sdk/index';
import { signUp } from '../helpers/actors';
import { acceptedSos } from '../helpers/chat';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { TurnServer } from '../helpers/turn-server';

// A real TURN server (coturn, started here with use-auth-secret) checks the credentials the API issues.
const env = useTestEnvironment();
const turn = new TurnServer();
let server: TestServer;

beforeAll(async () => {
  await turn.start();
  server = await env.start({
    STUN_URLS: `stun:127.0.0.1:${turn.port}`,
    TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=udp`,
    TURN_SHARED_SECRET: turn.secret,
    TURN_CREDENTIAL_TTL_SECONDS: '600',
  });
});

afterAll(() => {
  turn.stop();
});

describe('ICE servers for a call', () => {
  it('give the people of an SOS TURN credentials that coturn accepts for a relay; a changed one it refuses', async () => {
    const { person, volunteer, sosId } = await acceptedSos(server);
    const servers = (await person.client.request(IceServersDocument, { sosId })).iceServers;
    expect(servers).toEqual([
      { urls: [`stun:127.0.0.1:${turn.port}`], username: null, credential: null },
      { urls: [`turn:127.0.0.1:${turn.port}?transport=udp`], username: expect.stringMatching(new RegExp(`^\\d+:${person.id}$`)), credential: expect.any(String) },
    ]);
    const { username, credential } = servers[1];
    const expiry = Number(username!.split(':')[0]);
    expect(expiry - Date.now() / 1000).toBeGreaterThan(590);
    expect(expiry - Date.now() / 1000).toBeLessThanOrEqual(600);

    expect(turn.allocate(username!, credential!)).toBe(true);
    expect(turn.allocate(username!, `${credential!.slice(0, -2)}AA`)).toBe(false);
    // The volunteer gets credentials of their own.
    const [, theirs] = (await volunteer.client.request(IceServersDocument, { sosId })).iceServers;
    expect(theirs.username).toMatch(new RegExp(`:${volunteer.id}$`));
  });

  it('are for the people of an SOS while help is on the way only', async () => {
    const { person, sosId } = await acceptedSos(server);
    await expectError((await signUp(server)).client.request(IceServersDocument, { sosId }), 'NOT_FOUND');
    await person.client.request(ResolveSosDocument, { sosId });
    await expectError(person.client.request(IceServersDocument, { sosId }), 'CONFLICT');
  });
});
