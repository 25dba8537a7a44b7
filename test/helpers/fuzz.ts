import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  getNamedType,
  isLeafType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

/** A small seeded generator (mulberry32): the same seed gives the same requests, so a failure can be replayed. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    chance: (p: number) => next() < p,
  };
}
export type Random = ReturnType<typeof seeded>;

const cursor = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');

/** Strings a careless or hostile client sends. */
const NASTY_STRINGS = [
  '',
  ' ',
  'a',
  'x'.repeat(5000),
  'nul\u0000inside',
  '\u0007bell \u001b[31mred',
  'tab\tand\nnew line',
  'emoji 🚑🆘 and ÄÖÜ ß',
  '\ud800 lone surrogate',
  "'; DROP TABLE users; --",
  '%s%n%x',
  '{"json": true}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '2026-12-01T10:00:00.000Z',
  '00000000-0000-0000-0000-000000000000',
  cursor(['x', 'y']),
  cursor(['2026-12-01T10:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
  cursor(['99999999999999999999999']),
  cursor([1e308]),
  'not-base64!!',
  '+49 151 23456789',
  'someone@example.org',
];
const NASTY_NUMBERS = [0, -1, 1, 2147483647, 2147483648, -2147483649, 1e308, -1e308, 0.5, -0.000001, Number.MAX_SAFE_INTEGER, 42, 90.0000001, -180.5];
const uuid = (random: Random) => 'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, () => random.int(16).toString(16));
const IDS = (random: Random) => [
  uuid(random),
  uuid(random).toUpperCase(),
  '00000000-0000-0000-0000-000000000000',
  'not-an-id',
  '',
  `${uuid(random)}\u0000`,
  'x'.repeat(300),
  String(random.int(1e9)),
];
const WRONG_TYPES = [null, true, 12, 'text', [], [1, 2], {}, { nested: { deeper: [null] } }];

/** A value for an input type: usually of the right shape with hostile content, sometimes of the wrong type altogether. */
export function valueFor(type: GraphQLInputType, random: Random, depth = 0): unknown {
  if (random.chance(0.08)) return random.pick(WRONG_TYPES);
  if (type instanceof GraphQLNonNull) return valueFor(type.ofType, random, depth);
  if (type instanceof GraphQLList) {
    if (depth > 3) return [];
    return Array.from({ length: random.pick([0, 1, 2, 30]) }, () => valueFor(type.ofType, random, depth + 1));
  }
  if (type instanceof GraphQLEnumType) return random.chance(0.8) ? random.pick(type.getValues()).name : random.pick(['NOT_A_VALUE', 'medical', '']);
  if (type instanceof GraphQLInputObjectType) {
    if (depth > 3) return {};
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) if (random.chance(0.9)) value[field.name] = valueFor(field.type, random, depth + 1);
    if (random.chance(0.1)) value.unknownField = 'surprise';
    return value;
  }
  if (type instanceof GraphQLScalarType) {
    switch (type.name) {
      case 'ID':
        return random.pick(IDS(random));
      case 'Int':
      case 'Float':
        return random.pick(NASTY_NUMBERS);
      case 'Boolean':
        return random.chance(0.5);
      default:
        return random.pick(NASTY_STRINGS);
    }
  }
  return null;
}

/** A selection of a type's leaf fields (and one level of objects), enough for the resolvers to run. */
export function selectionFor(type: GraphQLObjectType, depth = 0): string {
  const parts: string[] = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => a.type instanceof GraphQLNonNull)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(field.name);
    else if (isObjectType(named) && depth < 2) parts.push(`${field.name} { ${selectionFor(named, depth + 1)} }`);
  }
  return parts.join(' ');
}

export interface FuzzOperation {
  kind: 'query' | 'mutation' | 'subscription';
  field: string;
  query: string;
  variables: Record<string, unknown>;
}

/** An operation calling one root field with generated variables for every argument. */
export function operationFor(kind: FuzzOperation['kind'], field: GraphQLField<unknown, unknown>, random: Random): FuzzOperation {
  const definitions = field.args.map((a) => `$${a.name}: ${String(a.type)}`);
  const args = field.args.map((a) => `${a.name}: $${a.name}`);
  const named = getNamedType(field.type);
  const selection = isObjectType(named) ? ` { ${selectionFor(named)} }` : '';
  const variables: Record<string, unknown> = {};
  for (const arg of field.args) if (random.chance(0.95)) variables[arg.name] = valueFor(arg.type, random);
  const head = definitions.length > 0 ? `${kind} Fuzz(${definitions.join(', ')})` : `${kind} Fuzz`;
  return { kind, field: field.name, query: `${head} { ${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''}${selection} }`, variables };
}

/** Every root field of the schema, with what kind of operation calls it. */
export function rootFields(schema: GraphQLSchema): [FuzzOperation['kind'], GraphQLField<unknown, unknown>][] {
  const roots: [FuzzOperation['kind'], GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) => (type ? Object.values(type.getFields()).map((f) => [kind, f] as [FuzzOperation['kind'], GraphQLField<unknown, unknown>]) : []));
}

/** Documents whose shape, not their arguments, is the attack. */
export function hostileDocuments(random: Random): string[] {
  const fanOut = (levels: number) =>
    `query { ...F0 } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F${levels} on Query { me { id } }`;
  const deep = (levels: number) => `{ me { volunteer { user ${'{ volunteer { user '.repeat(levels)}{ id }${' } }'.repeat(levels)} } } }`;
  return [
    fanOut(16 + random.int(12)),
    deep(5 + random.int(30)),
    `{ ${Array.from({ length: 20 + random.int(200) }, (_, i) => `a${i}: me { id }`).join(' ')} }`,
    `mutation { ${Array.from({ length: 5 }, (_, i) => `l${i}: login(input: {email: "x@y.zz", password: "password ${i}"}) { accessToken }`).join(' ')} }`,
    `{ me { id ${'x'.repeat(random.int(50))} } }`,
    '{ me { id }',
    'query { __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }',
    `{ me @include(if: true) @skip(if: false) ${'@include(if: true) '.repeat(random.int(40))}{ id } }`,
    'subscription { sosAlerts { id } sosEscalations { id } }',
    `query { sos(id: "${'\\u0000'.repeat(3)}") { id } }`,
  ];
}
