import { registerEnumType } from 'type-graphql';
import { Role } from '../../generated/prisma/enums';

export { Role };

registerEnumType(Role, { name: 'Role' });
