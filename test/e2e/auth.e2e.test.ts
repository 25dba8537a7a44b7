import { CareConnectClient, LoginDocument, LogoutDocument, MeDocument, RefreshSessionDocument, RegisterDocument } from '../../sdk/index';
import { PASSWORD, signUp, uniqueEmail } from '../helpers/actors';
import { expectError } from '../helpers/expect-error';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { craftAccessToken } from '../helpers/tokens';

const env = useTestEnvironment();
let server: TestServer;

beforeAll(async () => {
  server = await env.start();
});

describe('register', () => {
  it('creates a USER, normalises the email and signs the person in', async () => {
    const client = server.client();
    const email = uniqueEmail('Mixed.Case');
    const { register } = await client.request(RegisterDocument, {
      input: { email: `  ${email.toUpperCase()} `, password: PASSWORD, displayName: '  Ann Example ', phone: '+4915112345678' },
    });
    expect(register.user).toMatchObject({ email: email.toLowerCase(), displayName: 'Ann Example', role: 'USER', phoneVerified: false });
    expect(register.refreshToken).toMatch(/^rt_/);
    const expiresIn = Date.parse(register.accessTokenExpiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);

    client.setSession(register);
    const { me } = await client.request(MeDocument);
    expect(me).toEqual(register.user);
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    const first = await signUp(server);
    await expectError(
      server.client().request(RegisterDocument, { input: { email: first.email.toUpperCase(), password: PASSWORD, displayName: 'Copy' } }),
      'CONFLICT',
      { field: 'email' },
    );
  });

  it('stores only a hash of the password', async () => {
    const actor = await signUp(server);
    const { default: pg } = await import('pg');
    const db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    const { rows } = await db.query('SELECT password_hash FROM credentials WHERE user_id = $1', [actor.id]);
    await db.end();
    expect(rows[0].password_hash).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(rows[0].password_hash).not.toContain(PASSWORD);
  });
});

describe('login', () => {
  it('signs in with the right password, also with a differently cased email', async () => {
    const actor = await signUp(server);
    const { login } = await server.client().request(LoginDocument, { input: { email: ` ${actor.email.toUpperCase()}`, password: PASSWORD } });
    expect(login.user.id).toBe(actor.id);
    expect(login.user.email).toBe(actor.email);
  });

  it('answers a wrong password and an unknown email alike', async () => {
    const actor = await signUp(server);
    const wrong = await expectError(server.client().request(LoginDocument, { input: { email: actor.email, password: 'not the password' } }), 'UNAUTHENTICATED');
    const unknown = await expectError(server.client().request(LoginDocument, { input: { email: uniqueEmail(), password: PASSWORD } }), 'UNAUTHENTICATED');
    expect(wrong.message).toBe(unknown.message);
  });
});

describe('refresh tokens', () => {
  it('rotate: each refresh returns a new pair and the old refresh token stops working', async () => {
    const actor = await signUp(server);
    const client = server.client();
    const { refreshSession } = await client.request(RefreshSessionDocument, { refreshToken: actor.session.refreshToken });
    expect(refreshSession.refreshToken).not.toBe(actor.session.refreshToken);
    expect(refreshSession.user.id).toBe(actor.id);

    client.setSession(refreshSession);
    expect((await client.request(MeDocument)).me.id).toBe(actor.id);
    const again = await client.request(RefreshSessionDocument, { refreshToken: refreshSession.refreshToken });
    expect(again.refreshSession.refreshToken).not.toBe(refreshSession.refreshToken);
  });

  it('reuse of a rotated token revokes the whole family, including its newest token', async () => {
    const actor = await signUp(server);
    const client = server.client();
    const { refreshSession: rotated } = await client.request(RefreshSessionDocument, { refreshToken: actor.session.refreshToken });

    // The old token shows up again: someone copied it.
    await expectError(client.request(RefreshSessionDocument, { refreshToken: actor.session.refreshToken }), 'UNAUTHENTICATED');
    await expectError(client.request(RefreshSessionDocument, { refreshToken: rotated.refreshToken }), 'UNAUTHENTICATED');
  });

  it('other sessions of the same person survive a revoked family', async () => {
    const actor = await signUp(server);
    const { login: otherDevice } = await server.client().request(LoginDocument, { input: { email: actor.email, password: PASSWORD } });
    await server.client().request(RefreshSessionDocument, { refreshToken: actor.session.refreshToken });
    await expectError(server.client().request(RefreshSessionDocument, { refreshToken: actor.session.refreshToken }), 'UNAUTHENTICATED');
    const { refreshSession } = await server.client().request(RefreshSessionDocument, { refreshToken: otherDevice.refreshToken });
    expect(refreshSession.user.id).toBe(actor.id);
  });

  it('concurrent refreshes with one token: exactly one wins', async () => {
    const actor = await signUp(server);
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, () => server.client().request(RefreshSessionDocument, { refreshToken: actor.session.refreshToken })),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
  });

  it('a copied token used at the same moment as the owner\'s rotation still revokes the rotated token', async () => {
    for (let round = 0; round < 5; round++) {
      const actor = await signUp(server);
      const attempts = await Promise.allSettled([1, 2].map(() => server.client().request(RefreshSessionDocument, { refreshToken: actor.session.refreshToken })));
      const [winner] = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value.refreshSession] : []));
      expect(winner).toBeDefined();
      await expectError(server.client().request(RefreshSessionDocument, { refreshToken: winner.refreshToken }), 'UNAUTHENTICATED');
    }
  });

  it('an unknown token is UNAUTHENTICATED', async () => {
    await expectError(server.client().request(RefreshSessionDocument, { refreshToken: 'rt_nonsense' }), 'UNAUTHENTICATED');
  });

  it('the SDK refreshes by itself when the access token has expired', async () => {
    const actor = await signUp(server);
    const sessions: unknown[] = [];
    const client = server.client({ ...actor.session, accessToken: craftAccessToken(actor.id, { expiresInSeconds: -60 }) });
    const original = client.setSession.bind(client);
    client.setSession = (s) => {
      sessions.push(s);
      original(s);
    };
    const { me } = await client.request(MeDocument);
    expect(me.id).toBe(actor.id);
    expect(sessions).toHaveLength(1);
    expect(client.currentSession?.refreshToken).not.toBe(actor.session.refreshToken);
  });
});

describe('logout', () => {
  it('revokes the session: its refresh token no longer works', async () => {
    const actor = await signUp(server);
    expect((await actor.client.request(LogoutDocument, { refreshToken: actor.session.refreshToken })).logout).toBe(true);
    await expectError(server.client().request(RefreshSessionDocument, { refreshToken: actor.session.refreshToken }), 'UNAUTHENTICATED');
  });

  it('is idempotent and says nothing about unknown tokens', async () => {
    expect((await server.client().request(LogoutDocument, { refreshToken: 'rt_unknown' })).logout).toBe(true);
  });
});

describe('the SDK session', () => {
  it('is forgotten when the refresh token is refused, kept when the server cannot be reached', async () => {
    const actor = await signUp(server);
    const expired = { ...actor.session, accessToken: craftAccessToken(actor.id, { expiresInSeconds: -60 }) };

    const unreachable = new CareConnectClient({ url: 'http://127.0.0.1:9/graphql', session: expired });
    await expect(unreachable.request(MeDocument)).rejects.toThrow();
    expect(unreachable.currentSession).not.toBeNull();

    const revoked = server.client({ ...expired, refreshToken: 'rt_revoked' });
    await expectError(revoked.request(MeDocument), 'UNAUTHENTICATED');
    expect(revoked.currentSession).toBeNull();
  });
});
