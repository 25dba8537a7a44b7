import { registerEnumType } from 'type-graphql';
import { Role } from '../db';

export { Role };

registerEnumType(Role, { name: 'Role' });
