/**
 * The PreflightHook's side of the hotfix override: where it reads the override, exactly what its
 * role may read, and whom `grantOverrideFreeze` lets approve one.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PreflightHook } from '../../lib';
import { expectSynthError } from '../synth-errors';
import { allowing, hookConfigOf, mockService, resourcesOf, statementsOf, testStack } from './util';

const OVERRIDE_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' },
  ':parameter/cdk-ecs-release/freeze-override/orders-api']] };

describe('PreflightHook freeze override', () => {
  test('with changeCalendars, reads the service\'s override parameter, and may read that parameter alone', () => {
    const stack = testStack();
    const service = mockService(stack);
    const hook = new PreflightHook(stack, 'Preflight', { service, changeCalendars: ['year-end-freeze'] });
    const template = Template.fromStack(stack);

    expect(hook.freezeOverrideParameterName).toBe('/cdk-ecs-release/freeze-override/orders-api');
    expect(hookConfigOf(stack, template, service, 'preflight').freezeOverride).toEqual({
      parameterName: '/cdk-ecs-release/freeze-override/orders-api', container: service.containerName, versionVariable: 'RELEASE_VERSION',
    });
    const reads = allowing(statementsOf(stack, template, hook.function), 'ssm:GetParameter').flatMap(resourcesOf)
      .filter((resource) => JSON.stringify(resource).includes('freeze-override'));
    expect(reads).toEqual([OVERRIDE_ARN]);
    // For an override naming a version: the deployment's AppSpec, then its task definition.
    expect(allowing(statementsOf(stack, template, hook.function), 'ecs:DescribeTaskDefinition')).toHaveLength(1);
  });

  test('reads no override without calendars, nor with allowFreezeOverride: false', () => {
    for (const props of [{}, { changeCalendars: ['year-end-freeze'], allowFreezeOverride: false }]) {
      const stack = testStack();
      const service = mockService(stack);
      const hook = new PreflightHook(stack, 'Preflight', { service, ...props });
      const template = Template.fromStack(stack);

      expect(hook.freezeOverrideParameterName).toBeUndefined();
      expect(hookConfigOf(stack, template, service, 'preflight').freezeOverride).toBeUndefined();
      expect(JSON.stringify(statementsOf(stack, template, hook.function))).not.toContain('freeze-override');
    }
  });

  test('takes the release version variable the pipeline writes', () => {
    const stack = testStack();
    const service = mockService(stack);
    new PreflightHook(stack, 'Preflight', { service, changeCalendars: ['year-end-freeze'], releaseVersionVariable: 'APP_VERSION' });
    expect(hookConfigOf(stack, Template.fromStack(stack), service, 'preflight').freezeOverride).toMatchObject({ versionVariable: 'APP_VERSION' });
  });

  test('grantOverrideFreeze lets a person write, read and delete that service\'s override, nothing more', () => {
    const stack = testStack();
    const hook = new PreflightHook(stack, 'Preflight', { service: mockService(stack), changeCalendars: ['year-end-freeze'] });
    const oncall = new iam.Role(stack, 'OnCall', { assumedBy: new iam.AccountRootPrincipal() });

    hook.grantOverrideFreeze(oncall);

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(oncall.node.defaultChild as never) }],
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: ['ssm:PutParameter', 'ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:DeleteParameter'],
          Resource: OVERRIDE_ARN,
        }],
      },
    });
  });

  test('fails when allowFreezeOverride is set without calendars', () => {
    const stack = testStack();
    expectSynthError(stack, () => new PreflightHook(stack, 'Preflight', { service: mockService(stack), allowFreezeOverride: true }),
      /TestStack\/Preflight: invalid allowFreezeOverride: is true, but there are no changeCalendars/);
  });

  test('fails on a release version variable that is no environment variable name', () => {
    const stack = testStack();
    expectSynthError(stack, () => new PreflightHook(stack, 'Preflight', {
      service: mockService(stack), changeCalendars: ['year-end-freeze'], releaseVersionVariable: 'release version',
    }), /TestStack\/Preflight: invalid releaseVersionVariable: 'release version' is not an environment variable name/);
  });
});
