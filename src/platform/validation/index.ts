export { TrimmedLength } from './trimmed-length';
export { assertId } from './ids';
