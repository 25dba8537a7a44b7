// Writes schema.graphql from the type-graphql classes (`npm run schema`). test/e2e/schema.e2e.test.ts
// fails when the committed file differs, so run this after changing the API and commit the result.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printAppSchema } from '../src/app/schema';

const path = join(__dirname, '..', 'schema.graphql');
writeFileSync(path, printAppSchema());
console.log(`wrote ${path}`);
