/**
 * A release pipeline stage on the Amazon ECS engine, in the templates: the parameters that take
 * the release in the service's stack, the deploy action and its least-privilege role, and the
 * notifications and record of its deployments.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { ECS_DEPLOYMENT_DETAIL_TYPE } from '../../../contract/release-notifier';
import { BlueGreenService, DeploymentEngine, ReleasePipeline, ReleasePipelineProps, ReleaseSource, ReleaseStageOptions } from '../../../lib';
import { DEPLOY_ACTION_NAME } from '../../../lib/observability/private/deployment-record-queries';
import { renderStackUpdateCommand } from '../../../lib/pipeline/private/stack-update-script';
import { synthesisMessages } from '../../synth-errors';
import { evaluate, evaluateJson } from '../cfn-eval';
import { CONNECTION_ARN, mockService, testApp } from '../util';

const ENV = { account: '123456789012', region: 'eu-west-1' };

/** A service on the Amazon ECS engine whose container sets its own release version until the first release. */
function ecsService(scope: Construct, id: string): BlueGreenService {
  return new BlueGreenService(scope, id, {
    vpc: new ec2.Vpc(scope, `${id}Vpc`, { maxAzs: 2, natGateways: 1 }),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    serviceName: `orders-${id.toLowerCase()}`,
    engine: DeploymentEngine.ecs(),
    environment: { LOG_LEVEL: 'info', RELEASE_VERSION: 'from-cdk' },
  });
}

interface Fixture {
  readonly app: App;
  readonly services: Stack;
  readonly pipelineStack: Stack;
  readonly preview: BlueGreenService;
}

/** `Preview` (Amazon ECS) in a stack of its own, then `Staging` (CodeDeploy), released by a pipeline in another stack. */
function pipelineFixture(props: Partial<ReleasePipelineProps> = {}, previewStage: Partial<ReleaseStageOptions> = {}): Fixture {
  const app = testApp();
  const services = new Stack(app, 'Services', { env: ENV });
  const pipelineStack = new Stack(app, 'Pipeline', { env: ENV });
  const preview = ecsService(services, 'Preview');
  new ReleasePipeline(pipelineStack, 'Release', {
    source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
    stages: [{ stageName: 'Preview', service: preview, ...previewStage }, { stageName: 'Staging', service: mockService(services, 'Staging') }],
    ...props,
  });
  return { app, services, pipelineStack, preview };
}

let shared: { services: Template; pipeline: Template } | undefined;

/** The templates of the default fixture, built once for the tests that only read them. */
function sharedTemplates(): { services: Template; pipeline: Template } {
  if (!shared) {
    const { services, pipelineStack } = pipelineFixture();
    shared = { services: Template.fromStack(services), pipeline: Template.fromStack(pipelineStack) };
  }
  return shared;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Resource = { Properties: Record<string, any> };

function only(resources: Record<string, unknown>): [string, Resource] {
  const entries = Object.entries(resources);
  expect(entries).toHaveLength(1);
  return entries[0] as [string, Resource];
}

function previewProject(template: Template): [string, Resource] {
  return only(template.findResources('AWS::CodeBuild::Project', { Properties: { Description: Match.stringLikeRegexp('^Releases to orders-preview') } }));
}

function pipelineStages(template: Template): Array<{ Name: string; Actions: Array<Record<string, any>> }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return only(template.findResources('AWS::CodePipeline::Pipeline'))[1].Properties.Stages;
}

describe('the service\'s stack on an Amazon ECS-engine stage', () => {
  test('takes the release\'s image and version as parameters, empty by default, so that cdk deploy runs the image defined in CDK until the first release', () => {
    const template = sharedTemplates().services.toJSON();
    const parameters = Object.entries(template.Parameters as Record<string, Record<string, unknown>>).filter(([id]) => id.startsWith('PreviewPipelineRelease'));
    expect(parameters.map(([id, p]) => [id.replace(/[0-9A-F]{8}$/, ''), p.Type, p.Default])).toEqual([
      ['PreviewPipelineReleaseImage', 'String', ''],
      ['PreviewPipelineReleaseVersion', 'String', ''],
    ]);
    const [conditionId, condition] = only(template.Conditions);
    expect(condition).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: parameters[0][0] }, ''] }] });
    const [, taskDefinition] = only(sharedTemplates().services.findResources('AWS::ECS::TaskDefinition', { Properties: { Family: Match.stringLikeRegexp('Preview') } }));
    const [container] = taskDefinition.Properties.ContainerDefinitions;
    expect(container.Image).toEqual({ 'Fn::If': [conditionId, { Ref: parameters[0][0] }, 'public.ecr.aws/nginx/nginx:stable'] });
    // The version the container sets itself holds until the first release.
    expect(container.Environment).toEqual([
      { Name: 'LOG_LEVEL', Value: 'info' },
      { Name: 'RELEASE_VERSION', Value: { 'Fn::If': [conditionId, { Ref: parameters[1][0] }, 'from-cdk'] } },
    ]);
  });

  test('the CodeDeploy stage\'s service keeps its template as it was: no parameters, its image released through CodeDeploy', () => {
    const template = sharedTemplates().services.toJSON();
    expect(Object.keys(template.Parameters).filter((id) => id.startsWith('Staging'))).toEqual([]);
  });
});

describe('the deploy action of an Amazon ECS-engine stage', () => {
  test('runs the stack update with the build\'s image by digest and its tag as the version, naming the stack and its parameters', () => {
    const { services, pipeline } = sharedTemplates();
    const [projectId, project] = previewProject(pipeline);
    const stage = pipelineStages(pipeline).find((s) => s.Name === 'Preview')!;
    expect(stage.Actions).toEqual([expect.objectContaining({
      Name: 'Deploy',
      ActionTypeId: expect.objectContaining({ Provider: 'CodeBuild' }),
      RunOrder: 1,
      Configuration: {
        ProjectName: { Ref: projectId },
        EnvironmentVariables: JSON.stringify([
          { name: 'RELEASE_IMAGE', type: 'PLAINTEXT', value: '#{Build.IMAGE_URI}' },
          { name: 'RELEASE_VERSION_VALUE', type: 'PLAINTEXT', value: '#{Build.IMAGE_TAG}' },
        ]),
      },
    })]);
    const parameterIds = Object.keys(services.toJSON().Parameters).filter((id) => id.startsWith('PreviewPipelineRelease'));
    const variables = Object.fromEntries((project.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Value: unknown }>)
      .map((v) => [v.Name, evaluate(v.Value)]));
    expect(variables).toEqual({
      RELEASE_STACK_NAME: 'Services',
      RELEASE_IMAGE_PARAMETER: parameterIds[0],
      RELEASE_VERSION_PARAMETER: parameterIds[1],
      RELEASE_CFN_EXECUTION_ROLE: 'SUB(arn:${AWS::Partition}:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1)',
    });
    const buildSpec = JSON.parse(project.Properties.Source.BuildSpec);
    expect(buildSpec.phases.build.commands).toEqual([renderStackUpdateCommand()]);
    // As long as CloudFormation lets the update run: the build ends with it.
    expect(project.Properties.TimeoutInMinutes).toBe(36 * 60);
    expect(project.Properties.EncryptionKey).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ReleasePipelineArtifactsBucketEncryptionKey/), 'Arn'] });
  });

  test('is named as the dashboard\'s DORA queries select deploy actions, as a CodeDeploy stage\'s is', () => {
    const stages = pipelineStages(sharedTemplates().pipeline).filter((s) => !['Source', 'Build'].includes(s.Name));
    expect(stages.map((s) => [s.Name, s.Actions.map((a) => a.Name)])).toEqual([['Preview', [DEPLOY_ACTION_NAME]], ['Staging', [DEPLOY_ACTION_NAME]]]);
  });

  test('comes after the approval when the stage requires one', () => {
    expect(pipelineStages(sharedTemplates().pipeline).map((s) => s.Name)).toEqual(['Source', 'Build', 'Preview', 'Staging']);
    const app = testApp();
    const stack = new Stack(app, 'Together', { env: ENV });
    const staging = mockService(stack, 'Staging');
    new ReleasePipeline(stack, 'Release', {
      source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
      stages: [{ stageName: 'Staging', service: staging }, { stageName: 'Preview', service: ecsService(stack, 'Preview'), requireApproval: true }],
    });
    const preview = pipelineStages(Template.fromStack(stack)).find((s) => s.Name === 'Preview')!;
    expect(preview.Actions.map((a) => [a.Name, a.RunOrder])).toEqual([['Approve', 1], ['Deploy', 2]]);
  });

  test('its role may update and read that one stack through the bootstrap\'s execution role, and read the bootstrap version, nothing more', () => {
    const { pipeline } = sharedTemplates();
    const [projectId] = previewProject(pipeline);
    const [, policy] = only(pipeline.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('^ReleaseStagesPreviewStackUpdateRole') } }));
    const statements = (policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
      .map((s) => ({ actions: ([] as string[]).concat(s.Action as string).sort(), resources: ([] as unknown[]).concat(s.Resource).map(evaluate), condition: s.Condition }));
    const byAction = (action: string) => statements.filter((s) => s.actions.includes(action));
    expect(byAction('cloudformation:UpdateStack')).toEqual([{
      actions: ['cloudformation:DescribeStackEvents', 'cloudformation:DescribeStacks', 'cloudformation:UpdateStack'],
      resources: ['arn:REF(AWS::Partition):cloudformation:eu-west-1:123456789012:stack/Services/*'],
      condition: undefined,
    }]);
    expect(byAction('iam:PassRole')).toEqual([{
      actions: ['iam:PassRole'],
      resources: ['SUB(arn:${AWS::Partition}:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1)'],
      condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    }]);
    expect(byAction('ssm:GetParameters')).toEqual([expect.objectContaining({
      resources: ['arn:REF(AWS::Partition):ssm:eu-west-1:123456789012:parameter/cdk-bootstrap/hnb659fds/version'],
    })]);
    // No other service's permissions; no ECS, CodeDeploy or task role of its own: CloudFormation's role does the update.
    const services = new Set(statements.flatMap((s) => s.actions.map((a) => a.split(':')[0])));
    expect([...services].sort()).toEqual(['cloudformation', 'codebuild', 'iam', 'kms', 'logs', 's3', 'ssm']);
    expect(statements.flatMap((s) => s.resources)).not.toContain('*');
    expect(projectId).toMatch(/^ReleaseStagesPreviewStackUpdate/);
  });

  test('the build writes deployment files for the CodeDeploy stage alone', () => {
    const { pipeline } = sharedTemplates();
    const build = pipelineStages(pipeline).find((s) => s.Name === 'Build')!;
    expect(build.Actions[0].OutputArtifacts).toEqual([{ Name: 'Files_Staging' }]);
    const [, project] = only(pipeline.findResources('AWS::CodeBuild::Project', { Properties: { Description: Match.stringLikeRegexp('^Pre-checks') } }));
    const manifest = (project.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Value: unknown }>)
      .find((v) => v.Name === 'CDK_ECS_RELEASE_MANIFEST')!;
    expect((evaluateJson(manifest.Value) as { environments: Array<{ name: string }> }).environments.map((e) => e.name)).toEqual(['Staging']);
  });
});

describe('the released images', () => {
  test('each stage\'s task execution role may pull them, through the policy of the pipeline\'s repository', () => {
    const { pipeline } = sharedTemplates();
    const [, repository] = only(pipeline.findResources('AWS::ECR::Repository'));
    const statements = repository.Properties.RepositoryPolicyText.Statement as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(statements.map((s) => [[...s.Action].sort(), evaluate(s.Principal.AWS)])).toEqual([
      [['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], expect.stringMatching(/PreviewTaskDefinitionExecutionRole/)],
      [['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], expect.stringMatching(/StagingTaskDefinitionExecutionRole/)],
    ]);
    expect(statements.map((s) => s.Resource)).toEqual([undefined, undefined]);
  });

  test('from an imported repository (an ECR source), through the execution role\'s own policy, naming that repository', () => {
    const app = testApp();
    const stack = new Stack(app, 'Together', { env: ENV });
    const repository = ecr.Repository.fromRepositoryName(stack, 'Images', 'orders-api');
    new ReleasePipeline(stack, 'Release', {
      source: ReleaseSource.ecr({ repository }),
      stages: [{ stageName: 'Preview', service: ecsService(stack, 'Preview') }],
    });
    const template = Template.fromStack(stack);
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^PreviewTaskDefinitionExecutionRole') }] } });
    const pulls = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
      .filter((s) => ([] as string[]).concat(s.Action as string).includes('ecr:BatchGetImage'));
    expect(pulls.map((s) => evaluate(s.Resource))).toEqual(['arn:REF(AWS::Partition):ecr:eu-west-1:123456789012:repository/orders-api']);
  });
});

describe('the deployments of an Amazon ECS-engine stage', () => {
  test('are notified under the stage\'s name and recorded with the pipeline\'s', () => {
    const { pipeline } = sharedTemplates();
    const rules = pipeline.findResources('AWS::Events::Rule') as Record<string, Resource>;
    const notified = Object.entries(rules).filter(([id]) => id.startsWith('ReleaseStagesPreview'));
    expect(notified.map(([, rule]) => rule.Properties.Description)).toEqual([
      'orders-preview: a Preview deployment by Amazon ECS failed or rolled back', 'orders-preview: a Preview rollback alarm went into ALARM',
    ]);
    const [, recorded] = Object.entries(rules).find(([id]) => id.startsWith('ReleaseDeploymentRecordEcsDeploymentEvents'))!;
    expect(recorded.Properties.EventPattern).toEqual({
      'source': ['aws.ecs'],
      'detail-type': [ECS_DEPLOYMENT_DETAIL_TYPE],
      'resources': [{ 'Fn::ImportValue': expect.stringMatching(/^Services:ExportsOutputRefPreviewService/) }],
    });
    const [, notifier] = only(pipeline.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Tells the release notifications') } }));
    const config = evaluateJson(notifier.Properties.Environment.Variables.CDK_ECS_RELEASE_NOTIFIER_CONFIG) as { ecsServices: Array<Record<string, unknown>> };
    expect(config.ecsServices).toEqual([expect.objectContaining({ serviceName: 'orders-preview', stageName: 'Preview' })]);
  });
});

describe('a stage and deployOnStackUpdate releasing the same service', () => {
  function conflictMessages(stage: Partial<ReleaseStageOptions>): string[] {
    const app = testApp();
    const stack = new Stack(app, 'PipelineStack', { env: ENV });
    const service = new BlueGreenService(stack, 'Staging', {
      vpc: new ec2.Vpc(stack, 'StagingVpc', { maxAzs: 2, natGateways: 1 }),
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
      serviceName: 'staging',
      deployOnStackUpdate: true,
      terminationWait: Duration.minutes(10),
    });
    new ReleasePipeline(stack, 'Release', {
      source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
      stages: [{ stageName: 'Staging', service, ...stage }],
    });
    return synthesisMessages(app);
  }

  test('fails the synthesis unless the stage says which wins, with every way out', () => {
    expect(conflictMessages({})).toEqual([
      'PipelineStack/Release: invalid stages: stage \'Staging\' deploys PipelineStack/Staging, which deployOnStackUpdate also releases on every '
      + 'cdk deploy that changes it: each would replace the other\'s release (a cdk deploy the image defined in CDK). Say which wins: remove '
      + 'deployOnStackUpdate (the pipeline releases), remove the stage (cdk deploy releases), or set lastReleaseWins: true on the stage '
      + '(both release, the later one runs)',
    ]);
  });

  test('synthesizes with lastReleaseWins', () => {
    expect(conflictMessages({ lastReleaseWins: true })).toEqual([]);
  });

  test('lastReleaseWins where nothing else releases the service is refused, not ignored', () => {
    const { app } = pipelineFixture({}, { lastReleaseWins: true });
    expect(synthesisMessages(app)).toEqual([
      'Pipeline/Release: invalid stages: stage \'Preview\' has lastReleaseWins, but Services/Preview is on the Amazon ECS engine, where the '
      + 'pipeline releases through the stack and cdk deploy keeps the released image; remove lastReleaseWins',
    ]);
  });
});
