export { TrimmedLength } from './trimmed-length';
export { assertId } from './ids';
export { literalWithControlCharacters, variableWithControlCharacters } from './control-characters';
export { isTimeZone } from './time-zone';
export { EMERGENCY_NUMBER_RULE, isEmergencyNumber } from './emergency-number';
