import { hashPassword, verifyPassword } from '../../src/platform/auth';

describe('password hashing (scrypt)', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('correct horse battery', 10);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hashPassword('same password', 10)).not.toBe(await hashPassword('same password', 10));
  });

  it('keeps its parameters, so hashes made at another cost still verify', async () => {
    const cheap = await hashPassword('a password!', 10);
    const dearer = await hashPassword('a password!', 12);
    expect(cheap.split('$')[1]).toBe('10');
    expect(dearer.split('$')[1]).toBe('12');
    expect(await verifyPassword('a password!', cheap)).toBe(true);
    expect(await verifyPassword('a password!', dearer)).toBe(true);
  });

  it('treats differently composed Unicode as the same password', async () => {
    const hash = await hashPassword('caf\u00e9 au lait!', 10);
    expect(await verifyPassword('cafe\u0301 au lait!', hash)).toBe(true);
  });

  it('rejects a malformed stored hash instead of throwing', async () => {
    expect(await verifyPassword('anything at all', 'not-a-hash')).toBe(false);
    expect(await verifyPassword('anything at all', 'bcrypt$10$x$y')).toBe(false);
  });
});
