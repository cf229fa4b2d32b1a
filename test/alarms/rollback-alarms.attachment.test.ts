import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { RollbackAlarms } from '../../lib/alarms';
import { alarmTestStack, mockService } from './mock-service';
import { deploymentGroupAlarmNames, refOf, setup, userAlarms } from './rollback-alarms-fixtures';

describe('attaching to the deployment group', () => {
  test('lists the alarms by name through the deployment group\'s addAlarm(), which rolls back on alarm', () => {
    const { stack, alarms } = setup();
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      // No IgnorePollAlarmFailure: CodeDeploy's default stops a deployment whose alarms it cannot read.
      AlarmConfiguration: {
        Enabled: true,
        IgnorePollAlarmFailure: Match.absent(),
        Alarms: alarms.alarms.map(a => ({ Name: refOf(stack, a) })),
      },
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
      },
    });
  });

  test('keeps the deployment group\'s own rollback events', () => {
    const { stack } = setup({}, { autoRollback: { stoppedDeployment: true } });
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'] },
    });
  });

  test('keeps alarms added to the deployment group directly', () => {
    const { stack, svc } = setup();
    const [own] = userAlarms(stack, 1, 'Own');
    svc.deploymentGroup.addAlarm(own);
    expect(deploymentGroupAlarmNames(stack)).toHaveLength(5);
    expect(deploymentGroupAlarmNames(stack)).toContainEqual(refOf(stack, own));
  });

  test('works without the removeAlarmsFromDeploymentGroup feature flag', () => {
    const stack = alarmTestStack('OrdersStack', { '@aws-cdk/aws-codedeploy:removeAlarmsFromDeploymentGroup': false });
    const svc = mockService(stack);
    new RollbackAlarms(stack, 'RollbackAlarms', { serviceName: 'orders-api', targetGroups: [svc.blue, svc.green], deploymentGroup: svc.deploymentGroup });
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: { Enabled: true, Alarms: Match.arrayWith([Match.objectLike({ Name: Match.anyValue() })]) },
      AutoRollbackConfiguration: Match.objectLike({ Events: Match.arrayWith(['DEPLOYMENT_STOP_ON_ALARM']) }),
    });
  });

  test('attachToDeploymentGroup: false creates the alarms without attaching them', () => {
    const { stack, alarms } = setup({ attachToDeploymentGroup: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: { Enabled: false },
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE'] },
    });
    expect(alarms.attachedToDeploymentGroup).toBe(false);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Watches orders-api \\(not attached to a deployment group\\): fires when'),
    });
  });

  test('without a deployment group the alarms stand alone', () => {
    const { stack, alarms } = setup({ deploymentGroup: undefined });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 4);
    expect(alarms.attachedToDeploymentGroup).toBe(false);
    expect(alarms.deploymentGroup).toBeUndefined();
  });

  test('an imported deployment group can be named when the alarms are not attached', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const imported = codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(stack, 'Imported', {
      application: codedeploy.EcsApplication.fromEcsApplicationName(stack, 'App', 'orders'),
      deploymentGroupName: 'orders',
    });
    const alarms = new RollbackAlarms(stack, 'RollbackAlarms', {
      targetGroups: [svc.blue, svc.green], deploymentGroup: imported, attachToDeploymentGroup: false,
    });
    expect(alarms.deploymentGroup).toBe(imported);
    expect(alarms.deploymentGroupAlarms).toHaveLength(3);
  });

  test('warns that the alarms of an imported deployment group stop nothing, with the fix', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const imported = codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(stack, 'Imported', {
      application: codedeploy.EcsApplication.fromEcsApplicationName(stack, 'App', 'orders'),
      deploymentGroupName: 'orders',
    });
    const alarms = new RollbackAlarms(stack, 'RollbackAlarms', { serviceName: 'orders-api', targetGroups: [svc.blue, svc.green], deploymentGroup: imported });
    expect(alarms.attachedToDeploymentGroup).toBe(false);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Watches orders-api \\(not attached to a deployment group\\)'),
    });
    Annotations.fromStack(stack).hasWarning('/OrdersStack/RollbackAlarms', 'deployment group OrdersStack/Imported is imported, so the '
      + 'rollback alarms of orders-api cannot be attached to it from here: they are created, but stop no deployment. Add '
      + 'deploymentGroupAlarms to the deployment group where it is defined, and set attachToDeploymentGroup: false to say the '
      + 'alarms only watch [ack: cdk-ecs-release:importedDeploymentGroup]');
  });

  test('warns when the deployment group goes on while CloudWatch cannot be read', () => {
    const { stack } = setup({}, { ignorePollAlarmsFailure: true });
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: Match.objectLike({ IgnorePollAlarmFailure: true }),
    });
    Annotations.fromStack(stack).hasWarning('/OrdersStack/RollbackAlarms', Match.stringLikeRegexp('ignorePollAlarmsFailure: true'));
  });
});

describe('more alarms than CodeDeploy accepts', () => {
  test('an alarm name added twice is listed once', () => {
    const { stack, alarms } = setup();
    const first = cloudwatch.Alarm.fromAlarmName(stack, 'QueueBacklog', 'orders-queue-backlog');
    const second = cloudwatch.Alarm.fromAlarmName(stack, 'QueueBacklogAgain', 'orders-queue-backlog');
    alarms.addAlarm(first);
    alarms.addAlarm(second);
    alarms.addAlarm(first);
    expect(alarms.alarms.filter((a) => a.alarmName === 'orders-queue-backlog')).toEqual([first]);
    const names = deploymentGroupAlarmNames(stack).filter((name) => name === 'orders-queue-backlog');
    expect(names).toEqual(['orders-queue-backlog']);
  });

  test('ten alarms are listed directly, without a composite alarm', () => {
    const { stack, alarms } = setup();
    userAlarms(stack, 6).forEach(a => alarms.addAlarm(a));
    expect(alarms.alarms).toHaveLength(10);
    expect(alarms.compositeAlarm).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    expect(deploymentGroupAlarmNames(stack)).toEqual(alarms.alarms.map(a => refOf(stack, a)));
    expect(alarms.deploymentGroupAlarms).toEqual(alarms.alarms);
  });

  test('the 11th alarm combines the 10th and 11th into one composite alarm', () => {
    const { stack, alarms } = setup();
    const added = userAlarms(stack, 7);
    added.forEach(a => alarms.addAlarm(a));
    expect(alarms.alarms).toHaveLength(11);
    const composite = alarms.compositeAlarm!;
    expect(composite).toBeDefined();
    expect(alarms.deploymentGroupAlarms).toEqual([...alarms.alarms.slice(0, 9), composite]);

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'orders-api: any further rollback alarm (OrdersStack)',
      AlarmRule: {
        'Fn::Join': ['', [
          '(ALARM("', stack.resolve(added[5].alarmArn), '") OR ALARM("', stack.resolve(added[6].alarmArn), '"))',
        ]],
      },
      AlarmDescription: Match.stringLikeRegexp('any of 2 further rollback alarms fires'),
    });
    const names = deploymentGroupAlarmNames(stack);
    expect(names).toHaveLength(10);
    expect(names).toEqual([...alarms.alarms.slice(0, 9).map(a => refOf(stack, a)), refOf(stack, composite)]);
  });

  test('25 alarms: 9 listed directly, 16 in the composite alarm, none dropped', () => {
    const { stack, alarms } = setup();
    const added = userAlarms(stack, 21);
    added.forEach(a => alarms.addAlarm(a));
    expect(alarms.alarms).toHaveLength(25);

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    const [composite] = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    const rule = JSON.stringify(composite.Properties.AlarmRule);
    for (const alarm of alarms.alarms.slice(9)) {
      expect(rule).toContain(JSON.stringify(stack.resolve(alarm.alarmArn)));
    }
    expect(rule.match(/ALARM\(/g)).toHaveLength(16);
    for (const alarm of alarms.alarms.slice(0, 9)) {
      expect(rule).not.toContain(JSON.stringify(stack.resolve(alarm.alarmArn)));
    }
    expect(deploymentGroupAlarmNames(stack)).toEqual([...alarms.alarms.slice(0, 9).map(a => refOf(stack, a)), refOf(stack, alarms.compositeAlarm!)]);
  });

  test('a composite alarm is made without a deployment group too', () => {
    const { stack, alarms } = setup({ deploymentGroup: undefined });
    userAlarms(stack, 8).forEach(a => alarms.addAlarm(a));
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    expect(alarms.deploymentGroupAlarms).toHaveLength(10);
  });

  test('adding an alarm twice has no effect', () => {
    const { stack, alarms } = setup();
    const [alarm] = userAlarms(stack, 1);
    alarms.addAlarm(alarm);
    alarms.addAlarm(alarm);
    expect(alarms.alarms).toHaveLength(5);
  });

  test('fails when alarms added to the deployment group directly push it over 10', () => {
    const { stack, alarms, svc } = setup();
    userAlarms(stack, 6).forEach(a => alarms.addAlarm(a));
    userAlarms(stack, 1, 'Direct').forEach(a => svc.deploymentGroup.addAlarm(a));
    expect(() => Template.fromStack(stack)).toThrow(
      'OrdersStack/RollbackAlarms: deployment group OrdersStack/DeploymentGroup lists 11 alarms but CodeDeploy accepts at most 10; '
      + 'RollbackAlarms uses 10 of them. Add the others with rollbackAlarms.addAlarm() instead of deploymentGroup.addAlarm(), '
      + 'so they are combined into a composite alarm');
  });
});
