import { App, Stack } from 'aws-cdk-lib';
import { consoleUrl } from '../../lib/private/console-url';

describe('consoleUrl', () => {
  test('uses the stack region, with an optional fragment after the query', () => {
    const stack = new Stack(new App(), 'S', { env: { region: 'eu-west-1' } });
    expect(consoleUrl(stack, 'codesuite/codedeploy/applications/a')).toBe(
      'https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/applications/a?region=eu-west-1');
    expect(consoleUrl(stack, 'cloudwatch/home', 'dashboards/dashboard/d')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/d');
  });

  test('resolves the region at deployment in an environment-agnostic stack', () => {
    const stack = new Stack(new App(), 'S');
    expect(stack.resolve(consoleUrl(stack, 'cloudwatch/home'))).toEqual({
      'Fn::Join': ['', ['https://', { Ref: 'AWS::Region' }, '.console.aws.amazon.com/cloudwatch/home?region=', { Ref: 'AWS::Region' }]],
    });
  });
});
