import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { printAppSchema } from '../../src/app/schema';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('schema.graphql', () => {
  it('is what the code emits (run `npm run schema` and commit the result)', () => {
    expect(read('schema.graphql')).toBe(printAppSchema());
  });
});

describe('the SDK', () => {
  it('is generated from the committed schema and operations (run `npm run codegen`)', () => {
    const out = mkdtempSync(join(tmpdir(), 'sdk-'));
    try {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'graphql-codegen'), ['--config', 'codegen.ts', '--silent'], {
        cwd: ROOT,
        env: { ...process.env, SDK_OUT: `${out}/` },
      });
      const files = readdirSync(out);
      expect(files.sort()).toEqual(readdirSync(join(ROOT, 'sdk', 'generated')).sort());
      for (const file of files) expect(read(join('sdk', 'generated', file))).toBe(readFileSync(join(out, file), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the API contract (docs/api-contract.graphql), diffed by GraphQL Inspector', () => {
  const contractSdl = readFileSync(join(ROOT, 'docs', 'api-contract.graphql'), 'utf8');
  const contract = buildSchema(contractSdl);
  const levelOf = async (served: GraphQLSchema, level: CriticalityLevel) =>
    (await diff(contract, served)).filter((change) => change.criticality.level === level).map((change) => change.message);

  it('is served with additions only: a breaking change fails here unless the contract changes with it', async () => {
    const served = buildSchema(read('schema.graphql'));
    const dangerous = await levelOf(served, CriticalityLevel.Dangerous);
    // Dangerous changes (a new enum value, a changed default) may be fine: they are shown, not refused.
    if (dangerous.length > 0) console.warn(`dangerous changes to the API contract:\n${dangerous.join('\n')}`);
    expect(await levelOf(served, CriticalityLevel.Breaking)).toEqual([]);
  });

  it('would catch a dropped or renamed field', async () => {
    const renamed = buildSchema(contractSdl.replace(/\braiseSos\(/, 'raiseEmergency('));
    expect(await levelOf(renamed, CriticalityLevel.Breaking)).toEqual(["Field 'raiseSos' was removed from object type 'Mutation'"]);
  });
});
