import { App, CfnParameter, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenService, BlueGreenServiceProps } from '../../lib';
import { mockCluster, testImage, testStack } from '../util';
import { synthesisMessages } from '../synth-errors';

function service(stack: Stack, props: Partial<BlueGreenServiceProps> = {}): BlueGreenService {
  return new BlueGreenService(stack, 'Orders', { cluster: mockCluster(stack).cluster, image: testImage, ...props });
}

const CODEDEPLOY_RULE = "must be 1-100 letters, digits, '.', '_', '+', '=', ',', '@' or '-'";

describe.each([
  ['applicationName', 'application', 'AWS::CodeDeploy::Application', 'ApplicationName'],
  ['deploymentGroupName', 'deployment group', 'AWS::CodeDeploy::DeploymentGroup', 'DeploymentGroupName'],
] as const)('%s: CodeDeploy\'s rule', (prop, what, resourceType, property) => {
  test.each([
    ['', "''"],
    ['x y', "'x y'"],
    ['orders/api', "'orders/api'"],
    ['café', "'café'"],
    ['a'.repeat(101), `'${'a'.repeat(101)}' (101 characters)`],
  ])('fails for %j with the library\'s message alone, naming the value', (name, got) => {
    const stack = testStack();
    service(stack, { [prop]: name });

    expect(synthesisMessages(stack.node.root as App)).toEqual([
      `TestStack/Orders: invalid ${prop}: ${CODEDEPLOY_RULE}, got ${got}; CodeDeploy refuses other ${what} names, `
      + 'e.g. use \'orders-api\', or leave it unset for a generated name',
    ]);
  });

  test('a name of 100 characters of the rule, and a deploy-time value, name the resource', () => {
    const name = `a.b_c+d=e,f@g-${'x'.repeat(86)}`;
    const stack = testStack();
    service(stack, { [prop]: name });
    Template.fromStack(stack).hasResourceProperties(resourceType, { [property]: name });

    const other = testStack();
    const parameter = new CfnParameter(other, 'Name');
    service(other, { [prop]: parameter.valueAsString });
    Template.fromStack(other).hasResourceProperties(resourceType, { [property]: { Ref: 'Name' } });
  });
});

describe('containerName', () => {
  const tokenMessage = 'TestStack/Orders: invalid containerName: is a deploy-time value (a token), but it must be known at synthesis: '
    + 'the AppSpec file and taskdef.json of every release, written at synthesis, name the container. Pass a literal string, e.g. \'web\'; '
    + 'for a name per environment, read it from context (this.node.tryGetContext(\'containerName\')) or from the stack\'s props';

  test.each([
    ['a token inside a literal that breaks the rule', () => `a.b-${Lazy.string({ produce: () => 'x' })}`],
    ['a token inside a valid literal', () => `web-${Lazy.string({ produce: () => 'x' })}`],
    ['a token alone', () => Lazy.string({ produce: () => 'web' })],
  ])('fails for %s, as serviceName does, with the fix', (_, name) => {
    const stack = testStack();
    service(stack, { containerName: name() });

    expect(synthesisMessages(stack.node.root as App)).toEqual([tokenMessage]);
  });

  test('fails for a CloudFormation parameter', () => {
    const stack = testStack();
    service(stack, { containerName: new CfnParameter(stack, 'Container').valueAsString });

    expect(synthesisMessages(stack.node.root as App)).toEqual([tokenMessage]);
  });

  test('a literal is checked as before', () => {
    const stack = testStack();
    service(stack, { containerName: 'a.b' });
    expect(synthesisMessages(stack.node.root as App)).toEqual(["TestStack/Orders: invalid containerName: must be 1-255 letters, digits, hyphens or underscores, got 'a.b'"]);

    const valid = testStack();
    service(valid, { containerName: 'orders_api-1' });
    Template.fromStack(valid).hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: [{ Name: 'orders_api-1' }] });
  });
});
