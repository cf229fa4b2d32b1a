/**
 * The release notifier: one message per failed, stopped or rolled-back deployment, naming the
 * service, stage, version and why; published even when the lookups fail, and thrown only when
 * the publish itself fails.
 */
import {
  CodeDeployClient, DeploymentInfo, ECSTarget, GetDeploymentCommand, GetDeploymentTargetCommand, ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeTaskDefinitionCommand, DescribeTaskSetsCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, Task } from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  errorRateCriterion, fixedLatencyCriterion, formatAlarmName, formatDuration, runningTaskShortfallCriterion,
} from '../../../lib/alarms/private/format';
import { RELEASE_NOTIFIER_CONFIG_ENV, ReleaseNotifierConfig } from '../../../contract/release-notifier';
import { DeploymentStateChangeEvent, handler } from '../../../lambda/release-notifier';
import { CapturedLogs, awsError, captureLogs, fakeContext, stubDeploymentTarget } from '../helpers';

const codeDeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const sns = mockClient(SNSClient);

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:release-notifications';
const GREEN_TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:42';
const CONFIG: ReleaseNotifierConfig = {
  topicArn: TOPIC,
  releaseVersionVariable: 'RELEASE_VERSION',
  pipelineConsoleUrl: 'https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/orders/executions?region=eu-west-1',
  deploymentGroups: [{
    applicationName: 'orders-app',
    deploymentGroupName: 'orders-prod',
    serviceName: 'orders-api',
    stageName: 'Production',
    consoleUrl: 'https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/applications/orders-app/deployment-groups/orders-prod?region=eu-west-1',
    cluster: 'orders-cluster',
    service: 'orders-api',
    containerName: 'web',
  }],
};

function stateChange(state: string, overrides: Partial<{ application: string; deploymentGroup: string }> = {}): DeploymentStateChangeEvent {
  return {
    'id': 'event-1',
    'detail-type': 'CodeDeploy Deployment State-change Notification',
    'region': 'eu-west-1',
    'detail': { region: 'eu-west-1', deploymentId: 'd-ABC123', application: 'orders-app', deploymentGroup: 'orders-prod', state, ...overrides },
  };
}

function deployment(fields: Partial<DeploymentInfo> = {}): { deploymentInfo: DeploymentInfo } {
  return {
    deploymentInfo: {
      deploymentId: 'd-ABC123',
      applicationName: 'orders-app',
      deploymentGroupName: 'orders-prod',
      status: 'Failed',
      creator: 'user',
      ...fields,
    },
  };
}

const GREEN_TARGET: ECSTarget = {
  taskSetsInfo: [
    { identifer: 'ecs-svc/1111', taskSetLabel: 'Blue' },
    { identifer: 'ecs-svc/2222', taskSetLabel: 'Green' },
  ],
  lifecycleEvents: [
    { lifecycleEventName: 'BeforeInstall', status: 'Succeeded' },
    { lifecycleEventName: 'Install', status: 'Succeeded' },
    {
      lifecycleEventName: 'AfterAllowTestTraffic',
      status: 'Failed',
      diagnostics: { errorCode: 'ScriptFailed', message: 'check /health: status 500, expected 200', logTail: 'GET /health -> 500 in 12 ms' },
    },
    { lifecycleEventName: 'BeforeAllowTraffic', status: 'Skipped' },
  ],
};

interface Published {
  subject: string;
  email: string;
  chatbot: { version: string; source: string; content: { textType: string; title: string; description: string; nextSteps?: string[] }; metadata: Record<string, string> };
}

function published(): Published[] {
  return sns.commandCalls(PublishCommand).map((call) => {
    const input = call.args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.MessageStructure).toBe('json');
    const message = JSON.parse(input.Message!) as { default: string; email: string };
    return { subject: input.Subject!, email: message.email, chatbot: JSON.parse(message.default) };
  });
}

function onlyMessage(): Published {
  const messages = published();
  expect(messages).toHaveLength(1);
  const [message] = messages;
  expect(message.subject.length).toBeLessThanOrEqual(100);
  expect(message.subject).toMatch(/^[\x20-\x7e]+$/);
  expect(message.chatbot).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
  return message;
}

let logs: CapturedLogs;

beforeEach(() => {
  codeDeploy.reset();
  ecs.reset();
  sns.reset();
  process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify(CONFIG);
  // No backoff waits: the retries themselves are what these tests look at.
  jest.spyOn(Math, 'random').mockReturnValue(0);
  codeDeploy.on(GetDeploymentCommand).resolves(deployment({
    errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'The deployment failed because a specified lifecycle event hook failed.' },
  }));
  stubDeploymentTarget(codeDeploy, GREEN_TARGET);
  ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [{ id: 'ecs-svc/2222', taskDefinition: GREEN_TASK_DEFINITION }] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: GREEN_TASK_DEFINITION,
      family: 'orders-api',
      revision: 42,
      containerDefinitions: [{ name: 'web', environment: [{ name: 'RELEASE_VERSION', value: '4f1c7d2' }] }],
    },
  });
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  jest.restoreAllMocks();
  delete process.env[RELEASE_NOTIFIER_CONFIG_ENV];
});

describe('release notifier', () => {
  test('a failed hook: the message names the service, stage, version, the lifecycle event and its diagnostics', async () => {
    const result = await handler(stateChange('FAILURE'), fakeContext());

    const message = onlyMessage();
    expect(result).toEqual({ subject: message.subject, messageId: 'm-1' });
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 failed (4f1c7d2)');
    expect(message.email).toContain('Service: orders-api');
    expect(message.email).toContain('Stage: Production');
    expect(message.email).toContain('Version: 4f1c7d2 (RELEASE_VERSION of task definition orders-api:42)');
    expect(message.email).toContain('Why: AfterAllowTestTraffic failed: check /health: status 500, expected 200 (ScriptFailed)');
    expect(message.email).toContain('GET /health -> 500 in 12 ms');
    expect(message.email).toContain('https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-ABC123?region=eu-west-1');
    expect(message.email).toContain(CONFIG.pipelineConsoleUrl);
    expect(message.chatbot.content.title).toContain('orders-api Production: deployment d-ABC123 failed (version 4f1c7d2)');
    expect(message.chatbot.content.description).toContain('*Why:* AfterAllowTestTraffic failed: check /health: status 500, expected 200');
    // A hook's diagnostics explain the failure: the stopped tasks are not read.
    expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(0);
    expect(message.chatbot.metadata).toMatchObject({ eventType: 'DeploymentFailed', threadId: 'd-ABC123' });
    expect(ecs.commandCalls(DescribeTaskSetsCommand)[0].args[0].input).toEqual({ cluster: 'orders-cluster', service: 'orders-api', taskSets: ['ecs-svc/2222'] });
  });

  test('an alarm stop: the message names the alarm that fired, and the rollback', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({
      status: 'Stopped',
      errorInformation: {
        code: 'ALARM_ACTIVE',
        message: 'One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. '
          + 'Activated alarms: <orders-api-target-5xx>',
      },
      rollbackInfo: { rollbackMessage: 'Deployment d-ABC123 was rolled back: traffic is back on the original task set.' },
    }));
    stubDeploymentTarget(codeDeploy, { ...GREEN_TARGET, lifecycleEvents: [{ lifecycleEventName: 'AfterAllowTraffic', status: 'Succeeded' }] });

    await handler(stateChange('STOP'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 rolled back (4f1c7d2)');
    expect(message.email).toContain('Why: rollback alarm "orders-api-target-5xx" went into ALARM');
    expect(message.email).toContain('Rollback: Deployment d-ABC123 was rolled back: traffic is back on the original task set.');
    expect(message.chatbot.metadata.eventType).toBe('DeploymentStopped');
  });

  test('a rolled-back deployment names the rollback deployment', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({
      errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'The deployment failed because a specified lifecycle event hook failed.' },
      rollbackInfo: { rollbackDeploymentId: 'd-RB4567', rollbackMessage: 'Rolled back by CodeDeploy after the deployment failed.' },
    }));

    await handler(stateChange('FAILURE'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 rolled back (4f1c7d2)');
    expect(message.email).toContain('Rollback: rolled back by deployment d-RB4567; Rolled back by CodeDeploy after the deployment failed.');
    expect(message.chatbot.content.nextSteps?.[0]).toMatch(/^Production traffic is back on the previous \(blue\) task set/);
  });

  test('a throttled GetDeployment is retried', async () => {
    codeDeploy.on(GetDeploymentCommand)
      .rejectsOnce(awsError('ThrottlingException'))
      .resolves(deployment({ errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'hook failed' } }));

    await handler(stateChange('FAILURE'), fakeContext());

    expect(codeDeploy.commandCalls(GetDeploymentCommand)).toHaveLength(2);
    expect(onlyMessage().email).toContain('Deployment: d-ABC123, failed (status Failed)');
    expect(logs.lines.some((line) => line.message === 'retrying AWS call' && line.call === 'codedeploy:GetDeployment')).toBe(true);
  });

  test('the version lookup fails: the message is still published, with "version unknown" and the error', async () => {
    ecs.on(DescribeTaskSetsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform ecs:DescribeTaskSets'));

    await handler(stateChange('FAILURE'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 failed');
    expect(message.email).toContain('Version: version unknown: not authorized to perform ecs:DescribeTaskSets');
    expect(message.email).toContain('Why: AfterAllowTestTraffic failed');
    expect(message.chatbot.content.title).toContain('(version unknown: not authorized');
  });

  test('the green task set is gone after the rollback: the version comes from the deployment\'s AppSpec', async () => {
    ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [], failures: [{ arn: 'ecs-svc/2222', reason: 'MISSING' }] });
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content: JSON.stringify({ Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: GREEN_TASK_DEFINITION } } }] }) },
      },
    }));

    await handler(stateChange('FAILURE'), fakeContext());

    expect(onlyMessage().email).toContain('Version: 4f1c7d2 (RELEASE_VERSION of task definition orders-api:42)');
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0].args[0].input).toEqual({ taskDefinition: GREEN_TASK_DEFINITION });
  });

  test('GetDeployment and the target fail for good: the message still names what the event says', async () => {
    codeDeploy.on(GetDeploymentCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform codedeploy:GetDeployment'));
    codeDeploy.on(ListDeploymentTargetsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform codedeploy:ListDeploymentTargets'));

    await handler(stateChange('FAILURE'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 failed');
    expect(message.email).toContain('Why: unknown: not authorized to perform codedeploy:GetDeployment; not authorized to perform codedeploy:ListDeploymentTargets');
    // Nothing was read, so the version line says which lookups failed rather than what the deployment names.
    expect(message.email).toContain('Version: version unknown: the lookups failed: '
      + 'codedeploy:GetDeployment: not authorized to perform codedeploy:GetDeployment; '
      + 'codedeploy:ListDeploymentTargets/GetDeploymentTarget: not authorized to perform codedeploy:ListDeploymentTargets');
    expect(message.email).not.toContain('names no task definition');
    expect(codeDeploy.commandCalls(GetDeploymentTargetCommand)).toHaveLength(0);
  });

  test('fails when the publish fails after its retries, so that EventBridge and Lambda retry', async () => {
    sns.on(PublishCommand).rejects(awsError('ThrottlingException'));

    await expect(handler(stateChange('FAILURE'), fakeContext())).rejects.toThrow('ThrottlingException from the service');

    expect(sns.commandCalls(PublishCommand)).toHaveLength(6);
    const failure = logs.lines.find((line) => line.message === 'could not publish the notification');
    expect(failure).toMatchObject({ level: 'error', subject: 'orders-api Production: deployment d-ABC123 failed (4f1c7d2)' });
    expect(String(failure?.text)).toContain('AfterAllowTestTraffic failed');
  });

  test('a deployment group the configuration does not know is named by its CodeDeploy names', async () => {
    await handler(stateChange('FAILURE', { application: 'billing-app', deploymentGroup: 'billing-prod' }), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('billing-app/billing-prod unknown stage: deployment d-ABC123 failed');
    expect(message.email).toContain('Deployment group: billing-app/billing-prod (not a stage of this pipeline\'s configuration)');
    expect(message.email).toContain('Why: AfterAllowTestTraffic failed: check /health: status 500, expected 200');
    expect(message.email).toContain('version unknown');
    expect(ecs.commandCalls(DescribeTaskSetsCommand)).toHaveLength(0);
  });

  test('a success, when asked for, says so without a reason', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({ status: 'Succeeded' }));
    stubDeploymentTarget(codeDeploy, { ...GREEN_TARGET, lifecycleEvents: [{ lifecycleEventName: 'AfterAllowTraffic', status: 'Succeeded' }] });

    await handler(stateChange('SUCCESS'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 succeeded (4f1c7d2)');
    expect(message.email).not.toContain('Why:');
    expect(message.chatbot.metadata.eventType).toBe('DeploymentSucceeded');
  });

  test('a long service and stage name keep the subject within 100 characters', async () => {
    process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify({
      ...CONFIG,
      deploymentGroups: [{ ...CONFIG.deploymentGroups[0], serviceName: 'a-very-long-service-name-'.repeat(3), stageName: 'Production-eu-central-1-and-more' }],
    });

    await handler(stateChange('FAILURE'), fakeContext());

    expect(onlyMessage().subject).toMatch(/^a-very-long-service-name-.*\.\.\.$/);
  });

  test('a topic of a pipeline in another region is published to in the topic\'s region', async () => {
    const topicArn = 'arn:aws:sns:us-east-1:444455556666:release-notifications';
    process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify({ ...CONFIG, topicArn });

    await handler(stateChange('FAILURE'), fakeContext());

    const [call] = sns.commandCalls(PublishCommand);
    expect(call.args[0].input.TopicArn).toBe(topicArn);
    const client = call.thisValue as SNSClient;
    await expect(client.config.region()).resolves.toBe('us-east-1');
  });
});

describe('why a deployment stopped', () => {
  const STACK = 'OrdersProd';
  const window = formatDuration(120);
  // The library's own rollback alarm names, as RollbackAlarms renders them: they hold '>' and '<'.
  const ALARMS = [
    formatAlarmName('orders-api', errorRateCriterion('1', window), STACK),
    formatAlarmName('orders-api', fixedLatencyCriterion('750 ms', '3', '250 ms', window), STACK),
    formatAlarmName('orders-api', runningTaskShortfallCriterion('100', formatDuration(180)), STACK),
  ];

  test('every alarm CodeDeploy lists is named in full, quoted', async () => {
    expect(ALARMS.every((name) => name.includes('>') || name.includes('<'))).toBe(true);
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({
      status: 'Stopped',
      errorInformation: {
        code: 'ALARM_ACTIVE',
        message: 'One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. '
          + `Activated alarms: ${ALARMS.map((name) => `<${name}>`).join(' ')}`,
      },
    }));
    stubDeploymentTarget(codeDeploy, { ...GREEN_TARGET, lifecycleEvents: [{ lifecycleEventName: 'AfterAllowTraffic', status: 'InProgress' }] });

    await handler(stateChange('STOP'), fakeContext());

    const message = onlyMessage();
    expect(message.email).toContain(`Why: rollback alarms ${ALARMS.map((name) => `"${name}"`).join(', ')} went into ALARM`);
    expect(message.chatbot.content.description).toContain(`"${ALARMS[2]}"`);
    // An alarm explains the stop: no task lookup.
    expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(0);
  });

  function stoppedTask(id: string, minute: number, fields: Partial<Task> = {}): Task {
    return {
      taskArn: `arn:aws:ecs:eu-west-1:111122223333:task/orders-cluster/${id}`,
      taskDefinitionArn: GREEN_TASK_DEFINITION,
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      stoppedAt: new Date(Date.UTC(2026, 11, 1, 12, minute)),
      containers: [{ name: 'web', exitCode: 1 }, { name: 'log-router', exitCode: 0 }],
      ...fields,
    };
  }

  /** A deployment stopped with no failed hook and no alarm, as a guard's StopDeployment leaves it. */
  function stoppedWithoutDiagnostics(): void {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({ status: 'Stopped', errorInformation: undefined }));
    stubDeploymentTarget(codeDeploy, {
      ...GREEN_TARGET,
      lifecycleEvents: [{ lifecycleEventName: 'BeforeInstall', status: 'Succeeded' }, { lifecycleEventName: 'Install', status: 'InProgress' }],
    });
  }

  test('a stop no hook or alarm explains names why the green tasks stopped: the newest three, of the green revision only', async () => {
    stoppedWithoutDiagnostics();
    const tasks = [
      stoppedTask('t1', 1),
      stoppedTask('t2', 2, { containers: [{ name: 'web', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }] }),
      stoppedTask('blue', 9, { taskDefinitionArn: GREEN_TASK_DEFINITION.replace(':42', ':41'), stoppedReason: 'Scaling activity initiated by deployment' }),
      stoppedTask('t3', 3),
      stoppedTask('t4', 4, { stoppedReason: undefined, stopCode: 'TaskFailedToStart', containers: [] }),
    ];
    ecs.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn!) });
    ecs.on(DescribeTasksCommand).resolves({ tasks });

    await handler(stateChange('STOP'), fakeContext());

    const message = onlyMessage();
    expect(message.email).toContain('Why: green tasks of orders-api:42 stopped: '
      + 'task t4: TaskFailedToStart; '
      + 'task t3: Essential container in task exited (web exit code 1; log-router exit code 0); '
      + 'task t2: Essential container in task exited (web exit code 137: OutOfMemoryError: Container killed due to memory usage)');
    expect(message.email).not.toContain('task t1');
    expect(message.email).not.toContain('task blue');
    expect(message.email).not.toContain('by a person or a newer deployment');
    expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'orders-cluster', family: 'orders-api', desiredStatus: 'STOPPED', maxResults: 100 },
    ]);
    expect(ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input)).toEqual([{ cluster: 'orders-cluster', tasks: tasks.map((t) => t.taskArn) }]);
  });

  test('a failed Install, a step of CodeDeploy rather than a hook, names the stopped tasks, then CodeDeploy\'s error', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({
      errorInformation: { code: 'ECS_UPDATE_ERROR', message: 'The ECS service cannot be updated due to an unexpected error.' },
    }));
    stubDeploymentTarget(codeDeploy, { ...GREEN_TARGET, lifecycleEvents: [{ lifecycleEventName: 'Install', status: 'Failed' }] });
    ecs.on(ListTasksCommand).resolves({ taskArns: [stoppedTask('t1', 1).taskArn!] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [stoppedTask('t1', 1)] });

    await handler(stateChange('FAILURE'), fakeContext());

    expect(onlyMessage().email).toContain('Why: green task of orders-api:42 stopped: task t1: Essential container in task exited '
      + '(web exit code 1; log-router exit code 0) (CodeDeploy: Install failed: The ECS service cannot be updated due to an unexpected error.)');
    expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(1);
  });

  test('when the stopped tasks cannot be read, the message says so and gives CodeDeploy\'s reason', async () => {
    stoppedWithoutDiagnostics();
    ecs.on(ListTasksCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform ecs:ListTasks'));

    await handler(stateChange('STOP'), fakeContext());

    const message = onlyMessage();
    expect(message.email).toContain('Stopped green tasks: unknown: ecs:ListTasks/DescribeTasks: not authorized to perform ecs:ListTasks');
    expect(message.email).toContain('Why: stopped (deployment created by user), by a person or a newer deployment');
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });

  test('no stopped green task: the reason stays CodeDeploy\'s', async () => {
    stoppedWithoutDiagnostics();

    await handler(stateChange('STOP'), fakeContext());

    const message = onlyMessage();
    expect(message.email).toContain('Why: stopped (deployment created by user), by a person or a newer deployment');
    expect(message.email).not.toContain('Stopped green tasks');
    expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(1);
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });
});
