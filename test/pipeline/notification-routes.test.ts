/**
 * Severity routing: the pipeline's topic receives every message, a topic per higher threshold
 * exists only when a route asks for it, and each source publishes to the topics its severity
 * reaches.
 */
import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { BlueGreenService, DeploymentEngine, NotificationRoute, NotificationSeverity, ReleasePipeline, ReleaseSource } from '../../lib';
import { NOTIFICATION_FORWARDER_CONFIG_ENV } from '../../contract/notification-routing';
import { RELEASE_NOTIFIER_CONFIG_ENV } from '../../contract/release-notifier';
import { expectSynthError } from '../synth-errors';
import { CONNECTION_ARN, mockService, testStack } from './util';

const SOURCE = ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'acme', repo: 'orders' });

function pipelineWith(stack: Stack, routes: NotificationRoute[], extra: Partial<ConstructorParameters<typeof ReleasePipeline>[2]> = {}): ReleasePipeline {
  const staging = mockService(stack, 'Staging');
  const production = mockService(stack, 'Production');
  return new ReleasePipeline(stack, 'Release', {
    source: SOURCE,
    stages: [{ stageName: 'Staging', service: staging }, { stageName: 'Production', service: production, requireApproval: true }],
    notificationEmails: ['team@example.com'],
    notificationRoutes: routes,
    ...extra,
  });
}

function topicLogicalIds(template: Template): string[] {
  return Object.keys(template.findResources('AWS::SNS::Topic')).sort();
}

function notifierConfig(template: Template): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { [RELEASE_NOTIFIER_CONFIG_ENV]: Match.anyValue() } } },
  });
  const [fn] = Object.values(functions) as Array<{ Properties: { Environment: { Variables: Record<string, unknown> } } }>;
  const value = fn.Properties.Environment.Variables[RELEASE_NOTIFIER_CONFIG_ENV];
  // The configuration is a Fn::Join of literal text and topic references.
  const parts = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return JSON.parse(parts.map((part) => typeof part === 'string' ? part : JSON.stringify(part).replace(/"/g, '\'')).join('')) as Record<string, unknown>;
}

describe('notification routes', () => {
  test('without routes there is one topic, and the notifier configuration has no severity topics', () => {
    const stack = testStack();
    pipelineWith(stack, []);
    const template = Template.fromStack(stack);
    expect(topicLogicalIds(template)).toEqual([expect.stringMatching(/^ReleaseNotificationsTopic/)]);
    expect(notifierConfig(template)).not.toHaveProperty('severityTopics');
  });

  test('a WARNING e-mail route makes the WARNING topic alone, subscribes the address there, and keeps the pipeline topic\'s id', () => {
    const stack = testStack();
    const pipeline = pipelineWith(stack, [NotificationRoute.email('on-call@example.com', NotificationSeverity.WARNING)]);
    const template = Template.fromStack(stack);
    const ids = topicLogicalIds(template);
    expect(ids).toHaveLength(2);
    expect(ids.some((id) => /^ReleaseNotificationsTopic/.test(id))).toBe(true);
    const warningId = ids.find((id) => /^ReleaseNotificationsWarningTopic/.test(id))!;
    expect(warningId).toBeDefined();
    expect(pipeline.criticalNotificationTopic).toBeUndefined();
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'on-call@example.com', TopicArn: { Ref: warningId } });
    // Encrypted by the pipeline topic's key.
    const infoId = ids.find((id) => /^ReleaseNotificationsTopic/.test(id))!;
    const topics = template.findResources('AWS::SNS::Topic');
    expect(topics[warningId].Properties.KmsMasterKeyId).toEqual(topics[infoId].Properties.KmsMasterKeyId);
    expect(notifierConfig(template).severityTopics).toEqual([{ topicArn: `{'Ref':'${warningId}'}`, minimumSeverity: 'WARNING' }]);
  });

  test('the notifier may publish to every topic', () => {
    const stack = testStack();
    pipelineWith(stack, [
      NotificationRoute.email('on-call@example.com', NotificationSeverity.WARNING),
      NotificationRoute.email('pager@example.com', NotificationSeverity.CRITICAL),
    ]);
    const template = Template.fromStack(stack);
    const ids = topicLogicalIds(template);
    expect(ids).toHaveLength(3);
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish' })]) } },
    });
    const notifierPolicy = Object.entries(policies).find(([id]) => /DeploymentNotifier/.test(id))![1] as { Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } } };
    const published = notifierPolicy.Properties.PolicyDocument.Statement.filter((s) => s.Action === 'sns:Publish').map((s) => (s.Resource as { Ref: string }).Ref).sort();
    expect(published).toEqual(ids);
  });

  test('the lost-notifications alarm publishes to the pipeline topic and the WARNING topic, not the CRITICAL one', () => {
    const stack = testStack();
    pipelineWith(stack, [
      NotificationRoute.email('on-call@example.com', NotificationSeverity.WARNING),
      NotificationRoute.email('pager@example.com', NotificationSeverity.CRITICAL),
    ]);
    const template = Template.fromStack(stack);
    const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmDescription: Match.stringLikeRegexp('could not be published') } });
    const [alarm] = Object.entries(alarms).filter(([id]) => /DeploymentNotifier/.test(id)).map(([, a]) => a as { Properties: { AlarmActions: Array<{ Ref: string }> } });
    expect(alarm.Properties.AlarmActions.map((a) => a.Ref).sort()).toEqual([
      expect.stringMatching(/^ReleaseNotificationsTopic/), expect.stringMatching(/^ReleaseNotificationsWarningTopic/),
    ]);
  });

  test('pipeline failures and approvals awaiting a person go to the WARNING topic', () => {
    const stack = testStack();
    pipelineWith(stack, [NotificationRoute.email('on-call@example.com', NotificationSeverity.WARNING)]);
    const template = Template.fromStack(stack);
    const warningId = topicLogicalIds(template).find((id) => /WarningTopic/.test(id))!;
    template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed', 'codepipeline-pipeline-manual-approval-needed'],
      Targets: [{ TargetType: 'SNS', TargetAddress: { Ref: warningId } }],
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: warningId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'codestar-notifications.amazonaws.com' } })]) },
    });
  });

  test('a Slack route subscribes the channel to its threshold\'s topic', () => {
    const stack = testStack();
    const channel = new chatbot.SlackChannelConfiguration(stack, 'Oncall', { slackChannelConfigurationName: 'oncall', slackWorkspaceId: 'T0123', slackChannelId: 'C0123' });
    pipelineWith(stack, [NotificationRoute.slack(channel, NotificationSeverity.CRITICAL)]);
    const template = Template.fromStack(stack);
    const criticalId = topicLogicalIds(template).find((id) => /CriticalTopic/.test(id))!;
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', { SlackChannelId: 'C0123', SnsTopicArns: [{ Ref: criticalId }] });
  });

  test('a PagerDuty route subscribes a forwarder to the CRITICAL topic, which may read the secret and is told only its ARN', () => {
    const stack = testStack();
    const routingKey = secretsmanager.Secret.fromSecretNameV2(stack, 'PagerDutyKey', 'release/pagerduty-routing-key');
    pipelineWith(stack, [NotificationRoute.pagerDuty({ routingKey })]);
    const template = Template.fromStack(stack);
    const criticalId = topicLogicalIds(template).find((id) => /CriticalTopic/.test(id))!;
    const forwarders = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { [NOTIFICATION_FORWARDER_CONFIG_ENV]: Match.anyValue() } } },
    });
    const [forwarderId] = Object.keys(forwarders);
    expect(forwarderId).toMatch(/^ReleaseNotificationsPagerDutyPagerDutyKey/);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda', TopicArn: { Ref: criticalId }, Endpoint: { 'Fn::GetAtt': [forwarderId, 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
    const config = JSON.stringify(forwarders[forwarderId].Properties.Environment.Variables);
    expect(config).toContain('secret:release/pagerduty-routing-key');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('secret:release/pagerduty-routing-key-\\?\\?\\?\\?\\?\\?')])]) }),
      })]) },
    });
    // A page that could not be sent is told by e-mail, through the pipeline's topic.
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const forwarderAlarm = Object.entries(alarms).find(([id]) => /PagerDuty.*LostNotifications/.test(id))![1] as { Properties: { AlarmActions: Array<{ Ref: string }> } };
    expect(forwarderAlarm.Properties.AlarmActions.map((a) => a.Ref)).toEqual([expect.stringMatching(/^ReleaseNotificationsTopic/)]);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: forwarderId }, MaximumRetryAttempts: 2 });
  });

  test('fails when a route has no e-mail address', () => {
    const stack = testStack();
    expectSynthError(stack, () => pipelineWith(stack, [NotificationRoute.email('on-call', NotificationSeverity.WARNING)]),
      /Release: invalid notificationRoutes: route 0 has e-mail address 'on-call', which is not one/);
  });

  test('fails when a route subscribes an address twice to one threshold', () => {
    const stack = testStack();
    expectSynthError(stack, () => pipelineWith(stack, [
      NotificationRoute.email('on-call@example.com', NotificationSeverity.WARNING),
      NotificationRoute.email('On-Call@example.com', NotificationSeverity.WARNING),
    ]), /invalid notificationRoutes: route 1 subscribes On-Call@example.com to the WARNING messages a second time/);
  });

  test('fails when two PagerDuty routes share a secret', () => {
    const stack = testStack();
    const routingKey = secretsmanager.Secret.fromSecretNameV2(stack, 'PagerDutyKey', 'release/pagerduty-routing-key');
    expectSynthError(stack, () => pipelineWith(stack, [
      NotificationRoute.pagerDuty({ routingKey }),
      NotificationRoute.pagerDuty({ routingKey, minimumSeverity: NotificationSeverity.WARNING }),
    ]), /invalid notificationRoutes: route 1 pages with the secret .*PagerDutyKey a second time/);
  });

  test('deployment starts and READY waits are watched: START only when asked', () => {
    const stack = testStack();
    pipelineWith(stack, [], { notifyDeploymentStart: true });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ state: ['FAILURE', 'STOP', 'READY', 'START'] }) }),
    });
    expect(notifierConfig(template).notifyDeploymentStart).toBe(true);
  });
});

describe('notification sources', () => {
  function ecsPreview(stack: Stack): BlueGreenService {
    return new BlueGreenService(stack, 'Preview', {
      vpc: new ec2.Vpc(stack, 'PreviewVpc', { maxAzs: 2, natGateways: 1 }),
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
      serviceName: 'orders-preview',
      engine: DeploymentEngine.ecs(),
      approvalWait: Duration.hours(4),
    });
  }

  test('rollback verification results invoke the notifier, with retries and the dead-letter queue', () => {
    const stack = testStack();
    pipelineWith(stack, []);
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['cdk-ecs-release'], 'detail-type': ['Rollback Verification Result'] },
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReleaseNotificationsDeploymentNotifier'), 'Arn'] },
        DeadLetterConfig: Match.objectLike({}),
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
      })],
    });
  });

  test('a pause awaiting a person goes to the WARNING topic too, which admits that rule alone', () => {
    const stack = testStack();
    pipelineWith(stack, [NotificationRoute.email('on-call@example.com', NotificationSeverity.WARNING)], { notifiedServices: [ecsPreview(stack)] });
    const template = Template.fromStack(stack);
    const warningId = topicLogicalIds(template).find((id) => /WarningTopic/.test(id))!;
    const rules = template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { detail: { eventName: ['HOOK_AWAITING_ACTION'] } } } });
    const [[ruleId, rule]] = Object.entries(rules) as Array<[string, { Properties: { Targets: Array<{ Arn: unknown }> } }]>;
    expect(rule.Properties.Targets.map((t) => t.Arn)).toEqual([{ Ref: expect.stringMatching(/^ReleaseNotificationsTopic/) }, { Ref: warningId }]);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: warningId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Principal: { Service: 'events.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      })]) },
    });
    // How the pause ended is no call to act: the pipeline topic alone.
    const decisions = template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { detail: { eventName: ['HOOK_SUCCEEDED', 'HOOK_FAILED', 'HOOK_TIMED_OUT'] } } } });
    expect(Object.values(decisions).map((r) => (r as { Properties: { Targets: unknown[] } }).Properties.Targets.length)).toEqual([1]);
  });

  test('Amazon ECS deployment starts are watched when asked for', () => {
    const stack = testStack();
    pipelineWith(stack, [], { notifiedServices: [ecsPreview(stack)], notifyDeploymentStart: true });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { eventName: ['SERVICE_DEPLOYMENT_FAILED', 'SERVICE_DEPLOYMENT_COMPLETED', 'SERVICE_DEPLOYMENT_IN_PROGRESS'] } }),
    });
  });

  test('a PagerDuty route above INFO also hears, from the pipeline topic, the messages that resolve an incident', () => {
    const stack = testStack();
    const routingKey = secretsmanager.Secret.fromSecretNameV2(stack, 'PagerDutyKey', 'release/pagerduty-routing-key');
    pipelineWith(stack, [NotificationRoute.pagerDuty({ routingKey })]);
    const template = Template.fromStack(stack);
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'lambda' } })) as Array<{ Properties: Record<string, unknown> }>;
    expect(subscriptions.map((s) => [(s.Properties.TopicArn as { Ref: string }).Ref.replace(/[0-9A-F]{8}$/, ''), s.Properties.FilterPolicy]).sort()).toEqual([
      ['ReleaseNotificationsCriticalTopic', undefined],
      ['ReleaseNotificationsTopic', { resolves: ['true'] }],
    ]);
  });
});

describe('rollback alarms outside a deployment', () => {
  test('each local stage\'s rollback alarms invoke the notifier with the stage, which may list the stage\'s deployments', () => {
    const stack = testStack();
    pipelineWith(stack, []);
    const template = Template.fromStack(stack);
    const rules = template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { 'detail-type': ['CloudWatch Alarm State Change'] } } });
    const byDescription = Object.fromEntries(Object.values(rules).map((r) => [(r as { Properties: { Description: string } }).Properties.Description, r])) as
      Record<string, { Properties: { EventPattern: { resources: unknown[]; detail: unknown }; Targets: Array<{ InputTransformer: { InputPathsMap: unknown; InputTemplate: unknown } }> } }>;
    const production = byDescription['production: a Production rollback alarm went into ALARM'];
    expect(Object.keys(byDescription).sort()).toEqual(['production: a Production rollback alarm went into ALARM', 'staging: a Staging rollback alarm went into ALARM']);
    expect(production.Properties.EventPattern.detail).toEqual({ state: { value: ['ALARM'] } });
    expect(production.Properties.EventPattern.resources.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(production.Properties.EventPattern.resources)).toMatch(/ProductionRollbackAlarms/);
    const transformer = production.Properties.Targets[0].InputTransformer;
    expect(transformer.InputPathsMap).toEqual({
      'detail-alarmName': '$.detail.alarmName', 'resources-0-': '$.resources[0]', 'detail-state-reason': '$.detail.state.reason', 'time': '$.time', 'region': '$.region',
    });
    const template_ = JSON.stringify(transformer.InputTemplate);
    expect(template_).toContain('cdk-ecs-release:rollback-alarm');
    expect(template_).toContain('\\"requiresApproval\\":\\"true\\"');
    expect(template_).toContain('\\"alarmName\\":<detail-alarmName>');
    const staging = byDescription['staging: a Staging rollback alarm went into ALARM'];
    expect(JSON.stringify(staging.Properties.Targets[0].InputTransformer.InputTemplate)).toContain('\\"requiresApproval\\":\\"false\\"');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: 'codedeploy:ListDeployments', Resource: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      })]) },
    });
  });
});

describe('routes that would repeat a subscription', () => {
  test('fails when a Slack route names the channel of slackChannel, which receives everything already', () => {
    const stack = testStack();
    const channel = new chatbot.SlackChannelConfiguration(stack, 'Team', { slackChannelConfigurationName: 'team', slackWorkspaceId: 'T0123', slackChannelId: 'C0456' });
    expectSynthError(stack, () => pipelineWith(stack, [NotificationRoute.slack(channel, NotificationSeverity.WARNING)], { slackChannel: channel }),
      /invalid notificationRoutes: route 0 routes the Slack channel of slackChannel, which receives every message already/);
  });

  test('a deploy-time address in a route and in notificationEmails are two subscriptions', () => {
    const stack = testStack();
    const address = new CfnParameter(stack, 'OnCall').valueAsString;
    pipelineWith(stack, [NotificationRoute.email(address, NotificationSeverity.INFO)], { notificationEmails: [address] });
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::SNS::Subscription', { Properties: { Endpoint: { Ref: 'OnCall' } } }))).toHaveLength(2);
  });
});

describe('HTTPS routes', () => {
  test('a forwarder POSTs the WARNING messages and up to the endpoint, told the URL and the secret\'s ARN only', () => {
    const stack = testStack();
    const authorization = secretsmanager.Secret.fromSecretNameV2(stack, 'HooksToken', 'release/hooks-token');
    pipelineWith(stack, [NotificationRoute.https({ url: 'https://hooks.example.com/releases', authorization })]);
    const template = Template.fromStack(stack);
    const warningId = topicLogicalIds(template).find((id) => /WarningTopic/.test(id))!;
    const forwarders = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { [NOTIFICATION_FORWARDER_CONFIG_ENV]: Match.anyValue() } } },
    });
    const [[forwarderId, forwarder]] = Object.entries(forwarders);
    expect(forwarderId).toMatch(/^ReleaseNotificationsHttpsHooksToken/);
    const config = JSON.stringify(forwarder.Properties.Environment.Variables);
    expect(config).toContain('\\"format\\":\\"JSON\\"');
    expect(config).toContain('https://hooks.example.com/releases');
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'lambda' } })) as Array<{ Properties: Record<string, unknown> }>;
    expect(subscriptions.map((s) => s.Properties.TopicArn)).toEqual([{ Ref: warningId }]);
  });

  test('fails when the URL is not https', () => {
    const stack = testStack();
    const authorization = secretsmanager.Secret.fromSecretNameV2(stack, 'HooksToken', 'release/hooks-token');
    expectSynthError(stack, () => pipelineWith(stack, [NotificationRoute.https({ url: 'http://hooks.example.com', authorization })]),
      /invalid notificationRoutes: route 0 has URL 'http:\/\/hooks.example.com'; give an https:\/\/ URL/);
  });
});
