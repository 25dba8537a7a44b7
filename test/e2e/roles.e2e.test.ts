import { RegisterDocument, UserByIdDocument, type RegisterInput } from '../../sdk/index';
import { PASSWORD, Role, signInAs, signUp, uniqueEmail } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';

const env = useTestEnvironment();
let server: TestServer;

beforeAll(async () => {
  server = await env.start();
});

describe('staff-only queries', () => {
  it('anonymous callers are UNAUTHENTICATED; USER and VOLUNTEER are FORBIDDEN', async () => {
    const person = await signUp(server);
    await expectError(server.client().request(UserByIdDocument, { id: person.id }), 'UNAUTHENTICATED');
    for (const role of [Role.USER, Role.VOLUNTEER]) {
      const caller = await signInAs(server, role);
      await expectError(caller.client.request(UserByIdDocument, { id: person.id }), 'FORBIDDEN');
    }
  });

  it('a professional may look a person up but does not see their email; an admin does', async () => {
    const person = await signUp(server);
    const professional = await signInAs(server, Role.PROFESSIONAL);
    const admin = await signInAs(server, Role.ADMIN);
    const seenByProfessional = (await professional.client.request(UserByIdDocument, { id: person.id })).user;
    const seenByAdmin = (await admin.client.request(UserByIdDocument, { id: person.id })).user;
    expect(seenByProfessional).toMatchObject({ id: person.id, displayName: 'Test Person', email: null });
    expect(seenByAdmin).toMatchObject({ id: person.id, email: person.email });
  });

  it('a staff member sees their own email', async () => {
    const professional = await signInAs(server, Role.PROFESSIONAL);
    const { user } = await professional.client.request(UserByIdDocument, { id: professional.id });
    expect(user?.email).toBe(professional.email);
  });
});

describe('roles are read fresh on every request', () => {
  it('a promotion or demotion applies to tokens already issued', async () => {
    const person = await signUp(server);
    await expectError(person.client.request(UserByIdDocument, { id: person.id }), 'FORBIDDEN');
    await server.modules.auth.ensureAccount({ email: person.email, password: PASSWORD, displayName: 'Promoted', role: Role.PROFESSIONAL });
    expect((await person.client.request(UserByIdDocument, { id: person.id })).user?.role).toBe('PROFESSIONAL');
    await server.modules.auth.ensureAccount({ email: person.email, password: PASSWORD, displayName: 'Demoted', role: Role.USER });
    await expectError(person.client.request(UserByIdDocument, { id: person.id }), 'FORBIDDEN');
  });
});

describe('nobody signs themself up as staff', () => {
  it('register has no role to set', async () => {
    const input = { email: uniqueEmail(), password: PASSWORD, displayName: 'Sneaky', role: 'ADMIN' } as RegisterInput;
    await expectError(server.client().request(RegisterDocument, { input }), 'BAD_USER_INPUT');
  });
});
