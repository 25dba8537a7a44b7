import type { Db, DbClient, RoleName, Sql, UserRow } from '../../platform/db';

export interface NewUser {
  email: string;
  displayName: string;
  phone?: string | null;
  role: RoleName;
}

const USER_COLUMNS = `id, email, display_name AS "displayName", phone, phone_verified AS "phoneVerified", role,
  flagged_for_review AS "flaggedForReview", flag_reasons AS "flagReasons", created_at AS "createdAt", updated_at AS "updatedAt"`;

export class UsersRepository {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
  ) {}

  findById(id: string): Promise<UserRow | null> {
    return this.db.user.findUnique({ where: { id } });
  }

  /** Every authenticated request runs this (viewer and role), so it is raw SQL: a quarter of Prisma's CPU cost. */
  async findByIds(ids: readonly string[]): Promise<UserRow[]> {
    const { rows } = await this.sql.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::uuid[])`, [ids]);
    return rows;
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
