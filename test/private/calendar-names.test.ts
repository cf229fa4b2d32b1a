import { Lazy, Stack } from 'aws-cdk-lib';
import { calendarArn, calendarProblems } from '../../lib/private/calendar-names';
import { freezeOverrideParameterArn } from '../../lib/private/freeze-override';

describe('calendarProblems', () => {
  test('accepts names and ARNs, and passes deploy-time values on', () => {
    expect(calendarProblems(['year-end-freeze', 'arn:aws:ssm:eu-west-1:111111111111:document/payments.freeze',
      Lazy.string({ produce: () => 'x' })])).toEqual([]);
  });

  test('names each bad name and each calendar listed twice', () => {
    expect(calendarProblems(['ab', 'ok-name', 'ok-name', 'arn:aws:ssm:eu-west-1:1:document/x y'])).toEqual([
      expect.stringMatching(/^'ab' is neither a Change Calendar name/),
      "'ok-name' is listed twice; list each calendar once",
      expect.stringMatching(/^'arn:aws:ssm:eu-west-1:1:document\/x y' is neither/),
    ]);
  });
});

describe('ARNs', () => {
  const stack = new Stack(undefined, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });

  test('a calendar name is a document of the stack\'s account and region; an ARN is kept', () => {
    expect(stack.resolve(calendarArn(stack, 'year-end-freeze'))).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:document/year-end-freeze']],
    });
    expect(calendarArn(stack, 'arn:aws:ssm:us-east-1:222222222222:document/x-freeze')).toBe('arn:aws:ssm:us-east-1:222222222222:document/x-freeze');
  });

  test('the freeze override parameter has one slash between parameter and its name', () => {
    expect(stack.resolve(freezeOverrideParameterArn(stack, 'orders-api'))).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/cdk-ecs-release/freeze-override/orders-api']],
    });
  });
});
