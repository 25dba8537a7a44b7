import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { depthLimitRule } from '../../src/platform/graphql/depth-limit.rule';
import { OperationLimits } from '../../src/app/graphql-limits';

const schema = buildSchema(`
  type Node { id: ID! child: Node children(first: Int): [Node!]! }
  type Query { node: Node nodes(limit: Int): [Node!]! }
`);

const depthErrors = (query: string, max: number) => validate(schema, parse(query), [...specifiedRules, depthLimitRule(max)]).map((e) => e.message);

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

describe('cost limit', () => {
  const limits = new OperationLimits(schema, 10, 100);
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
