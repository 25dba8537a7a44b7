// `npm run docs:config`: rewrites the README's configuration table from src/config/config.schema.ts,
// between the config-table markers. test/unit/config.test.ts fails when the README is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTable } from '../src/config';

const README = join(__dirname, '..', 'README.md');
const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';

const readme = readFileSync(README, 'utf8');
const [before, rest] = readme.split(START);
if (rest === undefined || !rest.includes(END)) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
writeFileSync(README, `${before}${START}\n${configTable()}\n${END}${rest.slice(rest.indexOf(END) + END.length)}`);
console.log('README configuration table updated');
