import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

export interface ShapeLimits {
  /** Deepest field nesting an operation may have. */
  maxDepth: number;
  /** Most fields an operation may select once every fragment is spread in full. */
  maxFields: number;
  /** Most aliases a document may hold. */
  maxAliases: number;
}

interface Measure {
  depth: number;
  fields: number;
}

const tooBig = (message: string, extensions: Record<string, unknown>) =>
  new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...extensions } });

/**
 * Limits on the shape of an operation, checked before anything runs:
 * - depth and size (fields selected once every fragment is spread in full). Each fragment is
 *   measured once, so a document whose fragments each spread the next one twice costs a walk
 *   per fragment, not one per expansion (2^n: seconds of CPU for a 900-byte document);
 * - aliases: each is another execution of a field (ten aliased `login`s hash ten passwords);
 * - each root mutation field once per operation, whatever the aliases and fragments.
 */
export function operationShapeRule(limits: ShapeLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    const measured = new Map<string, Measure>();

    const measure = (set: SelectionSetNode | undefined): Measure => {
      const total: Measure = { depth: 0, fields: 0 };
      for (const selection of set?.selections ?? []) {
        let part: Measure;
        if (selection.kind === Kind.FIELD) {
          const inner = measure(selection.selectionSet);
          part = { depth: 1 + inner.depth, fields: 1 + inner.fields };
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          part = measure(selection.selectionSet);
        } else {
          part = fragmentMeasure(selection.name.value);
        }
        total.depth = Math.max(total.depth, part.depth);
        // Saturates: past the limit the exact count does not matter, and 2^64 would not be exact.
        total.fields = Math.min(total.fields + part.fields, limits.maxFields + 1);
      }
      return total;
    };
    const fragmentMeasure = (name: string): Measure => {
      const known = measured.get(name);
      if (known) return known;
      // A cycle (rejected by graphql-js's own rule) or an unknown fragment counts for nothing here.
      measured.set(name, { depth: 0, fields: 0 });
      const result = measure(fragments.get(name)?.selectionSet);
      measured.set(name, result);
      return result;
    };

    /** Field name -> the response keys it is asked under, among the root fields of a selection set. */
    const rootFields = (set: SelectionSetNode, found = new Map<string, Set<string>>(), seen = new Set<string>()) => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          const keys = found.get(selection.name.value) ?? new Set<string>();
          found.set(selection.name.value, keys.add(selection.alias?.value ?? selection.name.value));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          rootFields(selection.selectionSet, found, seen);
        } else if (!seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment = fragments.get(selection.name.value);
          if (fragment) rootFields(fragment.selectionSet, found, seen);
        }
      }
      return found;
    };

    let aliases = 0;
    return {
      Field(node) {
        if (node.alias) aliases += 1;
      },
      OperationDefinition(node) {
        const { depth, fields } = measure(node.selectionSet);
        if (depth > limits.maxDepth) {
          context.reportError(tooBig(`Operation is nested ${depth} levels deep; the limit is ${limits.maxDepth}`, { maxDepth: limits.maxDepth }));
        }
        if (fields > limits.maxFields) {
          context.reportError(tooBig(`Operation selects more than ${limits.maxFields} fields once its fragments are spread`, { maxFields: limits.maxFields }));
        }
        if (node.operation !== 'mutation') return;
        for (const [field, keys] of rootFields(node.selectionSet)) {
          if (keys.size > 1) context.reportError(tooBig(`At most one ${field} per request`, { field }));
        }
      },
      Document: {
        leave() {
          if (aliases > limits.maxAliases) context.reportError(tooBig(`Document has ${aliases} aliases; the limit is ${limits.maxAliases}`, { maxAliases: limits.maxAliases }));
        },
      },
    };
  };
}
