import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, isEnumType, isInputObjectType, isObjectType, isScalarType, type GraphQLNamedType, type GraphQLSchema } from 'graphql';
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

describe('the auth part of the API contract', () => {
  const contract = buildSchema(readFileSync(join(ROOT, '..', 'shared', 'design', 'api-contract.graphql'), 'utf8'));
  const served = buildSchema(read('schema.graphql'));
  // The volunteers issue adds User.volunteer (and VolunteerProfile with it).
  const LATER = new Set(['User.volunteer']);

  /** A type as a comparable shape: fields (with argument and return types) or enum values. */
  function shape(type: GraphQLNamedType | undefined | null, only?: string[]): Record<string, string> {
    if (!type) return {};
    if (isEnumType(type)) return Object.fromEntries(type.getValues().map((v) => [v.name, 'value']));
    if (isScalarType(type)) return { scalar: type.name };
    if (isObjectType(type) || isInputObjectType(type)) {
      return Object.fromEntries(
        Object.values(type.getFields())
          .filter((f) => !LATER.has(`${type.name}.${f.name}`) && (!only || only.includes(f.name)))
          .map((f) => [f.name, `${'args' in f ? `(${f.args.map((a: { name: string; type: unknown }) => `${a.name}: ${String(a.type)}`).join(', ')})` : ''}: ${String(f.type)}`]),
      );
    }
    return {};
  }
  const pick = (schema: GraphQLSchema, name: string, only?: string[]) => shape(schema.getType(name), only);

  it.each(['User', 'Role', 'AuthPayload', 'RegisterInput', 'LoginInput', 'DateTime'])('%s is served exactly as written', (name) => {
    expect(pick(served, name)).toEqual(pick(contract, name));
  });

  it('me, register, login, refreshSession and logout are served exactly as written', () => {
    expect(pick(served, 'Query', ['me'])).toEqual(pick(contract, 'Query', ['me']));
    const mutations = ['register', 'login', 'refreshSession', 'logout'];
    expect(pick(served, 'Mutation', mutations)).toEqual(pick(contract, 'Mutation', mutations));
  });
});
