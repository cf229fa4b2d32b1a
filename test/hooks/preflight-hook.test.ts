import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { parse } from 'yaml';
import { DeploymentWindow, LifecycleEvent, PreflightHook, Weekday } from '../../lib';
import { expectSynthError } from '../synth-errors';
import { allowing, hookConfigOf, joinToText, mockService, statementsOf, testStack, wildcardActions } from './util';

describe('PreflightHook', () => {
  test('runs at BeforeInstall with the deployment group to read the alarms from', () => {
    const stack = testStack();
    const service = mockService(stack);
    const alarm = cloudwatch.Alarm.fromAlarmName(stack, 'Extra', 'orders-db-cpu');
    const hook = new PreflightHook(stack, 'Preflight', { service, alarms: [alarm], failOnActionsDisabled: false });

    expect(hook.lifecycleEvent).toBe(LifecycleEvent.BEFORE_INSTALL);
    expect(service.hooks).toEqual([hook]);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 120,
    });
    const config = hookConfigOf(stack, template, service, 'preflight');
    expect(config).toEqual({
      applicationName: `<${stack.getLogicalId(service.application!.node.defaultChild as never)}>`,
      deploymentGroupName: `<${stack.getLogicalId(service.deploymentGroup!.node.defaultChild as never)}>`,
      alarmNames: ['orders-db-cpu'],
      failOnActionsDisabled: false,
    });
    expect(parse(joinToText(stack.resolve(service._renderAppSpec()))).Hooks)
      .toEqual([{ BeforeInstall: `<${stack.getLogicalId(hook.function.node.defaultChild as lambda.CfnFunction)}>` }]);
  });

  test('refuses a deployment group with alarm monitoring off unless allowDisabledAlarmMonitoring says otherwise', () => {
    const configOf = (allowDisabledAlarmMonitoring?: boolean) => {
      const stack = testStack();
      const service = mockService(stack);
      new PreflightHook(stack, 'Preflight', { service, allowDisabledAlarmMonitoring });
      return hookConfigOf(stack, Template.fromStack(stack), service, 'preflight');
    };
    // Absent means the handler's default, which refuses.
    expect(configOf().allowDisabledAlarmMonitoring).toBeUndefined();
    expect(configOf(false).allowDisabledAlarmMonitoring).toBeUndefined();
    expect(configOf(true).allowDisabledAlarmMonitoring).toBe(true);
  });

  test('reads this deployment group and describes alarms, with * only where CloudWatch requires it', () => {
    const stack = testStack();
    const service = mockService(stack);
    const hook = new PreflightHook(stack, 'Preflight', { service });
    const template = Template.fromStack(stack);
    const statements = statementsOf(stack, template, hook.function);

    const groupArn = stack.resolve(service.deploymentGroup!.deploymentGroupArn);
    expect(allowing(statements, 'codedeploy:GetDeploymentGroup').map((s) => s.Resource)).toEqual([groupArn]);
    expect(allowing(statements, 'codedeploy:PutLifecycleEventHookExecutionStatus').map((s) => s.Resource)).toEqual([groupArn]);
    // Composite alarms are described only to a `*` scope.
    expect(wildcardActions(statements)).toEqual(['cloudwatch:DescribeAlarms']);
  });

  test('keeps its logs for a month by default, or as long as asked', () => {
    const stack = testStack();
    const service = mockService(stack);
    new PreflightHook(stack, 'Preflight', { service, logRetention: 7, tracing: lambda.Tracing.ACTIVE });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });

  test('writes to its own log group only, without the AWSLambdaBasicExecutionRole policy, which allows any', () => {
    const stack = testStack();
    const service = mockService(stack);
    const hook = new PreflightHook(stack, 'Preflight', { service });
    const template = Template.fromStack(stack);
    const statements = statementsOf(stack, template, hook.function);
    expect(allowing(statements, 'logs:PutLogEvents').map((s) => s.Resource))
      .toEqual([{ 'Fn::GetAtt': [stack.getLogicalId(hook.logGroup.node.defaultChild as never), 'Arn'] }]);
    const role = template.toJSON().Resources[stack.getLogicalId(hook.function.role!.node.defaultChild as never)];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: stack.getLogicalId(hook.logGroup.node.defaultChild as never) } },
    });
  });

  test('fails when BeforeInstall already has a hook', () => {
    const stack = testStack();
    const service = mockService(stack);
    new PreflightHook(stack, 'Preflight', { service });
    expectSynthError(stack, () => new PreflightHook(stack, 'Again', { service }),
      /TestStack\/Orders: invalid hook: BeforeInstall already runs TestStack\/Preflight, cannot also run TestStack\/Again/);
  });

  test('checks a weekly deployment window, so a cdk deploy release keeps it too', () => {
    const stack = testStack();
    const service = mockService(stack);
    new PreflightHook(stack, 'Preflight', {
      service, deploymentWindow: DeploymentWindow.weekly({ days: [Weekday.FRIDAY, Weekday.MONDAY], startHour: 8, endHour: 12, timeZone: 'Europe/Dublin' }),
    });

    expect(hookConfigOf(stack, Template.fromStack(stack), service, 'preflight').deploymentWindow).toEqual({
      days: ['MON', 'FRI'], startHour: 8, endHour: 12, timeZone: 'Europe/Dublin', description: 'Mon, Fri 08:00-12:00 Europe/Dublin',
    });
  });

  test('refuses a cron window, which it cannot read, and a bad weekly one, naming the hook', () => {
    const stack = testStack();
    expectSynthError(stack, () => new PreflightHook(stack, 'Preflight', { service: mockService(stack), deploymentWindow: DeploymentWindow.cron('* * 9-15 ? * MON-THU *') }),
      /TestStack\/Preflight: invalid deploymentWindow: cron\(\* \* 9-15 \? \* MON-THU \*\) UTC: the pre-flight hook checks weekly windows only; use DeploymentWindow.weekly\(\)/);
    const other = testStack();
    expectSynthError(other, () => new PreflightHook(other, 'Preflight', { service: mockService(other), deploymentWindow: DeploymentWindow.weekly({ startHour: 12, endHour: 8 }) }),
      /TestStack\/Preflight: invalid deploymentWindow: the window closes at 8:00, before it opens at 12:00/);
  });

  test('reads the change calendars it is given, and nothing more', () => {
    const stack = testStack();
    const service = mockService(stack);
    const hook = new PreflightHook(stack, 'Preflight', { service, changeCalendars: ['year-end-freeze', 'arn:aws:ssm:us-east-1:111111111111:document/payments-freeze'] });
    const template = Template.fromStack(stack);

    expect(hookConfigOf(stack, template, service, 'preflight').changeCalendars).toEqual(['year-end-freeze', 'arn:aws:ssm:us-east-1:111111111111:document/payments-freeze']);
    const calendarStatements = statementsOf(stack, template, hook.function).filter((st) => JSON.stringify(st.Action).includes('ssm:GetCalendarState'));
    expect(calendarStatements).toHaveLength(1);
    expect(calendarStatements[0].Action).toBe('ssm:GetCalendarState');
    expect(JSON.stringify(calendarStatements[0].Resource)).toContain(':document/year-end-freeze');
    expect(JSON.stringify(calendarStatements[0].Resource)).toContain('"arn:aws:ssm:us-east-1:111111111111:document/payments-freeze"');
  });

  test('refuses calendar names SSM would not have, and duplicates', () => {
    const stack = testStack();
    expectSynthError(stack, () => new PreflightHook(stack, 'Preflight', { service: mockService(stack), changeCalendars: ['year end', 'ok-name', 'ok-name'] }),
      /TestStack\/Preflight: invalid changeCalendars: 'year end' is neither a Change Calendar name[\s\S]*'ok-name' is listed twice/);
  });
});
