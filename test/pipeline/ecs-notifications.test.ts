import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { ECS_DEPLOYMENT_DETAIL_TYPE, NOTIFIED_ECS_DEPLOYMENT_EVENTS } from '../../contract/release-notifier';
import { BlueGreenService, DeploymentEngine, ReleasePipeline, ReleasePipelineProps, ReleaseSource } from '../../lib';
import { enableBuiltinValidation } from '../builtin-validation';
import { synthErrors } from '../synth-errors';
import { evaluate, evaluateJson } from './cfn-eval';
import { CONNECTION_ARN, mockService, testApp, testStack } from './util';

// One test below synthesizes under the built-in validation; every other builds its app with it off.
enableBuiltinValidation();

/** A service on the Amazon ECS engine, released by `cdk deploy`. */
function ecsService(scope: Construct, id: string, props: { approvalWait?: Duration } = {}): BlueGreenService {
  return new BlueGreenService(scope, id, {
    vpc: new ec2.Vpc(scope, `${id}Vpc`, { maxAzs: 2, natGateways: 1 }),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    serviceName: `orders-${id.toLowerCase()}`,
    engine: DeploymentEngine.ecs(),
    approvalWait: props.approvalWait,
  });
}

interface Fixture {
  readonly stack: Stack;
  readonly staging: BlueGreenService;
  readonly preview: BlueGreenService;
  readonly pipeline: ReleasePipeline;
}

/** A pipeline deploying `Staging` (CodeDeploy) and notifying `Preview` (Amazon ECS, with an approval wait). */
function notifyingPipeline(props: Partial<ReleasePipelineProps> = {}, stack: Stack = testStack()): Fixture {
  // A test may have built either service itself, to list it elsewhere too.
  const staging = stack.node.tryFindChild('Staging') as BlueGreenService | undefined ?? mockService(stack, 'Staging');
  const preview = stack.node.tryFindChild('Preview') as BlueGreenService | undefined ?? ecsService(stack, 'Preview', { approvalWait: Duration.hours(4) });
  const pipeline = new ReleasePipeline(stack, 'Release', {
    source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
    stages: [{ stageName: 'Staging', service: staging }],
    notifiedServices: [preview],
    ...props,
  });
  return { stack, staging, preview, pipeline };
}

let shared: Template | undefined;

/** The template of the default notifying pipeline, built once for the tests that only read it. */
function sharedTemplate(): Template {
  shared ??= Template.fromStack(notifyingPipeline().stack);
  return shared;
}

function notifierConfig(template: Template): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Tells the release notifications') } });
  const [fn] = Object.values(functions);
  return evaluateJson(fn.Properties.Environment.Variables.CDK_ECS_RELEASE_NOTIFIER_CONFIG) as Record<string, unknown>;
}

/** The statements of the notifier role's policies. */
function notifierStatements(template: Template): Record<string, unknown>[] {
  const notifierRole = { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ReleaseNotificationsDeploymentNotifierServiceRole') }] } };
  return [...Object.values(template.findResources('AWS::IAM::Policy', notifierRole)), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy', notifierRole))]
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
}

function actionsOf(statement: Record<string, unknown>): string[] {
  return ([] as string[]).concat(statement.Action as string | string[]);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Resource = { Properties: Record<string, any> };

function rulesNamed(template: Template, idPrefix: string): Record<string, Resource> {
  return Object.fromEntries(Object.entries(template.findResources('AWS::Events::Rule') as Record<string, Resource>).filter(([id]) => id.startsWith(idPrefix)));
}

describe('a notified service on the Amazon ECS engine', () => {
  test('its failed and completed deployments go to the notifier, retried and dead-lettered as the stages\' are', () => {
    const rules = Object.values(rulesNamed(sharedTemplate(), 'ReleaseNotifiedServicesPreview'))
      .filter((rule) => rule.Properties.EventPattern.source[0] === 'aws.ecs');
    expect(rules).toHaveLength(1);
    const rule = rules[0].Properties;
    expect(rule.EventPattern).toEqual({
      'source': ['aws.ecs'],
      'detail-type': [ECS_DEPLOYMENT_DETAIL_TYPE],
      'resources': [{ Ref: expect.stringMatching(/^PreviewService/) }],
      'detail': { eventName: [...NOTIFIED_ECS_DEPLOYMENT_EVENTS] },
    });
    expect(rule.Description).toBe('orders-preview: a Preview deployment by Amazon ECS failed or rolled back');
    expect(rule.Targets).toEqual([expect.objectContaining({
      Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ReleaseNotificationsDeploymentNotifier/), 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ReleaseNotificationsDeploymentNotifierDeadLetterQueue/), 'Arn'] } },
      RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
    })]);
    // The notifier reads the event as ECS sends it.
    expect(rule.Targets[0].InputTransformer).toBeUndefined();
  });

  test('the notifier\'s configuration lists it by ARN, labelled by its construct id, beside the stages', () => {
    const config = notifierConfig(sharedTemplate());
    expect(config.deploymentGroups).toEqual([expect.objectContaining({ serviceName: 'staging', stageName: 'Staging' })]);
    expect(config.ecsServices).toEqual([{
      serviceArn: expect.stringMatching(/^REF\(PreviewService/),
      serviceName: 'orders-preview',
      stageName: 'Preview',
      containerName: 'web',
      consoleUrl: expect.stringMatching(/ecs\/v2\/clusters\/REF\(PreviewCluster.*\)\/services\/GETATT\(PreviewService.*\.Name\)\/deployments/),
    }]);
    expect(config.notifyDeploymentSuccess).toBe(false);
  });

  test('the notifier may list the service\'s deployments and describe only its deployments and revisions', () => {
    const statements = notifierStatements(sharedTemplate());
    const resourcesOf = (action: string) => statements.filter((s) => actionsOf(s).includes(action)).flatMap((s) => ([] as unknown[]).concat(s.Resource));
    expect(resourcesOf('ecs:ListServiceDeployments')).toEqual([{ Ref: expect.stringMatching(/^PreviewService/) }]);
    const within = (resource: string) => new RegExp(
      `^arn:REF\\(AWS::Partition\\):ecs:REF\\(AWS::Region\\):REF\\(AWS::AccountId\\):${resource}/REF\\(PreviewCluster.*\\)/GETATT\\(PreviewService.*\\.Name\\)/\\*$`);
    expect(resourcesOf('ecs:DescribeServiceDeployments').map((r) => evaluate(r))).toEqual([expect.stringMatching(within('service-deployment'))]);
    expect(resourcesOf('ecs:DescribeServiceRevisions').map((r) => evaluate(r))).toEqual([expect.stringMatching(within('service-revision'))]);
    // Each statement holds one action: a revision ARN never admits DescribeServiceDeployments.
    for (const action of ['ecs:DescribeServiceDeployments', 'ecs:DescribeServiceRevisions']) {
      expect(statements.filter((s) => actionsOf(s).includes(action)).map(actionsOf)).toEqual([[action]]);
    }
  });

  test('deployments of its cluster that wait at a pause hook, and how each wait ended, go to the topic as text from two rules the topic admits alone', () => {
    const template = sharedTemplate();
    const rules = rulesNamed(template, 'ReleaseNotifiedServicesPausesPreviewCluster');
    const [requestsId, requests] = Object.entries(rules).find(([id]) => id.includes('ApprovalRequests'))!;
    const [decisionsId, decisions] = Object.entries(rules).find(([id]) => id.includes('ApprovalDecisions'))!;
    // The cluster, not the service: a rule naming the service would wait for the service's update, and its pause.
    const clusterArn = { 'Fn::GetAtt': [expect.stringMatching(/^PreviewCluster/), 'Arn'] };
    expect(requests.Properties.EventPattern).toEqual({
      'source': ['aws.ecs'],
      'detail-type': ['ECS Hook State Change'],
      'detail': { eventName: ['HOOK_AWAITING_ACTION'], hookType: ['PAUSE'], clusterArn: [clusterArn] },
    });
    expect(decisions.Properties.EventPattern).toEqual({
      'source': ['aws.ecs'],
      'detail-type': ['ECS Hook State Change'],
      'detail': { eventName: ['HOOK_SUCCEEDED', 'HOOK_FAILED', 'HOOK_TIMED_OUT'], hookType: ['PAUSE'], clusterArn: [clusterArn] },
    });
    expect(JSON.stringify([requests, decisions])).not.toContain('PreviewService');
    expect(requests.Properties.Description).toBe('Deployments that wait at a pause hook, of orders-preview or another service of its cluster');
    for (const rule of [requests, decisions]) {
      expect(rule.Properties.Targets).toEqual([expect.objectContaining({
        Arn: { Ref: expect.stringMatching(/^ReleaseNotificationsTopic/) },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ReleaseNotificationsDeploymentNotifierDeadLetterQueue/), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
      })]);
    }

    const request = requests.Properties.Targets[0].InputTransformer;
    expect(request.InputPathsMap).toEqual({
      'detail-serviceArn': '$.detail.serviceArn',
      'detail-lifecycleStage': '$.detail.lifecycleStage',
      'detail-serviceDeploymentArn': '$.detail.serviceDeploymentArn',
      'detail-hookId': '$.detail.hookId',
      'detail-expiresAt': '$.detail.expiresAt',
    });
    const requestText = JSON.parse(request.InputTemplate) as string;
    expect(requestText).toMatch(/^<detail-serviceArn> waits for approval at <detail-lifecycleStage>: /);
    expect(requestText).toContain('\nRelease it to production traffic:\naws ecs continue-service-deployment --service-deployment-arn '
      + '<detail-serviceDeploymentArn> --hook-id <detail-hookId> --action CONTINUE\n');
    expect(requestText).toContain('\nRoll it back:\naws ecs continue-service-deployment --service-deployment-arn <detail-serviceDeploymentArn> '
      + '--hook-id <detail-hookId> --action ROLLBACK\n');
    expect(requestText).toContain('Without a decision by <detail-expiresAt> the hook\'s timeout action applies');
    const decision = decisions.Properties.Targets[0].InputTransformer;
    expect(JSON.parse(decision.InputTemplate)).toMatch(/^<detail-serviceArn>: the pause at <detail-lifecycleStage> ended, <detail-eventName>\./);
    expect(decision.InputPathsMap).not.toHaveProperty('detail-hookId');

    // EventBridge may publish for these two rules only, and use the topic's key.
    const publishers = Object.values(template.findResources('AWS::SNS::TopicPolicy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Principal?: { Service?: string } }[])
      .filter((s) => s.Principal?.Service === 'events.amazonaws.com');
    expect(publishers).toEqual([{
      Sid: 'AnnouncePausesPreviewCluster',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: { Ref: expect.stringMatching(/^ReleaseNotificationsTopic/) },
      Condition: { ArnEquals: { 'aws:SourceArn': [{ 'Fn::GetAtt': [requestsId, 'Arn'] }, { 'Fn::GetAtt': [decisionsId, 'Arn'] }] } },
    }]);
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('^Encrypts the release notifications'),
      KeyPolicy: { Statement: Match.arrayWith([{
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
      }]) },
    });
  });

  test('services of one cluster share its pair of pause rules, which name them all', () => {
    const stack = testStack();
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) });
    const service = (id: string) => new BlueGreenService(stack, id, {
      cluster, image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'), serviceName: id.toLowerCase(), engine: DeploymentEngine.ecs(),
    });
    notifyingPipeline({ notifiedServices: [service('Preview'), service('Demo')] }, stack);
    const template = Template.fromStack(stack);

    const pauses = Object.values(rulesNamed(template, 'ReleaseNotifiedServicesPauses'));
    expect(pauses.map((r) => r.Properties.Description)).toEqual([
      'Deployments that wait at a pause hook, of preview, demo or another service of its cluster',
      'Pause hooks that were continued, rolled back or ran out, of preview, demo or another service of its cluster',
    ]);
    // Each service still has its own deployments rule.
    expect(Object.keys(rulesNamed(template, 'ReleaseNotifiedServicesPreviewDeployments'))).toHaveLength(1);
    expect(Object.keys(rulesNamed(template, 'ReleaseNotifiedServicesDemoDeployments'))).toHaveLength(1);
    expect((notifierConfig(template).ecsServices as unknown[]).length).toBe(2);
  });

  test('notifies completed deployments too with notifyDeploymentSuccess', () => {
    const template = Template.fromStack(notifyingPipeline({ notifyDeploymentSuccess: true }).stack);

    const rules = Object.values(rulesNamed(template, 'ReleaseNotifiedServicesPreviewDeployments'));
    expect(rules.map((r) => r.Properties.Description)).toEqual(['orders-preview: a Preview deployment by Amazon ECS was deployed, failed or rolled back']);
    expect(rules[0].Properties.EventPattern.detail).toEqual({ eventName: [...NOTIFIED_ECS_DEPLOYMENT_EVENTS] });
    expect(notifierConfig(template).notifyDeploymentSuccess).toBe(true);
  });

  test('a pipeline without notified services keeps its notifier configuration and its resources', () => {
    const build = (notifiedServices?: BlueGreenService[]) => {
      const stack = testStack();
      new ReleasePipeline(stack, 'Release', {
        source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
        stages: [{ stageName: 'Staging', service: mockService(stack, 'Staging') }],
        notifiedServices,
      });
      return Template.fromStack(stack);
    };
    const without = build();
    expect(Object.keys(notifierConfig(without)).sort()).toEqual(['deploymentGroups', 'incidentReports', 'pipelineConsoleUrl', 'releaseVersionVariable', 'topicArn']);
    expect(build([]).toJSON()).toEqual(without.toJSON());
  });

  test('a service in a stack of its own in the pipeline\'s environment is notified across the stacks', () => {
    const app = testApp();
    const services = new Stack(app, 'Services');
    const preview = ecsService(services, 'Preview', { approvalWait: Duration.hours(1) });
    const { stack } = notifyingPipeline({ notifiedServices: [preview] }, new Stack(app, 'Release'));
    // One synthesis of both: a reference from the services' stack back to the pipeline's would fail it.
    app.synth();

    expect(notifierConfig(Template.fromStack(stack)).ecsServices).toEqual([
      expect.objectContaining({ serviceArn: expect.stringMatching(/^IMPORT\(Services:ExportsOutputRefPreviewService/), stageName: 'Preview' }),
    ]);
    expect(Object.keys(rulesNamed(Template.fromStack(stack), 'ReleaseNotifiedServicesServicesPreview'))).toHaveLength(1);
    expect(Object.keys(rulesNamed(Template.fromStack(stack), 'ReleaseNotifiedServicesPausesServicesPreviewCluster'))).toHaveLength(2);
  });
});

describe('a notified service on the CodeDeploy engine', () => {
  test('is notified as a stage is, through its deployment group, labelled by its construct id', () => {
    const stack = testStack();
    const sandbox = mockService(stack, 'Sandbox');
    notifyingPipeline({ notifiedServices: [sandbox] }, stack);
    const template = Template.fromStack(stack);

    const rules = Object.values(rulesNamed(template, 'ReleaseNotifiedServicesSandbox'));
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.Description).toBe('sandbox: a Sandbox deployment failed or was stopped, or waits for approval');
    expect(rules[0].Properties.EventPattern.detail).toEqual({
      state: ['FAILURE', 'STOP', 'READY'],
      application: [{ Ref: expect.stringMatching(/^SandboxApplication/) }],
      deploymentGroup: [{ Ref: expect.stringMatching(/^SandboxDeploymentGroup/) }],
    });
    const config = notifierConfig(template);
    expect(config.deploymentGroups).toEqual([
      expect.objectContaining({ stageName: 'Staging' }),
      expect.objectContaining({ serviceName: 'sandbox', stageName: 'Sandbox', applicationName: expect.stringMatching(/^REF\(SandboxApplication/) }),
    ]);
    expect(config).not.toHaveProperty('ecsServices');
    const getDeployment = notifierStatements(template).filter((s) => actionsOf(s).includes('codedeploy:GetDeployment')).map((s) => evaluate(s.Resource));
    expect(getDeployment).toHaveLength(2);
    expect(getDeployment).toEqual(expect.arrayContaining([expect.stringContaining('REF(StagingDeploymentGroup'), expect.stringContaining('REF(SandboxDeploymentGroup')]));
  });
});

describe('notified services that cannot be notified', () => {
  test('fails when a notified service is also deployed by a stage, naming both', () => {
    const app = testApp();
    const stack = testStack(app);
    const staging = mockService(stack, 'Staging');
    notifyingPipeline({ stages: [{ stageName: 'Staging', service: staging }], notifiedServices: [staging] }, stack);

    expect(synthErrors(app)).toEqual([
      expect.stringContaining('PipelineStack/Release: invalid notifiedServices: lists PipelineStack/Staging, which stage \'Staging\' deploys; '
        + 'that stage\'s deployments are notified already, remove the service from notifiedServices'),
    ]);
  });

  test('fails when a stage added later deploys a notified service', () => {
    const app = testApp();
    const stack = testStack(app);
    const sandbox = mockService(stack, 'Sandbox');
    const { pipeline } = notifyingPipeline({ notifiedServices: [sandbox] }, stack);
    pipeline.addStage({ stageName: 'Sandbox', service: sandbox });

    expect(synthErrors(app)).toEqual([expect.stringContaining('invalid notifiedServices: lists PipelineStack/Sandbox, which stage \'Sandbox\' deploys')]);
  });

  test('fails when a service is listed twice', () => {
    const app = testApp();
    const stack = testStack(app);
    const preview = ecsService(stack, 'Preview');
    notifyingPipeline({ notifiedServices: [preview, preview] }, stack);

    expect(synthErrors(app)).toEqual([expect.stringContaining('invalid notifiedServices: lists PipelineStack/Preview twice; each service is notified once')]);
  });

  test('a service in another region is notified from a notifier there, which publishes to the pipeline\'s topic', () => {
    const app = testApp();
    const elsewhere = new Stack(app, 'Elsewhere', { env: { account: '123456789012', region: 'us-east-1' } });
    const preview = ecsService(elsewhere, 'Preview');
    const stack = testStack(app, 'PipelineStack', { env: { account: '123456789012', region: 'eu-west-1' } });
    notifyingPipeline({ notifiedServices: [preview] }, stack);
    const template = Template.fromStack(stack);

    Annotations.fromStack(stack).hasNoWarning('/PipelineStack/Release', Match.anyValue());
    expect(Object.keys(rulesNamed(template, 'ReleaseNotifiedServices'))).toEqual([]);
    expect(notifierConfig(template)).not.toHaveProperty('ecsServices');
    const remote = Template.fromStack(elsewhere);
    const functions = Object.values(remote.findResources('AWS::Lambda::Function')) as Array<{ Properties: { Environment?: { Variables: Record<string, unknown> } } }>;
    const configs = functions.map((f) => f.Properties.Environment?.Variables.CDK_ECS_RELEASE_NOTIFIER_CONFIG).filter((c) => c !== undefined);
    expect(configs).toHaveLength(1);
    const config = JSON.parse(evaluate(configs[0]));
    expect(config.ecsServices).toEqual([expect.objectContaining({ serviceArn: 'REF(PreviewService76933998)', stageName: 'Preview' })]);
    expect(config.topicArn).toMatch(/^arn:REF\(AWS::Partition\):sns:eu-west-1:123456789012:/);
    remote.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'source': ['aws.ecs'], 'detail-type': ['ECS Deployment State Change'] }) });
  });

  test('warns of a service in another environment when a stack has no explicit one, and builds nothing for it', () => {
    const app = testApp();
    const elsewhere = new Stack(app, 'Elsewhere', { env: { account: '123456789012', region: 'us-east-1' } });
    const preview = ecsService(elsewhere, 'Preview');
    const stack = testStack(app, 'PipelineStack');
    notifyingPipeline({ notifiedServices: [preview] }, stack);
    const template = Template.fromStack(stack);

    Annotations.fromStack(stack).hasWarning('/PipelineStack/Release', Match.stringLikeRegexp(
      'notified service Elsewhere/Preview is in stack Elsewhere \\(account 123456789012, region us-east-1\\), the pipeline in stack PipelineStack '
      + '\\(env-agnostic\\): its deployments are notified from its own environment only between stacks with an explicit account and region'));
    expect(Object.keys(rulesNamed(template, 'ReleaseNotifiedServices'))).toEqual([]);
    expect(notifierConfig(template)).not.toHaveProperty('ecsServices');
  });
});

// The context a user gets from cdk.json, including the strict validation flag.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../../cdk.json') as { context: Record<string, unknown> };

test('a pipeline notifying an ECS service synthesizes under the strict built-in validation, and cdk-nag finds nothing of the pipeline\'s', () => {
  const app = new App({ context: { ...cdkJson.context }, builtinCloudFormationValidation: true });
  const stack = new Stack(app, 'Release', { env: { account: '123456789012', region: 'eu-west-1' } });
  notifyingPipeline({ notifyDeploymentSuccess: true }, stack);
  expect(app.node.tryGetContext('@aws-cdk/core:validateAgainstDefaultRules')).toBe(true);

  // Throws on a template CloudFormation would refuse.
  const assembly = app.synth();

  expect(Object.keys(assembly.getStackByName('Release').template.Resources).filter((id) => id.startsWith('ReleaseNotifiedServices'))).not.toEqual([]);
  // Nor a warning of aws-cdk-lib's on what this feature adds.
  expect(assembly.getStackByName('Release').messages.filter((m) => m.id.includes('NotifiedServices')).map((m) => m.entry.data)).toEqual([]);
  // The fixture's services are bare (no flow logs, plain environment variables): the pipeline's
  // resources alone, this feature's among them, are held to cdk-nag here.
  const report = new AwsSolutionsChecks(app).validateScope(app);
  const violations = report.violations
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName}: ${r.constructPath}`))
    .filter((line) => line.includes(': Release/Release/'));
  expect(violations).toEqual([]);
  // The gate can fail: the services' own findings are reported.
  expect(report.violations.length).toBeGreaterThan(0);
}, 120_000);
