import { LoginDocument, RegisterDocument } from '../../sdk/index';
import { PASSWORD, signUp, uniqueEmail } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';

const env = useTestEnvironment();
let server: TestServer;

beforeAll(async () => {
  server = await env.start({
    LOGIN_FAILURES_PER_ACCOUNT: '3',
    LOGIN_FAILURES_PER_IP: '4',
    LOGIN_FAILURE_WINDOW_SECONDS: '600',
    REGISTRATIONS_PER_IP_PER_HOUR: '2',
    TRUSTED_PROXIES: 'loopback',
  });
});

/** A client that the server sees as coming from `ip` (through the trusted local proxy). */
const from = (ip: string) => server.client(null, { 'x-forwarded-for': ip });

let nextIp = 1;
/** Each sign-up from an address of its own, so the registration limit of 2 is not what these tests hit. */
const newPerson = () => signUp(server, {}, { 'x-forwarded-for': `10.77.0.${nextIp++}` });

const failLogin = (email: string, ip: string) => expectError(from(ip).request(LoginDocument, { input: { email, password: 'wrong password!' } }), 'UNAUTHENTICATED');

describe('failed logins per account', () => {
  it('locks the account after the limit, even for the right password, with retryAfterSeconds', async () => {
    const actor = await newPerson();
    for (let i = 0; i < 3; i++) await failLogin(actor.email, `198.51.100.${i + 1}`);
    const error = await expectError(from('198.51.100.50').request(LoginDocument, { input: { email: actor.email, password: PASSWORD } }), 'RATE_LIMITED');
    expect(error.extensions.retryAfterSeconds).toBeGreaterThan(590);
    expect(error.extensions.retryAfterSeconds).toBeLessThanOrEqual(600);
  });

  it('a burst of concurrent guesses gets no more tries than the limit', async () => {
    const actor = await newPerson();
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => from(`198.51.100.${100 + i}`).request(LoginDocument, { input: { email: actor.email, password: `guess ${i} wrong` } })),
    );
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'OK'));
    expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(3);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(9);
  });

  it('a successful login clears the account counter', async () => {
    const actor = await newPerson();
    await failLogin(actor.email, '198.51.100.60');
    await failLogin(actor.email, '198.51.100.60');
    await from('198.51.100.61').request(LoginDocument, { input: { email: actor.email, password: PASSWORD } });
    await failLogin(actor.email, '198.51.100.62');
    await failLogin(actor.email, '198.51.100.62');
    const { login } = await from('198.51.100.63').request(LoginDocument, { input: { email: actor.email, password: PASSWORD } });
    expect(login.user.id).toBe(actor.id);
  });

  it('counts the email however it is cased', async () => {
    const actor = await newPerson();
    for (const variant of [actor.email, actor.email.toUpperCase(), ` ${actor.email}`]) await failLogin(variant, '198.51.100.70');
    await expectError(from('198.51.100.71').request(LoginDocument, { input: { email: actor.email, password: PASSWORD } }), 'RATE_LIMITED');
  });
});

describe('failed logins per IP', () => {
  it('blocks an address that keeps failing across accounts, not other addresses', async () => {
    const attacker = '203.0.113.7';
    for (let i = 0; i < 4; i++) await failLogin(uniqueEmail('probe'), attacker);
    const victim = await newPerson();
    await expectError(from(attacker).request(LoginDocument, { input: { email: victim.email, password: PASSWORD } }), 'RATE_LIMITED', {
      retryAfterSeconds: expect.any(Number),
    });
    const { login } = await from('203.0.113.8').request(LoginDocument, { input: { email: victim.email, password: PASSWORD } });
    expect(login.user.id).toBe(victim.id);
  });

  it('X-Forwarded-For from an untrusted peer is ignored, so it cannot dodge the limit', async () => {
    const direct = await env.start({ LOGIN_FAILURES_PER_IP: '2', TRUSTED_PROXIES: '' });
    const victim = await signUp(direct);
    for (const ip of ['192.0.2.1', '192.0.2.2']) {
      await expectError(direct.client(null, { 'x-forwarded-for': ip }).request(LoginDocument, { input: { email: uniqueEmail(), password: 'wrong password!' } }), 'UNAUTHENTICATED');
    }
    await expectError(
      direct.client(null, { 'x-forwarded-for': '192.0.2.3' }).request(LoginDocument, { input: { email: victim.email, password: PASSWORD } }),
      'RATE_LIMITED',
    );
  });
});

describe('registrations per IP', () => {
  it('allows REGISTRATIONS_PER_IP_PER_HOUR and then RATE_LIMITED for about an hour', async () => {
    const register = () => from('203.0.113.99').request(RegisterDocument, { input: { email: uniqueEmail(), password: PASSWORD, displayName: 'Bulk' } });
    await register();
    await register();
    const error = await expectError(register(), 'RATE_LIMITED');
    expect(error.extensions.retryAfterSeconds).toBeGreaterThan(3500);
    expect(error.extensions.retryAfterSeconds).toBeLessThanOrEqual(3600);
  });
});
