import { LoginDocument, RegisterDocument, UserByIdDocument, type RegisterInput } from '../../sdk/index';
import { PASSWORD, Role, signInAs, uniqueEmail } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { queryRows } from '../helpers/databases';

const env = useTestEnvironment();
let server: TestServer;

beforeAll(async () => {
  server = await env.start();
});

async function userCount(): Promise<number> {
  const [{ n }] = await queryRows<{ n: number }>(env.databaseUrl, 'SELECT count(*)::int AS n FROM users');
  return n;
}

describe('register rejects bad input, naming the field, and writes nothing', () => {
  const valid = (): RegisterInput => ({ email: uniqueEmail(), password: PASSWORD, displayName: 'Valid Name' });
  const cases: [string, Partial<RegisterInput>, string][] = [
    ['empty email', { email: '' }, 'email'],
    ['blank email', { email: '   ' }, 'email'],
    ['malformed email', { email: 'not-an-email' }, 'email'],
    ['email with a space inside', { email: 'ann example@test.dev' }, 'email'],
    ['too long email', { email: `${'a'.repeat(250)}@test.dev` }, 'email'],
    ['short password', { password: 'nine char' }, 'password'],
    ['empty password', { password: '' }, 'password'],
    ['too long password', { password: 'x'.repeat(257) }, 'password'],
    ['empty display name', { displayName: '' }, 'displayName'],
    ['blank display name', { displayName: '    ' }, 'displayName'],
    ['too long display name', { displayName: 'n'.repeat(81) }, 'displayName'],
    ['malformed phone', { phone: '0151 1234' }, 'phone'],
  ];

  it.each(cases)('%s', async (_name, change, field) => {
    const before = await userCount();
    const error = await expectError(server.client().request(RegisterDocument, { input: { ...valid(), ...change } }), 'BAD_USER_INPUT', { field });
    expect(error.message).toMatch(new RegExp(`^${field}: `));
    expect(await userCount()).toBe(before);
  });

  it('a missing required field is refused before any resolver runs', async () => {
    const input = { email: uniqueEmail(), displayName: 'No Password' } as RegisterInput;
    const error = await expectError(server.client().request(RegisterDocument, { input }), 'BAD_USER_INPUT');
    expect(error.message).toMatch(/password/);
  });

  it('accepts exactly 10 password characters and 80 name characters', async () => {
    const { register } = await server.client().request(RegisterDocument, { input: { ...valid(), password: '0123456789', displayName: 'n'.repeat(80) } });
    expect(register.user.displayName).toHaveLength(80);
  });
});

describe('login rejects bad input', () => {
  it.each([
    ['empty email', { email: '', password: PASSWORD }, 'email'],
    ['malformed email', { email: 'nope', password: PASSWORD }, 'email'],
    ['empty password', { email: uniqueEmail(), password: '' }, 'password'],
    ['too long password', { email: uniqueEmail(), password: 'x'.repeat(257) }, 'password'],
  ])('%s', async (_name, input, field) => {
    await expectError(server.client().request(LoginDocument, { input }), 'BAD_USER_INPUT', { field });
  });
});

describe('ids', () => {
  it('a malformed id is BAD_USER_INPUT, an unknown one is null', async () => {
    const admin = await signInAs(server, Role.ADMIN);
    await expectError(admin.client.request(UserByIdDocument, { id: 'nope' }), 'BAD_USER_INPUT', { field: 'id' });
    const { user } = await admin.client.request(UserByIdDocument, { id: '00000000-0000-4000-8000-000000000000' });
    expect(user).toBeNull();
  });
});
