import { registerEnumType } from 'type-graphql';
import { Role } from '../db';

export { Role };

registerEnumType(Role, { name: 'Role' });

/** PROFESSIONAL and ADMIN: the staff who oversee SOS. */
export const isStaff = (role: Role | null | undefined): boolean => role === Role.PROFESSIONAL || role === Role.ADMIN;
