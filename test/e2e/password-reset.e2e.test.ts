import { LoginDocument, RefreshSessionDocument, RequestPasswordResetDocument, ResetPasswordDocument } from '../../sdk/index';
import { PASSWORD, signUp, uniqueEmail } from '../helpers/actors';
import { queryRows } from '../helpers/databases';
import { expectError } from '../helpers/expect-error';
import { SmtpInbox } from '../helpers/fakes/smtp-inbox';
import { useTestEnvironment, type TestServer } from '../helpers/test-environment';
import { eventually } from '../helpers/wait';

// Mail goes to a real SMTP server this file runs.
const env = useTestEnvironment();
const inbox = new SmtpInbox();
let server: TestServer;

beforeAll(async () => {
  await inbox.start();
  server = await env.start({ SMTP_URL: inbox.url, MAIL_FROM: 'CareConnect <no-reply@careconnect.test>', NOTIFY_SWEEP_SECONDS: '1' });
});

afterAll(async () => {
  await server.stop();
  await inbox.close();
});

afterEach(() => {
  inbox.failWith = null;
});

/** The token as the mail gives it (the app pastes it: no PASSWORD_RESET_URL is set here). */
const tokenIn = (raw: string) => /^([A-Za-z0-9_-]{43})\r?$/m.exec(raw)?.[1];

describe('password reset', () => {
  it('mails a single-use token; the new password works, the old one and every session stop', async () => {
    const person = await signUp(server);
    await person.client.request(RequestPasswordResetDocument, { email: person.email.toUpperCase() });
    const [mail] = await eventually(async () => inbox.to(person.email), (m) => m.length === 1);
    expect(mail.from).toBe('no-reply@careconnect.test');
    expect(mail.raw).toMatch(/Subject: Reset your CareConnect password/);
    const token = tokenIn(mail.raw)!;
    expect(token).toBeDefined();

    const anonymous = server.client();
    const newPassword = 'a new and better passphrase';
    expect((await anonymous.request(ResetPasswordDocument, { input: { token, newPassword } })).resetPassword).toBe(true);
    await expectError(anonymous.request(ResetPasswordDocument, { input: { token, newPassword: 'yet another passphrase' } }), 'BAD_USER_INPUT', { field: 'token' });
    await expectError(anonymous.request(LoginDocument, { input: { email: person.email, password: PASSWORD } }), 'UNAUTHENTICATED');
    expect((await anonymous.request(LoginDocument, { input: { email: person.email, password: newPassword } })).login.user.id).toBe(person.id);
    await expectError(anonymous.request(RefreshSessionDocument, { refreshToken: person.session.refreshToken }), 'UNAUTHENTICATED');

    // Neither the token nor anything that leads to it stays behind.
    expect(await queryRows(env.databaseUrl, 'SELECT 1 FROM password_resets WHERE token_hash = $1', [token])).toEqual([]);
    const [row] = await eventually(
      () => queryRows<{ status: string; kept: boolean }>(env.databaseUrl, "SELECT status, payload ? 'token' AS kept FROM notifications WHERE user_id = $1 AND category = 'PASSWORD_RESET'", [person.id]),
      (rows) => rows[0]?.status === 'SENT',
    );
    expect(row.kept).toBe(false);
  });

  it('answers the same for an address without an account, and mails nothing', async () => {
    const email = uniqueEmail('nobody');
    expect((await server.client().request(RequestPasswordResetDocument, { email })).requestPasswordReset).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(inbox.to(email)).toEqual([]);
  });

  it('refuses a weak new password and a made-up token', async () => {
    const anonymous = server.client();
    await expectError(anonymous.request(ResetPasswordDocument, { input: { token: 'x'.repeat(43), newPassword: 'short' } }), 'BAD_USER_INPUT', { field: 'newPassword' });
    await expectError(anonymous.request(ResetPasswordDocument, { input: { token: 'x'.repeat(43), newPassword: 'long enough passphrase' } }), 'BAD_USER_INPUT', { field: 'token' });
  });

  it('retries account mail minutes later when the server says to try later', async () => {
    const person = await signUp(server);
    inbox.failWith = 451;
    await person.client.request(RequestPasswordResetDocument, { email: person.email });
    const [row] = await eventually(
      () =>
        queryRows<{ status: string; attempts: number; last_error: string; wait: number }>(
          env.databaseUrl,
          "SELECT status, attempts, last_error, extract(epoch FROM next_attempt_at - now())::float8 AS wait FROM notifications WHERE user_id = $1 AND category = 'PASSWORD_RESET'",
          [person.id],
        ),
      (rows) => rows[0]?.attempts === 1 && rows[0].last_error !== null,
    );
    expect(row).toMatchObject({ status: 'PENDING', last_error: 'SMTP 451' });
    expect(row.wait).toBeGreaterThan(50);
    // The retry time is the API's clock, the wait is the database's: a second of leeway.
    expect(row.wait).toBeLessThanOrEqual(61);
  });

  it('limits the resets asked for one address', async () => {
    const person = await signUp(server);
    for (let i = 0; i < 3; i++) await server.client().request(RequestPasswordResetDocument, { email: person.email });
    await expectError(server.client().request(RequestPasswordResetDocument, { email: person.email }), 'RATE_LIMITED');
  });
});
