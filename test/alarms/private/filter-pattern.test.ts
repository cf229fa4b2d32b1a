import * as logs from 'aws-cdk-lib/aws-logs';
import { filterPatternProblem, MAX_FILTER_PATTERN_LENGTH } from '../../../lib/alarms/private/filter-pattern';

describe('filterPatternProblem accepts what CloudWatch accepts', () => {
  test.each([
    ['FATAL'],
    ['?FATAL ?PANIC'],
    ['"FATAL"'],
    ['?"FATAL" ?"\\"level\\":\\"fatal\\""'],
    ['{ $.level = "fatal" }'],
    ['{ ($.level = "fatal") || ($.level = "FATAL") }'],
    ['[ip, user, level = FATAL*, ...]'],
    ['%FATAL|PANIC%'],
    ['"{ not a brace"'],
    ['{ $.msg = %[a-z]{3}% }'],
  ])('%s', pattern => {
    expect(filterPatternProblem(pattern)).toBeUndefined();
  });

  test('the patterns aws-cdk-lib renders', () => {
    for (const pattern of [
      logs.FilterPattern.anyTerm('FATAL', '"level":"fatal"'),
      logs.FilterPattern.any(logs.FilterPattern.stringValue('$.level', '=', 'fatal'), logs.FilterPattern.numberValue('$.level', '=', 60)),
      logs.FilterPattern.spaceDelimited('level', '...').whereString('level', '=', 'FATAL'),
    ]) {
      expect(filterPatternProblem(pattern.logPatternString)).toBeUndefined();
    }
  });
});

describe('filterPatternProblem rejects', () => {
  test('an empty pattern, which matches every line', () => {
    expect(filterPatternProblem('')).toMatch(/is empty, which matches every log line/);
    expect(filterPatternProblem('   ')).toMatch(/is empty/);
  });

  test('a pattern longer than 1024 characters', () => {
    expect(filterPatternProblem('a'.repeat(MAX_FILTER_PATTERN_LENGTH + 1))).toMatch(/is 1025 characters long, CloudWatch accepts at most 1024/);
    expect(filterPatternProblem('a'.repeat(MAX_FILTER_PATTERN_LENGTH))).toBeUndefined();
  });

  test('an unterminated quote', () => {
    expect(filterPatternProblem('"FATAL')).toMatch(/unterminated double quote/);
    expect(filterPatternProblem('"FATAL\\"')).toMatch(/unterminated double quote/);
  });

  test('unbalanced braces, brackets and parentheses', () => {
    expect(filterPatternProblem('{ $.level = "fatal"')).toMatch(/unclosed '\{'/);
    expect(filterPatternProblem('$.level = "fatal" }')).toMatch(/unmatched '\}' at position 19/);
    expect(filterPatternProblem('{ ($.a = 1 }')).toMatch(/unmatched '\}'/);
    expect(filterPatternProblem('[a, b')).toMatch(/unclosed '\['/);
  });

  test('an unterminated regular expression', () => {
    expect(filterPatternProblem('%FATAL')).toMatch(/unterminated %regex%/);
  });
});
