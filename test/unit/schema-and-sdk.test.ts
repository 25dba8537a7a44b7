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

describe('the API contract, part by part as it is built', () => {
  const contract = buildSchema(readFileSync(join(ROOT, 'docs', 'api-contract.graphql'), 'utf8'));
  const served = buildSchema(read('schema.graphql'));

  /** A type as a comparable shape: fields (with argument and return types; arguments are named, so unordered) or enum values. */
  function shape(type: GraphQLNamedType | undefined | null, only?: string[]): Record<string, string> {
    if (!type) return {};
    if (isEnumType(type)) return Object.fromEntries(type.getValues().map((v) => [v.name, 'value']));
    if (isScalarType(type)) return { scalar: type.name };
    if (isObjectType(type) || isInputObjectType(type)) {
      return Object.fromEntries(
        Object.values(type.getFields())
          .filter((f) => !only || only.includes(f.name))
          .map((f) => [f.name, `${'args' in f ? `(${f.args.map((a: { name: string; type: unknown }) => `${a.name}: ${String(a.type)}`).sort().join(', ')})` : ''}: ${String(f.type)}`]),
      );
    }
    return {};
  }
  const pick = (schema: GraphQLSchema, name: string, only?: string[]) => shape(schema.getType(name), only);

  // Types served exactly as written (the server may add fields: those are left out of the comparison).
  const TYPES = [
    ...['User', 'Role', 'AuthPayload', 'RegisterInput', 'LoginInput', 'DateTime'],
    ...['VolunteerProfile', 'Skill', 'GeoPoint', 'GeoPointInput', 'LocationAck', 'NearbyVolunteer', 'VolunteerSignupInput'],
    ...['SosRequest', 'SosRequestEdge', 'SosRequestConnection', 'PageInfo', 'RaiseSosInput', 'SosAlert', 'SosEvent'],
    ...['SosStatus', 'AlertStatus', 'SosEventType', 'SosCategory', 'LocationUpdate'],
    ...['Conversation', 'ConversationEdge', 'ConversationConnection', 'Message', 'MessageEdge', 'MessageConnection'],
    ...['ConversationActivity', 'ActivityKind', 'CallSignal', 'SignalKind'],
  ];
  const QUERIES = ['me', 'nearbyVolunteers', 'sos', 'mySosRequests', 'myAssignment', 'myAlerts', 'conversation', 'myConversations'];
  const MUTATIONS = [
    ...['register', 'login', 'refreshSession', 'logout'],
    ...['becomeVolunteer', 'updateVolunteerSkills', 'setAvailability', 'updateLocation'],
    ...['raiseSos', 'acceptSos', 'declineSos', 'markArrived', 'resolveSos', 'cancelSos', 'reportFakeSos', 'rateResponse'],
    ...['joinSosConversation', 'sendMessage', 'markRead', 'setTyping', 'sendCallSignal'],
  ];
  const SUBSCRIPTIONS = ['sosAlerts', 'sosUpdates', 'volunteerLocation', 'messageAdded', 'conversationActivity', 'callSignals'];

  it.each(TYPES)('%s is served as written', (name) => {
    const written = pick(contract, name);
    expect(pick(served, name, Object.keys(written))).toEqual(written);
  });

  it('its queries and mutations so far are served as written', () => {
    expect(pick(served, 'Query', QUERIES)).toEqual(pick(contract, 'Query', QUERIES));
    expect(pick(served, 'Mutation', MUTATIONS)).toEqual(pick(contract, 'Mutation', MUTATIONS));
    expect(pick(served, 'Subscription', SUBSCRIPTIONS)).toEqual(pick(contract, 'Subscription', SUBSCRIPTIONS));
  });
});
