import { App, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { MetricGateHook, MigrationHook, PreflightHook, ReleasePipeline, ReleaseSource, SmokeCheck, SmokeTestHook } from '../../lib';
import { fitDescription } from '../../lib/private/handler-function';
import { actionsOf, allowing, mockService, resourcesOf, statementsOf, testStack } from '../hooks/util';

describe('smoke-test function in the VPC', () => {
  const stack = testStack();
  const service = mockService(stack);
  const hook = new SmokeTestHook(stack, 'SmokeTests', { service, checks: [SmokeCheck.get('/health')] });
  const template = Template.fromStack(stack);
  const statements = statementsOf(stack, template, hook.function);

  test('gets no managed policy: neither VPC access nor basic execution, which allow logs on any log group', () => {
    const roleId = stack.getLogicalId(hook.function.role!.node.defaultChild as never);
    expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('may write logs to its own log group only', () => {
    const logActions = statements.flatMap((s) => actionsOf(s).filter((a) => a.startsWith('logs:')).map(() => resourcesOf(s)));
    expect(logActions.length).toBeGreaterThan(0);
    for (const resources of logActions) {
      expect(resources).not.toContain('*');
    }
  });

  test('manages its network interfaces: created in its subnets with its security group only', () => {
    const [create] = allowing(statements, 'ec2:CreateNetworkInterface');
    const resources = JSON.stringify(resourcesOf(create));
    expect(resources).not.toContain('"*"');
    expect(resources).toContain(':network-interface/*');
    expect(resources).toContain(':subnet/');
    expect(resources).toContain(':security-group/');
    for (const action of ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses']) {
      const [statement] = allowing(statements, action);
      expect(JSON.stringify(resourcesOf(statement))).toContain(':network-interface/*');
      expect(resourcesOf(statement)).not.toContain('*');
    }
    expect(allowing(statements, 'ec2:DescribeNetworkInterfaces').some((s) => resourcesOf(s).includes('*'))).toBe(true);
  });

  test('is created only once its network-interface permissions exist', () => {
    const fnId = stack.getLogicalId(hook.function.node.defaultChild as never);
    const policyId = stack.getLogicalId(hook.function.role!.node.findChild('WildcardPolicy').node.defaultChild as never);
    expect(template.toJSON().Resources[fnId].DependsOn).toContain(policyId);
  });
});

describe('traced hook', () => {
  test('is traced, with X-Ray granted outside the default policy', () => {
    const stack = testStack();
    const hook = new MigrationHook(stack, 'Migrate', { service: mockService(stack), command: ['migrate'], tracing: lambda.Tracing.ACTIVE });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    const defaultPolicy = hook.function.role!.node.findChild('DefaultPolicy').node.defaultChild as never;
    const document = template.toJSON().Resources[stack.getLogicalId(defaultPolicy)].Properties.PolicyDocument;
    expect(JSON.stringify(document)).not.toContain('xray:');
    expect(allowing(statementsOf(stack, template, hook.function), 'xray:PutTraceSegments')).toHaveLength(1);
  });
});

describe('hook descriptions', () => {
  test('the longest legal service name, 64 characters, still synthesizes every hook within Lambda\'s 256 characters', () => {
    const stack = testStack();
    const serviceName = `orders-${'a'.repeat(57)}`;
    expect(serviceName).toHaveLength(64);
    const service = mockService(stack, { serviceName });
    new SmokeTestHook(stack, 'SmokeTests', { service, checks: [SmokeCheck.get('/health')] });
    new MigrationHook(stack, 'Migrate', { service, command: ['migrate'] });
    new MetricGateHook(stack, 'MetricGate', { service });
    new PreflightHook(stack, 'Preflight', { service });
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    const descriptions = Object.values(functions).map((f) => f.Properties.Description as string).filter((d) => d !== undefined);
    expect(descriptions.length).toBeGreaterThanOrEqual(4);
    for (const description of descriptions) {
      expect(description.length).toBeLessThanOrEqual(256);
    }
    // The shared functions name the stack; the security group of the smoke test's names the service.
    expect(descriptions.some((d) => d.endsWith('(AfterAllowTraffic hook), for the services of TestStack'))).toBe(true);
  });

  test('shortens the service name, keeping what the function does', () => {
    const what = ': runs the migration task from the new task definition (AfterInstall hook)';
    const fitted = fitDescription(`${'x'.repeat(255)}${what}`);
    expect(fitted).toHaveLength(256);
    expect(fitted.endsWith(`...${what}`)).toBe(true);
    expect(fitDescription(`short${what}`)).toBe(`short${what}`);
  });
});

describe('CodeStar connection source', () => {
  function useConnection(connectionArn: string): unknown[] {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Release', { env: { region: 'eu-west-1', account: '123456789012' } });
    new ReleasePipeline(stack, 'Pipeline', {
      source: ReleaseSource.codeStarConnection({ connectionArn, owner: 'org', repo: 'orders-api' }),
      stages: [{ stageName: 'Staging', service: mockService(stack) }],
    });
    const template = Template.fromStack(stack);
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
      .filter((s) => [s.Action].flat().some((a) => a.endsWith(':UseConnection')));
  }

  test('grants codeconnections:UseConnection on a codeconnections ARN', () => {
    const arn = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/12345678-abcd-1234-abcd-123456789012';
    expect(useConnection(arn)).toEqual([expect.objectContaining({ Action: 'codeconnections:UseConnection', Resource: arn })]);
  });

  test('grants codestar-connections:UseConnection on a codestar-connections ARN', () => {
    const arn = 'arn:aws:codestar-connections:eu-west-1:123456789012:connection/12345678-abcd-1234-abcd-123456789012';
    expect(useConnection(arn)).toEqual([expect.objectContaining({ Action: 'codestar-connections:UseConnection', Resource: arn })]);
  });

  test('grants both on a token ARN, whose prefix is unknown at synthesis', () => {
    expect(useConnection(Fn.importValue('ConnectionArn'))).toEqual([expect.objectContaining({
      Action: ['codestar-connections:UseConnection', 'codeconnections:UseConnection'],
      Resource: { 'Fn::ImportValue': 'ConnectionArn' },
    })]);
  });
});
