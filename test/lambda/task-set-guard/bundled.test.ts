/**
 * The bundled guard (`assets/handlers/task-set-guard/index.js`, as Lambda runs it) given what a
 * service's rule sends the stack's shared function: the rule's input template, from a synthesized
 * stack, filled in with the event as EventBridge fills it in.
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import {
  CodeDeployClient, GetDeploymentCommand, ListDeploymentsCommand, StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, Task } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { FailedTaskSetGuard } from '../../../lib/alarms';
import { TASK_SET_GUARD_CONFIG_ENV } from '../../../contract/task-set-guard';
import { CapturedLogs, captureLogs, fakeContext, stubDeploymentTarget } from '../helpers';

const BUNDLE = path.join(__dirname, '..', '..', '..', 'assets', 'handlers', 'task-set-guard', 'index.js');
const CLUSTER_ARN = 'arn:aws:ecs:eu-west-1:111122223333:cluster/orders';
const GREEN = 'ecs-svc/2222222222222222222';

type Handler = (input: unknown, context: unknown) => Promise<{ verdict: string; reason: string }>;

/**
 * Two services of one stack, named literally, so that each target's input template is plain text:
 * the templates by the service they carry, and the descriptions of the rules they are on.
 */
function inputTemplates(): { byService: Record<string, string>; rules: string[] } {
  const stack = new Stack(new App(), 'Orders', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'] });
  const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'orders', clusterArn: CLUSTER_ARN, vpc, securityGroups: [] });
  for (const [name, threshold] of [['orders-api', 2], ['orders-worker', 1]] as const) {
    new FailedTaskSetGuard(stack, name, {
      service: ecs.FargateService.fromFargateServiceAttributes(stack, `${name}-service`, { cluster, serviceName: name }),
      deploymentGroup: codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(stack, `${name}-group`, {
        application: codedeploy.EcsApplication.fromEcsApplicationName(stack, `${name}-app`, `${name}-app`),
        deploymentGroupName: `${name}-prod`,
      }),
      serviceName: name,
      failedTaskThreshold: threshold,
    });
  }
  const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'));
  const byService = Object.fromEntries(rules.flatMap((rule) => rule.Properties.Targets.map((target: { InputTransformer: { InputTemplate: unknown } }) => {
    const template = target.InputTransformer.InputTemplate as string;
    expect(typeof template).toBe('string');
    return [/"displayName":"([^"]+)"/.exec(template)![1], template];
  })));
  return { byService, rules: rules.map((rule) => rule.Properties.Description as string) };
}

/** What EventBridge delivers for `template`: its `<aws.events.event.json>` replaced by the whole event. */
function transform(template: string, event: object): unknown {
  expect(template).toContain('<aws.events.event.json>');
  return JSON.parse(template.replace('<aws.events.event.json>', JSON.stringify(event)));
}

function failedTask(id: string, group: string): Task {
  return {
    taskArn: `arn:aws:ecs:eu-west-1:111122223333:task/orders/${id}`, clusterArn: CLUSTER_ARN, group, startedBy: GREEN, lastStatus: 'STOPPED',
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders:43', containers: [],
    stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
  };
}

function stateChange(task: Task): object {
  return { 'version': '0', 'id': `event-${task.taskArn}`, 'detail-type': 'ECS Task State Change', 'source': 'aws.ecs', 'detail': task };
}

describe('the bundled guard, shared by the services of a stack', () => {
  const codeDeploy = mockClient(CodeDeployClient);
  const ecsClient = mockClient(ECSClient);
  let logs: CapturedLogs;
  let templates: ReturnType<typeof inputTemplates>;
  let stopped: Task[];

  beforeAll(() => {
    templates = inputTemplates();
  });

  beforeEach(() => {
    codeDeploy.reset();
    ecsClient.reset();
    stopped = [];
    delete process.env[TASK_SET_GUARD_CONFIG_ENV];
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-1'] });
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-1', status: 'InProgress', creator: 'user' } });
    stubDeploymentTarget(codeDeploy, { taskSetsInfo: [{ identifer: GREEN, taskSetLabel: 'Green' }], lifecycleEvents: [] });
    codeDeploy.on(StopDeploymentCommand).resolves({});
    ecsClient.on(ListTasksCommand).callsFake(() => ({ taskArns: stopped.map((t) => t.taskArn) }));
    ecsClient.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({ tasks: stopped.filter((t) => input.tasks.includes(t.taskArn!)) }));
    logs = captureLogs();
  });

  afterEach(() => {
    logs.restore();
  });

  function bundled(): Handler {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(BUNDLE) as { handler: Handler }).handler;
  }

  async function deliver(service: string, task: Task) {
    stopped.push(task);
    return bundled()(transform(templates.byService[service], stateChange(task)), fakeContext());
  }

  test('each target of the shared rule carries its own service\'s configuration: thresholds, deployment groups and services apart', async () => {
    expect(templates.rules).toEqual(['Sends the stopped tasks of orders-api, orders-worker to the failed-task-set guard']);
    expect(Object.keys(templates.byService).sort()).toEqual(['orders-api', 'orders-worker']);
    // orders-worker stops at its first failed task, in its own deployment group.
    await expect(deliver('orders-worker', failedTask('w1', 'service:orders-worker'))).resolves.toMatchObject({ verdict: 'stopped' });
    expect(codeDeploy.commandCalls(ListDeploymentsCommand)[0].args[0].input).toMatchObject({
      applicationName: 'orders-worker-app', deploymentGroupName: 'orders-worker-prod',
    });

    // orders-api, threshold 2: its first failure is below it; a task of another service of the rule, delivered to its target too, is ignored.
    stopped = [];
    await expect(deliver('orders-api', failedTask('a1', 'service:orders-api'))).resolves.toMatchObject({ verdict: 'below-threshold' });
    await expect(deliver('orders-api', failedTask('x1', 'service:orders-worker'))).resolves.toMatchObject({ verdict: 'ignored' });
    await expect(deliver('orders-api', failedTask('a2', 'service:orders-api'))).resolves.toMatchObject({ verdict: 'stopped' });
    expect(codeDeploy.commandCalls(StopDeploymentCommand).map((call) => call.args[0].input)).toEqual([
      { deploymentId: 'd-1', autoRollbackEnabled: true },
      { deploymentId: 'd-1', autoRollbackEnabled: true },
    ]);
    expect(codeDeploy.commandCalls(ListDeploymentsCommand).pop()!.args[0].input).toMatchObject({
      applicationName: 'orders-api-app', deploymentGroupName: 'orders-api-prod',
    });
    expect(logs.raw()).toContain('"service":"orders-api"');
  });

  test('a bare event still takes its configuration from the environment', async () => {
    process.env[TASK_SET_GUARD_CONFIG_ENV] = JSON.stringify({
      applicationName: 'app', deploymentGroupName: 'prod', clusterArn: CLUSTER_ARN, serviceName: 'web', failedTaskThreshold: 1,
    });
    const task = failedTask('b1', 'service:web');
    stopped.push(task);
    try {
      await expect(bundled()(stateChange(task), fakeContext())).resolves.toMatchObject({ verdict: 'stopped' });
    } finally {
      delete process.env[TASK_SET_GUARD_CONFIG_ENV];
    }
  });
});
