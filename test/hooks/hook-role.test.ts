import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PreflightHook, SmokeCheck, SmokeTestHook } from '../../lib';
import { allowing, mockService, statementsOf, testStack } from './util';

describe('a hook given a role', () => {
  test('adds its statements to that role and creates none of its own', () => {
    const stack = testStack();
    const service = mockService(stack);
    const role = new iam.Role(stack, 'HookRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const preflight = new PreflightHook(stack, 'Preflight', { service, role });
    const smoke = new SmokeTestHook(stack, 'Smoke', { service, role, checks: [SmokeCheck.get('/health')] });
    expect(preflight.function.role).toBe(role);
    expect(smoke.function.role).toBe(role);
    expect(preflight.node.tryFindChild('ServiceRole')).toBeUndefined();
    const template = Template.fromStack(stack);
    const statements = statementsOf(stack, template, preflight.function);
    expect(allowing(statements, 'codedeploy:GetDeploymentGroup')).toHaveLength(1);
    expect(allowing(statements, 'codedeploy:PutLifecycleEventHookExecutionStatus').length).toBeGreaterThan(0);
  });
});
