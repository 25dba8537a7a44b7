import { registerEnumType } from 'type-graphql';
import { Skill } from '../../../platform/db';

export { Skill };

registerEnumType(Skill, { name: 'Skill', description: 'What a volunteer can do; an SOS may require some.' });

/** Every skill in a fixed order: bit i of a skill mask is SKILLS[i]. */
export const SKILLS: readonly Skill[] = Object.values(Skill);

/** Skills as a bit mask, so Redis can filter candidates by skill inside the search script. */
export function skillMask(skills: readonly Skill[]): number {
  return skills.reduce((mask, skill) => mask | (1 << SKILLS.indexOf(skill)), 0);
}
