import { registerEnumType } from 'type-graphql';
import { Skill } from '../../../generated/prisma/enums';

export { Skill };

registerEnumType(Skill, { name: 'Skill', description: 'What a volunteer can do; an SOS may require some.' });

const ORDER = Object.values(Skill);

/** Skills as a bit mask, so Redis can filter candidates by skill inside the search script. */
export function skillMask(skills: readonly Skill[]): number {
  return skills.reduce((mask, skill) => mask | (1 << ORDER.indexOf(skill)), 0);
}
