import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { operationShapeRule } from '../../src/platform/graphql/operation-shape.rule';
import { OperationLimits } from '../../src/app/graphql-limits';

const schema = buildSchema(`
  type Node { id: ID! child: Node children(first: Int): [Node!]! }
  type Query { node: Node nodes(limit: Int): [Node!]! }
  type Mutation { login(password: String): String logout: Boolean }
`);

const shapeErrors = (query: string, limits: { maxDepth?: number; maxFields?: number; maxAliases?: number } = {}) =>
  validate(schema, parse(query), [...specifiedRules, operationShapeRule({ maxDepth: 10, maxFields: 100, maxAliases: 5, ...limits })]).map((e) => e.message);
const depthErrors = (query: string, max: number) => shapeErrors(query, { maxDepth: max });

describe('depth limit', () => {
  it('allows the limit and refuses one more level', () => {
    expect(depthErrors('{ node { child { id } } }', 3)).toEqual([]);
    expect(depthErrors('{ node { child { child { id } } } }', 3)).toEqual(['Operation is nested 4 levels deep; the limit is 3']);
  });

  it('follows fragments and inline fragments', () => {
    const query = 'query { node { ...A } } fragment A on Node { child { ... on Node { child { id } } } }';
    expect(depthErrors(query, 3)).toEqual(['Operation is nested 4 levels deep; the limit is 3']);
  });

  it('measures each operation of a document on its own', () => {
    const query = 'query Shallow { node { id } } query Deep { node { child { child { id } } } }';
    expect(depthErrors(query, 3)).toEqual(['Operation is nested 4 levels deep; the limit is 3']);
  });
});

describe('size, aliases and repeated mutations', () => {
  /** Each fragment spreads the next one twice. */
  const fanOut = (levels: number) =>
    `query { ...F0 } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F${levels} on Query { node { id } }`;

  it('counts fields with every fragment spread in full, measuring each fragment once', () => {
    expect(shapeErrors(fanOut(5))).toEqual([]); // 64 fields
    expect(shapeErrors(fanOut(6))).toEqual(['Operation selects more than 100 fields once its fragments are spread']);
    // 2^60 expansions: refused after one walk per fragment (walking them all would never end).
    expect(shapeErrors(fanOut(60))).toEqual(['Operation selects more than 100 fields once its fragments are spread']);
  });

  it('limits aliases in the document', () => {
    expect(shapeErrors('{ a: node { id } b: node { id } c: node { id } d: node { x: id } }')).toEqual([]);
    expect(shapeErrors('{ a: node { id } b: node { id } c: node { id } d: node { x: id y: id } }')).toEqual(['Document has 6 aliases; the limit is 5']);
  });

  it('allows each root mutation field once per operation, whatever the aliases and fragments', () => {
    expect(shapeErrors('mutation { login(password: "a") logout }')).toEqual([]);
    expect(shapeErrors('mutation { a: login(password: "a") b: login(password: "b") }')).toEqual(['At most one login per request']);
    expect(shapeErrors('mutation { ...A ...B } fragment A on Mutation { logout } fragment B on Mutation { again: logout }')).toEqual(['At most one logout per request']);
    // The same field under the same name twice is one execution (graphql-js merges them).
    expect(shapeErrors('mutation { logout ...A } fragment A on Mutation { logout }')).toEqual([]);
  });
});

describe('cost limit', () => {
  const limits = new OperationLimits(schema, { maxDepth: 10, maxFields: 1000, maxAliases: 15 }, 100, false);
  const cost = (query: string, variables?: Record<string, unknown>) => limits.costOf(parse(query), undefined, variables);

  it('counts one per field and multiplies lists by their page size', () => {
    expect(cost('{ node { id } }')).toBe(2);
    expect(cost('{ nodes(limit: 30) { id child { id } } }')).toBe(91);
    expect(cost('{ nodes(limit: 60) { id child { id } } }')).toBe(181);
  });

  it('refuses what costs more than the limit, and only that', () => {
    expect(limits.checkCost(parse('{ nodes(limit: 30) { id child { id } } }'), undefined, undefined)).toBeUndefined();
    expect(limits.checkCost(parse('{ nodes(limit: 60) { id child { id } } }'), undefined, undefined)?.message).toBe('Operation costs 181; the limit is 100');
  });

  it('reads the page size from variables', () => {
    expect(cost('query($n: Int) { nodes(limit: $n) { children(first: $n) { id } } }', { n: 10 })).toBe(111);
  });

  it('analyses a document whose cost cannot vary once, and one with variable page sizes every time', () => {
    const fixed = parse('query($n: Int) { nodes(limit: 5) { children(first: 2) { id } } node { id } }');
    expect(limits.costOf(fixed, undefined, { n: 1 })).toBe(18);
    expect(limits.costOf(fixed, undefined, { n: 'not even an Int' })).toBe(18);
    const variable = parse('query($n: Int) { nodes(limit: $n) { id } }');
    expect(limits.costOf(variable, undefined, { n: 10 })).toBe(11);
    expect(limits.costOf(variable, undefined, { n: 90 })).toBe(91);
  });

  it('re-analyses a document whose directives take variables (@include cannot smuggle a costly field past the limit)', () => {
    const document = parse('query($big: Boolean!) { a: nodes(limit: 50) @include(if: $big) { id } b: nodes(limit: 50) @include(if: $big) { id } }');
    expect(limits.costOf(document, undefined, { big: false })).toBe(0);
    expect(limits.costOf(document, undefined, { big: true })).toBe(102);
    expect(limits.checkCost(document, undefined, { big: true })?.message).toBe('Operation costs 102; the limit is 100');
  });

  it('leaves uncoercible variables to execution, which names the field', () => {
    expect(cost('query($n: Int!) { nodes(limit: $n) { id } }', { n: 'many' })).toBeUndefined();
  });
});
