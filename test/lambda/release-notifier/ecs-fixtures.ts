/**
 * One stage deployed by Amazon ECS itself, as the release notifier's ECS tests see it: its
 * configuration, the events EventBridge delivers (in the shape AWS documents), and ECS's answers.
 */
import {
  DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, DescribeTaskDefinitionCommand, ECSClient,
  ListServiceDeploymentsCommand, ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AwsClientStub } from 'aws-sdk-client-mock';
import { ReleaseNotifierConfig } from '../../../contract/release-notifier';
import type { EcsDeploymentStateChangeEvent } from '../../../lambda/release-notifier';

export const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:release-notifications';
export const SERVICE_ARN = 'arn:aws:ecs:eu-west-1:111122223333:service/orders-cluster/orders-api';
export const OTHER_SERVICE_ARN = 'arn:aws:ecs:eu-west-1:111122223333:service/orders-cluster/billing-api';
export const SERVICE_DEPLOYMENT_ARN = 'arn:aws:ecs:eu-west-1:111122223333:service-deployment/orders-cluster/orders-api/NCWGC2ZR-taawPAYrIaU5';
const OLDER_DEPLOYMENT_ARN = 'arn:aws:ecs:eu-west-1:111122223333:service-deployment/orders-cluster/orders-api/r9i43YFjvgF_xlg7m2eJ1r';
export const TARGET_REVISION = 'arn:aws:ecs:eu-west-1:111122223333:service-revision/orders-cluster/orders-api/4980306466373577095';
export const SOURCE_REVISION = 'arn:aws:ecs:eu-west-1:111122223333:service-revision/orders-cluster/orders-api/4980306466373570001';
const TARGET_TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:42';
const SOURCE_TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:41';
export const CONSOLE_URL = 'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/orders-cluster/services/orders-api/deployments?region=eu-west-1';
export const EVENT_TIME = '2026-11-30T12:31:14Z';

export const ECS_CONFIG: ReleaseNotifierConfig = {
  topicArn: TOPIC,
  releaseVersionVariable: 'RELEASE_VERSION',
  pipelineConsoleUrl: 'https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/orders/executions?region=eu-west-1',
  deploymentGroups: [],
  ecsServices: [{ serviceArn: SERVICE_ARN, serviceName: 'orders-api', stageName: 'Production', containerName: 'web' }],
};

/** An `ECS Deployment State Change` of the orders service, as EventBridge delivers it. */
export function ecsEvent(eventName: string, reason: string, overrides: { resources?: string[]; detail?: Record<string, unknown> } = {}): EcsDeploymentStateChangeEvent {
  return {
    'version': '0',
    'id': 'ddca6449-b258-46c0-8653-e0e3aEXAMPLE',
    'detail-type': 'ECS Deployment State Change',
    'source': 'aws.ecs',
    'account': '111122223333',
    'time': EVENT_TIME,
    'region': 'eu-west-1',
    'resources': overrides.resources ?? [SERVICE_ARN],
    'detail': {
      eventType: eventName === 'SERVICE_DEPLOYMENT_FAILED' ? 'ERROR' : 'INFO',
      eventName,
      deploymentId: 'ecs-svc/4980306466373577095',
      updatedAt: EVENT_TIME,
      reason,
      ...overrides.detail,
    },
  };
}

/** ECS's record of the deployment the events concern. */
export function serviceDeployment(fields: Partial<ServiceDeployment> = {}): ServiceDeployment {
  return {
    serviceDeploymentArn: SERVICE_DEPLOYMENT_ARN,
    serviceArn: SERVICE_ARN,
    clusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/orders-cluster',
    createdAt: new Date('2026-11-30T12:20:00Z'),
    sourceServiceRevisions: [{ arn: SOURCE_REVISION, runningTaskCount: 2 }],
    targetServiceRevision: { arn: TARGET_REVISION, runningTaskCount: 0 },
    status: 'IN_PROGRESS',
    ...fields,
  };
}

/**
 * ECS answers: the service's two newest deployments (the event's first, listed second), the
 * deployment, its two revisions and their task definitions (versions 1.4.0 and 1.3.9).
 */
export function stubEcs(ecs: AwsClientStub<ECSClient>, deployment: ServiceDeployment): void {
  ecs.on(ListServiceDeploymentsCommand).resolves({
    serviceDeployments: [
      { serviceDeploymentArn: OLDER_DEPLOYMENT_ARN, createdAt: new Date('2026-11-29T09:00:00Z'), status: 'SUCCESSFUL', targetServiceRevisionArn: SOURCE_REVISION },
      { serviceDeploymentArn: SERVICE_DEPLOYMENT_ARN, createdAt: new Date('2026-11-30T12:20:00Z'), status: deployment.status, targetServiceRevisionArn: TARGET_REVISION },
    ],
  });
  ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [deployment] });
  ecs.on(DescribeServiceRevisionsCommand, { serviceRevisionArns: [TARGET_REVISION] })
    .resolves({ serviceRevisions: [{ serviceRevisionArn: TARGET_REVISION, taskDefinition: TARGET_TASK_DEFINITION }] });
  ecs.on(DescribeServiceRevisionsCommand, { serviceRevisionArns: [SOURCE_REVISION] })
    .resolves({ serviceRevisions: [{ serviceRevisionArn: SOURCE_REVISION, taskDefinition: SOURCE_TASK_DEFINITION }] });
  for (const [arn, revision, version] of [[TARGET_TASK_DEFINITION, 42, '1.4.0'], [SOURCE_TASK_DEFINITION, 41, '1.3.9']] as const) {
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: arn }).resolves({
      taskDefinition: {
        taskDefinitionArn: arn,
        family: 'orders-api',
        revision,
        containerDefinitions: [{ name: 'web', environment: [{ name: 'RELEASE_VERSION', value: version }] }],
      },
    });
  }
}

export interface PublishedMessage {
  readonly subject: string;
  readonly email: string;
  readonly chatbot: {
    readonly id?: string;
    readonly content: { readonly title: string; readonly description: string; readonly nextSteps?: string[] };
    readonly metadata: Record<string, string>;
  };
}

/** Every message published to the topic, each checked for what SNS and AWS Chatbot accept. */
export function publishedMessages(sns: AwsClientStub<SNSClient>): PublishedMessage[] {
  return sns.commandCalls(PublishCommand).map((call) => {
    const input = call.args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.MessageStructure).toBe('json');
    expect(input.Subject!.length).toBeLessThanOrEqual(100);
    expect(input.Subject).toMatch(/^[\x20-\x7e]+$/);
    const message = JSON.parse(input.Message!) as { default: string; email: string };
    const chatbot = JSON.parse(message.default) as PublishedMessage['chatbot'] & { version: string; source: string };
    expect(chatbot).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
    return { subject: input.Subject!, email: message.email, chatbot };
  });
}
