import { JsonConfigReader } from '../../../lambda/shared';

const VARIABLE = 'CDK_ECS_RELEASE_TEST_CONFIG';
const reader = new JsonConfigReader(VARIABLE);

describe('read', () => {
  test('parses the JSON object in the variable', () => {
    expect(reader.read({ [VARIABLE]: '{"a":1}' }, { required: true })).toEqual({ a: 1 });
  });

  test('an unset optional variable is an empty object', () => {
    expect(reader.read({}, { required: false })).toEqual({});
  });

  test.each([
    ['unset when required', {}, 'invalid CDK_ECS_RELEASE_TEST_CONFIG: not set'],
    ['not JSON', { [VARIABLE]: '{a' }, /^invalid CDK_ECS_RELEASE_TEST_CONFIG: not JSON \(/],
    ['not an object', { [VARIABLE]: '"text"' }, 'invalid CDK_ECS_RELEASE_TEST_CONFIG: must be a JSON object'],
  ])('fails when %s, naming the variable', (_name, env, message) => {
    expect(() => reader.read(env, { required: true })).toThrow(message);
  });
});

describe('fields', () => {
  test('absent fields take their fallback', () => {
    expect(reader.optionalString(undefined, 'name')).toBeUndefined();
    expect(reader.boolean(null, 'flag', true)).toBe(true);
    expect(reader.positiveNumber(undefined, 'seconds', 30)).toBe(30);
    expect(reader.nonNegativeNumber(undefined, 'seconds', 0)).toBe(0);
    expect(reader.oneOf(undefined, 'mode', ['a', 'b'], 'b')).toBe('b');
  });

  test('valid fields are returned as they are', () => {
    expect(reader.requireString('web', 'name')).toBe('web');
    expect(reader.stringArray([], 'names', { allowEmpty: true })).toEqual([]);
    expect(reader.nonNegativeNumber(0, 'seconds', 5)).toBe(0);
    expect(reader.oneOf('a', 'mode', ['a', 'b'], 'b')).toBe('a');
  });

  test.each([
    ['an empty required string', () => reader.requireString(' ', 'name'), 'name must be a non-empty string'],
    ['an empty list where one is needed', () => reader.stringArray([], 'subnets', { allowEmpty: false }), 'subnets must be a non-empty array of strings'],
    ['a list of numbers', () => reader.stringArray([1], 'names', { allowEmpty: true }), 'names must be an array of strings'],
    ['a string for a boolean', () => reader.boolean('yes', 'flag', false), 'flag must be true or false'],
    ['zero for a positive number', () => reader.positiveNumber(0, 'seconds', 1), 'seconds must be a positive number'],
    ['a negative number', () => reader.nonNegativeNumber(-1, 'seconds', 1), 'seconds must be a non-negative number'],
    ['an unknown choice', () => reader.oneOf('c', 'mode', ['a', 'b'], 'a'), 'mode must be one of a, b'],
  ])('fails on %s, naming the variable and the field', (_name, read, message) => {
    expect(read).toThrow(`invalid ${VARIABLE}: ${message}`);
  });
});
