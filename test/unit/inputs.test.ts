import { Kind, parse } from 'graphql';
import { decodeCursor, encodeCursor } from '../../src/platform/graphql/cursor';
import { ID } from '../../src/platform/graphql/id.scalar';
import { literalWithControlCharacters, variableWithControlCharacters } from '../../src/platform/validation';
import { AppError } from '../../src/platform/errors';
import { checkLocationUpdate } from '../../src/modules/volunteers/types/location-bounds';

describe('control characters', () => {

  it('names the first variable path that holds a control character', () => {
    expect(variableWithControlCharacters({ input: { description: 'fine', location: { latitude: 1 } } })).toBeNull();
    expect(variableWithControlCharacters({ input: { description: 'a\u0000b' } })).toBe('input.description');
    expect(variableWithControlCharacters({ input: { skills: ['CPR', 'x\u001b'] } })).toBe('input.skills.1');
    expect(variableWithControlCharacters({ input: { description: 'tabs\tand\nlines\r\n are text' } })).toBeNull();
    expect(variableWithControlCharacters({ input: { description: 'DEL \u007f' } })).toBe('input.description');
  });

  it('reads strings written into the document, in arguments and input objects', () => {
    expect(literalWithControlCharacters(parse('mutation { cancelSos(sosId: "x", reason: "ok") { id } }'))).toBeNull();
    expect(literalWithControlCharacters(parse('mutation { cancelSos(sosId: "x", reason: "a\\u0000") { id } }'))).toBe('reason');
    expect(literalWithControlCharacters(parse('mutation { raiseSos(input: { description: "\\u0007" }) { id } }'))).toBe('input.description');
    expect(literalWithControlCharacters(parse('{ nearbyVolunteers(skills: [CPR], note: ["a", "\\u0001"]) { id } }'))).toBe('note.1');
  });
});

describe('cursors', () => {
  const id = '5f0d2c1e-8a8e-4a51-9d4f-2b7c3f1a9e11';

  it('give back what was put in, checked part by part', () => {
    const cursor = encodeCursor(['2026-12-01T10:00:00.000Z', id]);
    expect(decodeCursor('after', cursor, ['timestamp', 'uuid'])).toEqual(['2026-12-01T10:00:00.000Z', id]);
    expect(decodeCursor('before', encodeCursor(['9223372036854775807']), ['integer'])).toEqual(['9223372036854775807']);
  });

  it.each([
    ['parts of the wrong kind', ['x', 'y'], ['timestamp', 'uuid']],
    ['a day that does not exist', ['2026-02-31T00:00:00.000Z', id], ['timestamp', 'uuid']],
    ['year zero', ['0000-01-01T00:00:00.000Z', id], ['timestamp', 'uuid']],
    ['an upper-case uuid', ['2026-12-01T10:00:00.000Z', id.toUpperCase()], ['timestamp', 'uuid']],
    ['a number beyond bigint', ['9223372036854775808'], ['integer']],
    ['a number, not its text', [12], ['integer']],
    ['too many parts', ['1', '2'], ['integer']],
  ])('refuses %s', (_name, parts, shape) => {
    expect(() => decodeCursor('after', encodeCursor(parts as string[]), shape as never)).toThrow(AppError);
  });

  it('refuses what is not base64 JSON at all', () => {
    expect(() => decodeCursor('after', '%%%', ['integer'])).toThrow('after: is not a cursor this API gave out');
  });
});

describe('the ID scalar', () => {
  it('is the standard ID on the wire, lowercased on the way in', () => {
    expect(ID.name).toBe('ID');
    expect(ID.parseValue('5F0D2C1E-8A8E-4A51-9D4F-2B7C3F1A9E11')).toBe('5f0d2c1e-8a8e-4a51-9d4f-2b7c3f1a9e11');
    expect(ID.parseLiteral({ kind: Kind.STRING, value: 'ABC' }, {})).toBe('abc');
    expect(ID.parseValue(42)).toBe('42');
    expect(() => ID.parseValue(true)).toThrow();
    expect(ID.serialize('abc')).toBe('abc');
  });
});

describe('updateLocation bounds (checked without class-validator, with the same messages)', () => {
  const at = (latitude: number, longitude: number, extra: Record<string, number> = {}) => ({ location: { latitude, longitude }, ...extra });

  it.each([
    [at(91, 0), 'location.latitude: must be between -90 and 90'],
    [at(-90.5, 0), 'location.latitude: must be between -90 and 90'],
    [at(0, -181), 'location.longitude: must be between -180 and 180'],
    [{ location: { latitude: 0, longitude: 0, accuracyMeters: -1 } }, 'location.accuracyMeters: must not be negative'],
    [{ location: { latitude: 0, longitude: 0, accuracyMeters: 100_001 } }, 'location.accuracyMeters: must be at most 100000 metres'],
    [at(0, 0, { headingDegrees: 361 }), 'headingDegrees: must be between 0 and 360'],
    [at(0, 0, { speedMps: -0.1 }), 'speedMps: must not be negative'],
    [at(0, 0, { speedMps: 151 }), 'speedMps: must be at most 150 m/s'],
  ])('refuses %j', (args, message) => {
    expect(() => checkLocationUpdate(args)).toThrow(message);
  });

  it('takes the edges and leaves out what is not given', () => {
    expect(() => checkLocationUpdate({ location: { latitude: 90, longitude: -180, accuracyMeters: 0 }, headingDegrees: 360, speedMps: 150 })).not.toThrow();
    expect(() => checkLocationUpdate({ location: { latitude: -90, longitude: 180, accuracyMeters: null }, headingDegrees: null })).not.toThrow();
  });
});
