import { Kind, visit, type DocumentNode, type ValueNode } from 'graphql';

/**
 * C0 control characters other than tab, line feed and carriage return, and DEL: none has a place
 * in a name, a note or a message, and NUL in particular is refused by PostgreSQL's text types.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** The first variable (path `input.description`) whose value holds a control character, or null. */
export function variableWithControlCharacters(variables: Record<string, unknown> | null | undefined): string | null {
  for (const [name, value] of Object.entries(variables ?? {})) {
    const found = inValue(value, name);
    if (found) return found;
  }
  return null;
}

/** The first argument written into the document (a literal string) that holds a control character, or null. */
export function literalWithControlCharacters(document: DocumentNode): string | null {
  let found: string | null = null;
  visit(document, {
    Argument(node) {
      found ??= inLiteral(node.value, node.name.value);
    },
  });
  return found;
}

function inValue(value: unknown, path: string): string | null {
  if (typeof value === 'string') return hasControlCharacters(value) ? path : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, inner] of Object.entries(value)) {
    const found = inValue(inner, `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

function inLiteral(node: ValueNode, path: string): string | null {
  if (node.kind === Kind.STRING) return hasControlCharacters(node.value) ? path : null;
  if (node.kind === Kind.LIST) return node.values.reduce<string | null>((found, value, i) => found ?? inLiteral(value, `${path}.${i}`), null);
  if (node.kind === Kind.OBJECT) return node.fields.reduce<string | null>((found, field) => found ?? inLiteral(field.value, `${path}.${field.name.value}`), null);
  return null;
}
