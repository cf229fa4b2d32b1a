import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { FailedTaskSetGuard, RollbackAlarms, RollbackAlarmsProps } from '../../lib/alarms';
import { SHARED_TASK_SET_GUARD_ID, TASK_SET_GUARD_CONFIG_ENV } from '../../contract/task-set-guard';
import { MockService, alarmTestStack, mockService } from './mock-service';
import { synthErrors } from '../synth-errors';
// RollbackAlarms over the mock service, with the ECS service given.
import { setupWithService as setup } from './rollback-alarms-fixtures';

/** The services' configurations, as the input templates of their rules' targets carry them (the literal parts). */
function guardConfigs(template: Template): string[] {
  return Object.values(template.findResources('AWS::Events::Rule')).flatMap((rule) => rule.Properties.Targets.map((target: never) => {
    const inputTemplate = (target as { InputTransformer: { InputTemplate: unknown } }).InputTransformer.InputTemplate;
    // Fn::Join of the JSON with the tokens in it: the literal parts are enough for what is asserted.
    const raw = JSON.stringify(inputTemplate);
    expect(raw).toMatch(/^.*\{\\"guard\\":\{.*\},\\"event\\":<aws\.events\.event\.json>\}.*$/);
    return raw;
  }));
}

function guardConfig(template: Template): { raw: string } {
  const configs = guardConfigs(template);
  expect(configs).toHaveLength(1);
  return { raw: configs[0] };
}

/** Services of one stack (two unless named), each with its rollback alarms and guard. */
function twoServices(props: Partial<RollbackAlarmsProps> = {}, names = ['orders-api', 'billing-api']) {
  const stack = alarmTestStack();
  const services = names.map((name) => {
    const scope = new Construct(stack, name);
    const svc = mockService(scope as unknown as Stack);
    const alarms = new RollbackAlarms(scope, 'RollbackAlarms', {
      serviceName: name, targetGroups: [svc.blue, svc.green], logGroup: svc.logGroup, service: svc.service, deploymentGroup: svc.deploymentGroup, ...props,
    });
    return { name, svc, alarms };
  });
  return { stack, services };
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
    // The shared function carries no service's configuration: the rule's input does.
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment?.Variables?.[TASK_SET_GUARD_CONFIG_ENV]).toBeUndefined();
    }
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
    // One service: the statements read as a guard of its own always has.
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

  describe('shared by the services of a stack', () => {
    test('one function, role, log group and dead-letter queue for two services, a child of the stack', () => {
      const { stack, services } = twoServices();
      const template = Template.fromStack(stack);
      const [first, second] = services.map((s) => s.alarms.failedTaskSetGuard!);
      expect(first.function).toBe(second.function);
      expect(first.logGroup).toBe(second.logGroup);
      expect(first.deadLetterQueue).toBe(second.deadLetterQueue);
      expect(first.function.node.scope?.node.id).toBe(SHARED_TASK_SET_GUARD_ID);
      expect(first.function.node.scope?.node.scope).toBe(stack);
      // One rule for both, with a target each.
      expect(first.rule).toBe(second.rule);
      expect(first.rule.node.scope?.node.id).toBe(SHARED_TASK_SET_GUARD_ID);

      const inGuards = (type: string) => Object.keys(template.findResources(type)).filter((id) => id.includes('FailedTaskSetGuard'));
      expect(inGuards('AWS::Lambda::Function')).toHaveLength(1);
      expect(inGuards('AWS::IAM::Role')).toHaveLength(1);
      expect(inGuards('AWS::Logs::LogGroup')).toHaveLength(1);
      expect(inGuards('AWS::SQS::Queue')).toHaveLength(1);
      expect(inGuards('AWS::SQS::QueuePolicy')).toHaveLength(1);
      expect(inGuards('AWS::Lambda::EventInvokeConfig')).toHaveLength(1);
      expect(inGuards('AWS::IAM::Policy')).toHaveLength(2);
      // The acknowledged wildcard statements: a managed policy, outside the role's inline limit.
      expect(inGuards('AWS::IAM::ManagedPolicy')).toHaveLength(1);
      // For both services: one rule, and one permission for it to invoke the function.
      expect(inGuards('AWS::Events::Rule')).toHaveLength(1);
      expect(inGuards('AWS::Lambda::Permission')).toHaveLength(1);
      template.resourcePropertiesCountIs('AWS::Lambda::Permission', {
        FunctionName: stack.resolve(first.function.functionArn), Principal: 'events.amazonaws.com',
        SourceArn: stack.resolve(first.rule.ruleArn),
      }, 1);
    });

    test('the shared rule watches each service\'s tasks, and each service\'s target carries that service\'s configuration only', () => {
      const { stack, services } = twoServices();
      const template = Template.fromStack(stack);
      const rules = Object.values(template.findResources('AWS::Events::Rule'));
      expect(rules).toHaveLength(1);
      const [rule] = rules;
      expect(rule.Properties.EventPattern.detail).toEqual({
        lastStatus: ['STOPPED'],
        // Both mock services' clusters, each once; the function ignores another service's tasks.
        clusterArn: [...new Set(services.map(({ svc }) => JSON.stringify(stack.resolve(svc.service.cluster.clusterArn))))].map((arn) => JSON.parse(arn)),
        group: services.map(({ svc }) => ({ 'Fn::Join': ['', ['service:', stack.resolve(svc.service.serviceName)]] })),
      });
      expect(rule.Properties.Description).toBe('Sends the stopped tasks of orders-api, billing-api to the failed-task-set guard');
      expect(rule.Properties.Targets).toHaveLength(services.length);
      services.forEach(({ name, svc, alarms }, index) => {
        const target = rule.Properties.Targets[index];
        expect(target).toEqual(expect.objectContaining({
          Arn: stack.resolve(alarms.failedTaskSetGuard!.function.functionArn),
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 900 },
        }));
        const raw = JSON.stringify(target.InputTransformer.InputTemplate);
        expect(raw).toContain(`\\"displayName\\":\\"${name}\\"`);
        expect(raw).toContain(JSON.stringify(stack.resolve(svc.deploymentGroup.deploymentGroupName)));
        expect(raw).toContain(JSON.stringify(stack.resolve(svc.deploymentGroup.application.applicationName)));
        expect(raw).toContain(JSON.stringify(stack.resolve(svc.service.serviceName)));
        const others = services.filter((other) => other.name !== name);
        for (const other of others) {
          expect(raw).not.toContain(JSON.stringify(stack.resolve(other.svc.deploymentGroup.deploymentGroupName)));
          expect(raw).not.toContain(other.name);
        }
      });
    });

    test('the role may stop the deployments of each service\'s deployment group and read each service\'s cluster, nothing else', () => {
      const { stack, services } = twoServices();
      const template = Template.fromStack(stack);
      const groups = services.map(({ svc }) => stack.resolve(svc.deploymentGroup.deploymentGroupArn));
      const clusters = services.map(({ svc }) => stack.resolve(svc.service.cluster.clusterArn));
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([{
            Effect: 'Allow',
            Action: ['codedeploy:ListDeployments', 'codedeploy:GetDeployment', 'codedeploy:StopDeployment'],
            Resource: groups,
          }]),
        },
      });
      const onClusters = { ArnEquals: { 'ecs:cluster': clusters } };
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: 'ecs:ListTasks', Resource: '*', Condition: onClusters },
            {
              Effect: 'Allow', Action: 'ecs:DescribeTasks', Condition: onClusters,
              Resource: services.map(({ svc }) => ({
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':task/',
                  stack.resolve(svc.service.cluster.clusterName), '/*']],
              })),
            },
          ],
        },
      });
      // Each rule, and only the rules, may put what it could not deliver in the dead-letter queue.
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([{
            Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage',
            Resource: Match.anyValue(),
            Condition: { ArnEquals: { 'aws:SourceArn': stack.resolve(services[0].alarms.failedTaskSetGuard!.rule.ruleArn) } },
          }]),
        },
      });
    });

    test('cdk-nag finds nothing unacknowledged in the shared guard', () => {
      const { stack } = twoServices();
      const report = new AwsSolutionsChecks(stack.node.root).validateScope(stack.node.root);
      const inGuard = report.violations.flatMap((v) => v.violatingResources
        .filter((r) => JSON.stringify(r).includes('FailedTaskSetGuard'))
        .map((r) => `${v.ruleName}: ${r.resourceLogicalId} ${JSON.stringify(r.locations)}`));
      expect(inGuard).toEqual([]);
    });

    test('thresholds and stopDeployments stay per service; only another log retention makes another function', () => {
      const stack = alarmTestStack();
      const make = (name: string, props: { failedTaskThreshold?: number; stopDeployments?: boolean; logRetention?: logs.RetentionDays }) => {
        const scope = new Construct(stack, name);
        const svc: MockService = mockService(scope as unknown as Stack);
        return new FailedTaskSetGuard(scope, 'Guard', { serviceName: name, service: svc.service, deploymentGroup: svc.deploymentGroup, ...props });
      };
      const a = make('a', { failedTaskThreshold: 1 });
      const b = make('b', { stopDeployments: false, logRetention: logs.RetentionDays.ONE_MONTH });
      const c = make('c', { logRetention: logs.RetentionDays.ONE_WEEK });
      expect(b.function).toBe(a.function);
      expect(c.function).not.toBe(a.function);
      expect(c.function.node.scope?.node.id).toBe(`${SHARED_TASK_SET_GUARD_ID}LogRetention7`);
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Lambda::Function', 2);
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
      const configs = guardConfigs(template);
      expect(configs.filter((raw) => raw.includes('\\"failedTaskThreshold\\":1'))).toHaveLength(1);
      expect(configs.filter((raw) => raw.includes('\\"stopDeployments\\":false'))).toHaveLength(1);
    });

    test('a rule takes five services, EventBridge\'s limit of targets; the sixth starts another rule, which the queue admits too', () => {
      const names = ['a', 'b', 'c', 'd', 'e', 'f'].map((letter) => `service-${letter}`);
      const { stack, services } = twoServices({}, names);
      const template = Template.fromStack(stack);
      const guards = services.map(({ alarms }) => alarms.failedTaskSetGuard!);
      expect(new Set(guards.slice(0, 5).map((guard) => guard.rule)).size).toBe(1);
      expect(guards[5].rule).not.toBe(guards[0].rule);
      const rules = Object.values(template.findResources('AWS::Events::Rule'));
      expect(rules.map((rule) => rule.Properties.Targets.length).sort()).toEqual([1, 5]);
      expect(Object.keys(template.findResources('AWS::Lambda::Permission'))).toHaveLength(2);
      const [sixth] = rules.filter((rule) => rule.Properties.Targets.length === 1);
      expect(sixth.Properties.Description).toBe('Sends the stopped tasks of service-f to the failed-task-set guard');
      expect(JSON.stringify(sixth.Properties.Targets[0].InputTransformer.InputTemplate)).toContain('\\"displayName\\":\\"service-f\\"');
      expect(guardConfigs(template)).toHaveLength(6);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': [guards[0].rule, guards[5].rule].map((rule) => stack.resolve(rule.ruleArn)) } },
          })]),
        },
      });
    });

    test('an invalid threshold is recorded on its own guard, and the shared function is still made', () => {
      const { stack } = twoServices({ failedGreenTaskThreshold: 0 });
      expect(synthErrors(stack.node.root as App)).toEqual([
        expect.stringMatching(/orders-api\/RollbackAlarms\/FailedTaskSetGuard: invalid failedTaskThreshold: .*0/),
        expect.stringMatching(/billing-api\/RollbackAlarms\/FailedTaskSetGuard: invalid failedTaskThreshold: .*0/),
      ]);
    });
  });
});
