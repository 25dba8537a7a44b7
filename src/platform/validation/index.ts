export { TrimmedLength } from './trimmed-length';
export { assertId } from './ids';
export { hasControlCharacters, literalWithControlCharacters, variableWithControlCharacters } from './control-characters';
