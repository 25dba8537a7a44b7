import type { Db, DbClient, RoleName, UserRow } from '../../platform/db';

export interface NewUser {
  email: string;
  displayName: string;
  phone?: string | null;
  role: RoleName;
}

export class UsersRepository {
  constructor(private readonly db: Db) {}

  findById(id: string): Promise<UserRow | null> {
    return this.db.user.findUnique({ where: { id } });
  }

  findByIds(ids: readonly string[]): Promise<UserRow[]> {
    return this.db.user.findMany({ where: { id: { in: [...ids] } } });
  }

  findByEmail(email: string): Promise<UserRow | null> {
    return this.db.user.findUnique({ where: { email } });
  }

  create(user: NewUser, client: DbClient = this.db): Promise<UserRow> {
    return client.user.create({ data: user });
  }

  update(id: string, changes: Partial<Pick<NewUser, 'displayName' | 'role'>>, client: DbClient = this.db): Promise<UserRow> {
    return client.user.update({ where: { id }, data: changes });
  }
}
