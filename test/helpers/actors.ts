import { randomBytes } from 'node:crypto';
import { Role } from '../../src/platform/auth';
import { LoginDocument, RegisterDocument, type RegisterInput, type Session, type CareConnectClient } from '../../sdk/index';
import type { ClientFactory, TestServer } from './test-environment';

export const PASSWORD = 'correct horse battery staple';

export interface Actor {
  client: CareConnectClient;
  session: Session;
  email: string;
  password: string;
  id: string;
}

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomBytes(5).toString('hex')}@test.careconnect.dev`;
}

/** Registers a new person through the API, as the apps do, and returns a signed-in client. */
export async function signUp(server: ClientFactory, input: Partial<RegisterInput> = {}, headers?: Record<string, string>): Promise<Actor> {
  const client = server.client(null, headers);
  const registration: RegisterInput = { email: uniqueEmail(), password: PASSWORD, displayName: 'Test Person', ...input };
  const { register } = await client.request(RegisterDocument, { input: registration });
  client.setSession(register);
  return { client, session: register, email: registration.email, password: registration.password, id: register.user.id };
}

/**
 * A signed-in client of any role. Staff accounts cannot sign themselves up, so the account is
 * made the way an operator makes one (`npm run user:create`), then signs in through the API.
 */
export async function signInAs(server: TestServer, role: Role, displayName = `Test ${role.toLowerCase()}`): Promise<Actor> {
  const email = uniqueEmail(role.toLowerCase());
  await server.modules.auth.ensureAccount({ email, password: PASSWORD, displayName, role });
  const client = server.client();
  const { login } = await client.request(LoginDocument, { input: { email, password: PASSWORD } });
  client.setSession(login);
  return { client, session: login, email, password: PASSWORD, id: login.user.id };
}

export { Role };
