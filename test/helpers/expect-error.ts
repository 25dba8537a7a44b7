import { CareConnectError } from '../../sdk/index';

/** Awaits a call that must fail with the given `extensions.code` (and extensions, when given). */
export async function expectError(call: Promise<unknown>, code: string, extensions: Record<string, unknown> = {}): Promise<CareConnectError> {
  let error: unknown;
  try {
    await call;
  } catch (err) {
    error = err;
  }
  if (!(error instanceof CareConnectError)) {
    throw new Error(`expected a ${code} error, got ${error === undefined ? 'success' : String(error)}`);
  }
  expect(error.code).toBe(code);
  expect(error.extensions).toMatchObject(extensions);
  // No error a client sees ever carries internals.
  expect(JSON.stringify(error.errors)).not.toMatch(/stacktrace|prisma|SELECT |INSERT |\.ts:\d+/i);
  return error;
}
