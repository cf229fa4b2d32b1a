import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { LifecycleEvent, MigrationHook, MigrationHookProps } from '../../lib';
import { HOOK_TOTAL_TIMEOUT_SECONDS_ENV } from '../../contract/hook';
import { MIGRATION_CONFIG_ENV } from '../../contract/migration';
import {
  Statement, allowing, environmentOf, joinToText, mockService, resourcesOf, statementsOf, testStack, wildcardActions,
} from './util';
import { expectSynthError, synthErrors } from '../synth-errors';

function migration(props: Partial<MigrationHookProps> = {}) {
  const stack = testStack();
  const service = mockService(stack);
  const hook = new MigrationHook(stack, 'Migrate', { service, command: ['npm', 'run', 'migrate'], ...props });
  const template = Template.fromStack(stack);
  return { stack, service, hook, template, statements: statementsOf(stack, template, hook.function) };
}

function only(statements: Statement[], action: string): Statement {
  const found = allowing(statements, action);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('MigrationHook', () => {
  test('runs at AfterInstall for 15 minutes per invocation, the deadline plus time to report in total', () => {
    const { stack, hook, template } = migration();
    expect(hook.lifecycleEvent).toBe(LifecycleEvent.AFTER_INSTALL);
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 900, Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(environmentOf(stack, template, hook.function)[HOOK_TOTAL_TIMEOUT_SECONDS_ENV]).toBe('2100');
  });

  test('passes the cluster, service, container, command, network and logs to the handler', () => {
    const { stack, service, hook, template } = migration({ environment: { MIGRATE_LOCK: 'on' }, deadline: Duration.minutes(45) });
    const config = JSON.parse(joinToText(environmentOf(stack, template, hook.function)[MIGRATION_CONFIG_ENV]));
    const ref = (construct: { node: { defaultChild?: unknown } }) => `<${stack.getLogicalId(construct.node.defaultChild as never)}>`;
    expect(config).toEqual({
      clusterArn: `<${stack.getLogicalId(service.cluster.node.defaultChild as never)}.Arn>`,
      serviceName: `<${stack.getLogicalId(service.service.node.defaultChild as never)}.Name>`,
      containerName: 'web',
      command: ['npm', 'run', 'migrate'],
      environment: [{ name: 'MIGRATE_LOCK', value: 'on' }],
      subnets: service.vpc.privateSubnets.map((subnet) => ref(subnet)),
      securityGroups: [`<${stack.getLogicalId(service.service.connections.securityGroups[0].node.defaultChild as never)}.GroupId>`],
      assignPublicIp: false,
      launchType: 'FARGATE',
      totalDeadlineSeconds: 2700,
      logGroupName: ref(service.logGroup!),
      logStreamPrefix: 'orders-api',
      lifecycleEventName: 'AfterInstall',
    });
    expect(environmentOf(stack, template, hook.function)[HOOK_TOTAL_TIMEOUT_SECONDS_ENV]).toBe('3000');
  });

  test('runs tasks from the service\'s task definition family only, on its cluster only', () => {
    const { stack, service, statements } = migration();
    const runTask = only(statements, 'ecs:RunTask');
    expect(joinToText(runTask.Resource)).toBe(`arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/${service.taskDefinition.family}:*`);
    expect(runTask.Condition).toEqual({ ArnEquals: { 'ecs:cluster': stack.resolve(service.cluster.clusterArn) } });
  });

  test('passes exactly the task role and the execution role, to ECS tasks only', () => {
    const { stack, service, statements } = migration();
    const passRole = only(statements, 'iam:PassRole');
    expect(resourcesOf(passRole)).toEqual([
      stack.resolve(service.taskDefinition.taskRole.roleArn),
      stack.resolve(service.taskDefinition.executionRole!.roleArn),
    ]);
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  });

  test('describes, stops, lists and tags tasks of this cluster only', () => {
    const { stack, service, statements } = migration();
    const clusterName = joinToText(stack.resolve(service.cluster.clusterName));
    const onCluster = { ArnEquals: { 'ecs:cluster': stack.resolve(service.cluster.clusterArn) } };
    const tasks = `arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/${clusterName}/*`;

    for (const action of ['ecs:DescribeTasks', 'ecs:StopTask']) {
      const statement = only(statements, action);
      expect(joinToText(statement.Resource)).toBe(tasks);
      expect(statement.Condition).toEqual(onCluster);
    }
    const tag = only(statements, 'ecs:TagResource');
    expect(joinToText(tag.Resource)).toBe(tasks);
    expect(tag.Condition).toEqual({ StringEquals: { 'ecs:CreateAction': 'RunTask' } });
    // ListTasks authorizes on container instances; AWS documents `*` with the cluster condition.
    const list = only(statements, 'ecs:ListTasks');
    expect(list.Resource).toBe('*');
    expect(list.Condition).toEqual(onCluster);
  });

  test('reads the service\'s task sets, deployment targets (on * only) and reports on this deployment group', () => {
    const { stack, service, statements } = migration();
    const taskSets = only(statements, 'ecs:DescribeTaskSets');
    expect(joinToText(taskSets.Resource)).toBe('arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-set/'
      + `${joinToText(stack.resolve(service.cluster.clusterName))}/${joinToText(stack.resolve(service.service.serviceName))}/*`);
    const groupArn = stack.resolve(service.deploymentGroup!.deploymentGroupArn);
    expect(only(statements, 'codedeploy:PutLifecycleEventHookExecutionStatus').Resource).toEqual(groupArn);
    for (const action of ['codedeploy:ListDeploymentTargets', 'codedeploy:GetDeploymentTarget']) {
      expect(only(statements, action).Resource).toBe('*');
    }
  });

  test('may invoke itself, and no other function, without a dependency cycle (synthesis rejects cycles)', () => {
    const { stack, hook, template, statements } = migration();
    const invoke = only(statements, 'lambda:InvokeFunction');
    const fnId = stack.getLogicalId(hook.function.node.defaultChild as lambda.CfnFunction);
    // Its own versions and aliases too: a hand-over invokes exactly what CodeDeploy invoked.
    expect(invoke.Resource).toEqual([{ 'Fn::GetAtt': [fnId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId, 'Arn'] }, ':*']] }]);

    // The grant sits in its own policy, which the function does not wait for.
    const selfInvoke = hook.function.node.scope!.node.findChild('SelfInvokePolicy') as iam.ManagedPolicy;
    const fnResource = template.toJSON().Resources[fnId];
    expect(fnResource.DependsOn).not.toContain(stack.getLogicalId(selfInvoke.node.defaultChild as iam.CfnPolicy));
  });

  test('acknowledges the qualifier wildcard of the self-invoke grant on that policy only', () => {
    const { stack, hook } = migration();
    const fnId = stack.getLogicalId(hook.function.node.defaultChild as lambda.CfnFunction);
    const acknowledgedOn = (construct: IConstruct) => construct.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.keys(m.data as Record<string, string>).map((id) => id.replace(/^annotation::/i, '')));
    // Once per shared function, on its hand-over policy, not on the function's scope or the hook.
    const shared = hook.function.node.scope!;
    const selfInvoke = shared.node.findChild('SelfInvokePolicy');
    expect(acknowledgedOn(selfInvoke)).toEqual([`AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`]);
    expect(acknowledgedOn(shared)).not.toContain(`AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`);
    expect(acknowledgedOn(hook)).not.toContain(`AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`);
  });

  test('grants nothing on * but ListTasks, limited to the cluster by condition, and the read-only deployment-target calls', () => {
    const { statements } = migration();
    expect(wildcardActions(statements).sort()).toEqual(['codedeploy:GetDeploymentTarget', 'codedeploy:ListDeploymentTargets', 'ecs:ListTasks (with condition)']);
  });

  test('runs in given subnets and security groups', () => {
    const stack = testStack();
    const service = mockService(stack);
    const migrationGroup = new ec2.SecurityGroup(stack, 'MigrationGroup', { vpc: service.vpc });
    const hook = new MigrationHook(stack, 'Migrate', {
      service,
      command: ['./migrate'],
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [migrationGroup],
      lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
    });
    const template = Template.fromStack(stack);
    const config = JSON.parse(joinToText(environmentOf(stack, template, hook.function)[MIGRATION_CONFIG_ENV]));
    expect(config.subnets).toEqual(service.vpc.publicSubnets.map((subnet) => `<${stack.getLogicalId(subnet.node.defaultChild as never)}>`));
    expect(config.securityGroups).toEqual([`<${stack.getLogicalId(migrationGroup.node.defaultChild as never)}.GroupId>`]);
    expect(hook.lifecycleEvent).toBe(LifecycleEvent.BEFORE_ALLOW_TRAFFIC);
    // The handler checks this event is still in progress before it starts a task.
    expect(config.lifecycleEventName).toBe('BeforeAllowTraffic');
  });

  describe('fails when', () => {
    const fails = (props: Partial<MigrationHookProps>, message: RegExp | string) => {
      const stack = new Stack();
      const service = mockService(stack);
      expectSynthError(stack, () => new MigrationHook(stack, 'Migrate', { service, command: ['npm', 'run', 'migrate'], ...props }), message);
    };

    test('the command is empty', () => {
      fails({ command: [] }, "Default/Migrate: invalid command: is empty; give the migration command, e.g. ['npm', 'run', 'migrate']");
    });

    test('a part of the command is blank', () => {
      fails({ command: ['npm', ' '] }, 'Default/Migrate: invalid command: has an empty part at index 1, got ["npm"," "]; remove it');
    });

    test('the deadline is under a minute', () => {
      fails({ deadline: Duration.seconds(30) }, /Default\/Migrate: invalid deadline: must be between 1 and 50 minutes, got 0.5 minutes \(30 seconds\)/);
    });

    test('the deadline would outlast CodeDeploy\'s hour', () => {
      fails({ deadline: Duration.minutes(55) },
        /invalid deadline: must be between 1 and 50 minutes, got 55 minutes; CodeDeploy waits at most one hour for a hook/);
    });

    test('it runs before the new task set exists', () => {
      fails({ lifecycleEvent: LifecycleEvent.BEFORE_INSTALL },
        /invalid lifecycleEvent: must be one of AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, got BeforeInstall; before AfterInstall/);
    });

    test('it runs after production traffic moved', () => {
      fails({ lifecycleEvent: LifecycleEvent.AFTER_ALLOW_TRAFFIC },
        /got AfterAllowTraffic; after AllowTraffic production already runs the new version/);
    });

    test('an environment variable name is invalid', () => {
      fails({ environment: { 'BAD-NAME': 'x' } }, /invalid environment: has an invalid variable name 'BAD-NAME'/);
    });

    test('two props are invalid, reporting both in one synthesis', () => {
      const stack = testStack();
      new MigrationHook(stack, 'Migrate', {
        service: mockService(stack),
        command: [],
        deadline: Duration.minutes(55),
      });
      expect(synthErrors(stack.node.root as App)).toEqual([
        expect.stringContaining('TestStack/Migrate: invalid command: is empty'),
        expect.stringContaining('TestStack/Migrate: invalid deadline: must be between 1 and 50 minutes, got 55 minutes'),
      ]);
    });
  });
});

describe('dependency cycles', () => {
  test('synthesis rejects the cycle that granting a function the right to invoke itself the obvious way creates', () => {
    const stack = testStack();
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });
    fn.grantInvoke(fn);
    // So every test above that synthesizes a hook also proves its template has no cycle.
    expect(() => Template.fromStack(stack)).toThrow(/dependency cycle/);
  });
});
