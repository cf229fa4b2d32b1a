import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RollbackAlarms, RollbackAlarmsProps } from '../../lib/alarms';
import { TASK_SET_GUARD_CONFIG_ENV } from '../../contract/task-set-guard';
import { alarmTestStack, mockService } from './mock-service';
import { synthErrors } from '../synth-errors';

function setup(props: Partial<RollbackAlarmsProps> = {}) {
  const stack = alarmTestStack();
  const svc = mockService(stack);
  const alarms = new RollbackAlarms(stack, 'RollbackAlarms', {
    serviceName: 'orders-api',
    targetGroups: [svc.blue, svc.green],
    logGroup: svc.logGroup,
    service: svc.service,
    deploymentGroup: svc.deploymentGroup,
    ...props,
  });
  return { stack, svc, alarms };
}

function guardConfig(template: Template): Record<string, unknown> {
  const functions = Object.values(template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { [TASK_SET_GUARD_CONFIG_ENV]: Match.anyValue() } } },
  }));
  expect(functions).toHaveLength(1);
  const value = functions[0].Properties.Environment.Variables[TASK_SET_GUARD_CONFIG_ENV];
  // Fn::Join of the JSON with the tokens in it: the literal parts are enough for what is asserted.
  return { raw: JSON.stringify(value) };
}

describe('failed-task-set guard', () => {
  test('on by default: every stopped task of this service and cluster goes to the guard, with retries and a dead-letter queue', () => {
    const { stack, svc, alarms } = setup();
    expect(alarms.failedTaskSetGuard).toBeDefined();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        'detail': {
          clusterArn: [stack.resolve(svc.service.cluster.clusterArn)],
          group: [{ 'Fn::Join': ['', ['service:', stack.resolve(svc.service.serviceName)]] }],
          lastStatus: ['STOPPED'],
        },
      },
      Targets: [Match.objectLike({
        Arn: stack.resolve((alarms.failedTaskSetGuard!.function).functionArn),
        DeadLetterConfig: { Arn: stack.resolve(alarms.failedTaskSetGuard!.deadLetterQueue.queueArn) },
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 900 },
      })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Timeout: 60,
      DeadLetterConfig: { TargetArn: stack.resolve(alarms.failedTaskSetGuard!.deadLetterQueue.queueArn) },
    });
    const { raw } = guardConfig(template);
    expect(raw).toContain('\\"failedTaskThreshold\\":2');
    expect(raw).toContain('\\"stopDeployments\\":true');
    expect(raw).toContain('\\"displayName\\":\\"orders-api\\"');
  });

  test('may stop, read and list the deployments of this deployment group only, and read the tasks of this cluster only', () => {
    const { stack, svc } = setup();
    const template = Template.fromStack(stack);
    const dgArn = stack.resolve(svc.deploymentGroup.deploymentGroupArn);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Action: ['codedeploy:ListDeployments', 'codedeploy:GetDeployment', 'codedeploy:StopDeployment'],
          Resource: dgArn,
        }]),
      },
    });
    const onCluster = { ArnEquals: { 'ecs:cluster': stack.resolve(svc.service.cluster.clusterArn) } };
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'ecs:ListTasks', Resource: '*', Condition: onCluster },
          { Effect: 'Allow', Action: 'ecs:DescribeTasks', Resource: Match.anyValue(), Condition: onCluster },
        ],
      },
    });
    // StopDeployment nowhere on *.
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]) {
        const actions = ([] as string[]).concat(statement.Action);
        if (actions.includes('codedeploy:StopDeployment')) {
          expect(statement.Resource).toEqual(dgArn);
        }
      }
    }
  });

  test('cdk-nag finds nothing unacknowledged in the guard', () => {
    const { stack } = setup();
    const report = new AwsSolutionsChecks(stack.node.root).validateScope(stack.node.root);
    const inGuard = report.violations.flatMap((v) => v.violatingResources
      .filter((r) => JSON.stringify(r).includes('FailedTaskSetGuard'))
      .map((r) => `${v.ruleName}: ${r.resourceLogicalId} ${JSON.stringify(r.locations)}`));
    expect(inGuard).toEqual([]);
  });

  test('a threshold of its own', () => {
    const { stack } = setup({ failedGreenTaskThreshold: 1 });
    expect(guardConfig(Template.fromStack(stack)).raw).toContain('\\"failedTaskThreshold\\":1');
  });

  test('only logs what it would stop when the alarms are not attached', () => {
    const { stack } = setup({ attachToDeploymentGroup: false });
    expect(guardConfig(Template.fromStack(stack)).raw).toContain('\\"stopDeployments\\":false');
  });

  test('can be turned off, and is not created without a service or a deployment group', () => {
    const off = setup({ enableFailedTaskSetGuard: false });
    expect(off.alarms.failedTaskSetGuard).toBeUndefined();
    Template.fromStack(off.stack).resourceCountIs('AWS::Events::Rule', 0);
    expect(setup({ service: undefined }).alarms.failedTaskSetGuard).toBeUndefined();
    expect(setup({ deploymentGroup: undefined }).alarms.failedTaskSetGuard).toBeUndefined();
  });

  test('fails when asked for without a service or a deployment group', () => {
    const noService = setup({ service: undefined, enableFailedTaskSetGuard: true });
    expect(noService.alarms.failedTaskSetGuard).toBeUndefined();
    expect(synthErrors(noService.stack.node.root as App)).toEqual([
      '[OrdersStack/RollbackAlarms] OrdersStack/RollbackAlarms: invalid enableFailedTaskSetGuard: is true but there is no service; the '
      + 'guard watches the tasks of the service and stops the deployments of its deployment group: pass both, or leave it unset',
    ]);
    const noGroup = setup({ deploymentGroup: undefined, failedGreenTaskThreshold: 3 });
    expect(synthErrors(noGroup.stack.node.root as App)).toEqual([
      expect.stringMatching(/invalid failedGreenTaskThreshold: is 3 but there is no deploymentGroup/),
    ]);
  });

  test('fails when the threshold is not a whole number from 1', () => {
    const { stack } = setup({ failedGreenTaskThreshold: 0 });
    expect(synthErrors(stack.node.root as App)).toEqual([
      expect.stringMatching(/RollbackAlarms\/FailedTaskSetGuard: invalid failedTaskThreshold: .*0/),
    ]);
  });
});
