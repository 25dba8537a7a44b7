export { TrimmedLength } from './trimmed-length';
export { assertId } from './ids';
export { fieldWithControlCharacters, hasControlCharacters } from './control-characters';
