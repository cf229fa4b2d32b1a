import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { run } from '../../lambda/artifact-writer/writer';
import {
  BlueGreenService, CustomHook, ExpectedVersion, LifecycleEvent, MigrationHook, ReleasePipeline, ReleasePipelineProps, ReleaseSource,
  ReleaseStageOptions, SmokeCheck, SmokeTestHook, VersionSource,
} from '../../lib';
import { expectSynthError } from '../synth-errors';
import { evaluate, evaluateJson } from './cfn-eval';
import { CONNECTION_ARN, mockService, testApp, testStack } from './util';

const DIGEST = 'sha256:4f1c7d2b9e8a6f5d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d';

function gitSource(overrides: Partial<{ owner: string; repo: string; branch: string; connectionArn: string }> = {}): ReleaseSource {
  return ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api', ...overrides });
}

interface Fixture {
  stack: Stack;
  staging: BlueGreenService;
  production: BlueGreenService;
  pipeline: ReleasePipeline;
}

function mockPipeline(props: Partial<ReleasePipelineProps> = {}, stack: Stack = testStack()): Fixture {
  const staging = mockService(stack, 'Staging');
  const production = mockService(stack, 'Production');
  const pipeline = new ReleasePipeline(stack, 'Release', {
    source: gitSource(),
    preCheckCommands: ['npm ci', 'npm test', 'npm audit --audit-level=high'],
    stages: [
      { stageName: 'Staging', service: staging },
      { stageName: 'Production', service: production, requireApproval: true },
    ],
    ...props,
  });
  return { stack, staging, production, pipeline };
}

let defaultFixture: Template | undefined;

/** The template of the default pipeline, built once for the tests that only read it. */
function defaultTemplate(): Template {
  defaultFixture ??= Template.fromStack(mockPipeline().stack);
  return defaultFixture;
}

function pipelineStages(template: Template): { Name: string; Actions: Record<string, unknown>[] }[] {
  const pipelines = template.findResources('AWS::CodePipeline::Pipeline');
  return Object.values(pipelines)[0].Properties.Stages;
}

function buildSpec(template: Template): Record<string, unknown> {
  const projects = template.findResources('AWS::CodeBuild::Project');
  return JSON.parse(Object.values(projects)[0].Properties.Source.BuildSpec);
}

function buildEnvironment(template: Template, name: string): unknown {
  const projects = template.findResources('AWS::CodeBuild::Project');
  const variables = Object.values(projects)[0].Properties.Environment.EnvironmentVariables as { Name: string; Value: unknown }[];
  return variables.find((v) => v.Name === name)?.Value;
}

/** The image tag the build pushed: the short commit id. */
const IMAGE_TAG = '4f1c7d2';

/**
 * Runs the artifact writer on the manifest the pipeline hands to its build, as the buildspec
 * runs it; returns the output folder.
 */
function writeDeploymentFiles(template: Template): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'release-'));
  const manifest = JSON.stringify(evaluateJson(buildEnvironment(template, 'CDK_ECS_RELEASE_MANIFEST')));
  run(['--manifest', 'env:MANIFEST', '--image-uri', `123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders@${DIGEST}`, '--out', out,
    '--release-version', IMAGE_TAG], { MANIFEST: manifest });
  return out;
}

function allPolicyStatements(template: Template): Record<string, unknown>[] {
  return [...Object.values(template.findResources('AWS::IAM::Policy')), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy'))]
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
}

function actionsOf(statement: Record<string, unknown>): string[] {
  return ([] as string[]).concat(statement.Action as string | string[]);
}

describe('ReleasePipeline', () => {
  describe('stages', () => {
    test('runs source, build, then one deploy stage per environment in order, with the approval before production', () => {
      const template = defaultTemplate();

      const stages = pipelineStages(template);
      expect(stages.map((s) => s.Name)).toEqual(['Source', 'Build', 'Staging', 'Production']);
      expect(stages.map((s) => s.Actions.map((a) => [a.Name, a.RunOrder]))).toEqual([
        [['Commit', 1]],
        [['BuildAndPush', 1]],
        [['Deploy', 1]],
        [['Approve', 1], ['Deploy', 2]],
      ]);
      template.hasResourceProperties('AWS::CodePipeline::Pipeline', { PipelineType: 'V2' });
    });

    test('the build writes one artifact per environment and each deploy action reads its own', () => {
      const template = defaultTemplate();

      const stages = pipelineStages(template);
      expect(stages[1].Actions[0]).toMatchObject({
        InputArtifacts: [{ Name: 'Source' }],
        OutputArtifacts: [{ Name: 'Files_Staging' }, { Name: 'Files_Production' }],
        Namespace: 'Build',
      });
      expect(stages[3].Actions[1]).toMatchObject({
        ActionTypeId: { Category: 'Deploy', Provider: 'CodeDeployToECS' },
        InputArtifacts: [{ Name: 'Files_Production' }],
        Configuration: {
          ApplicationName: { Ref: expect.stringMatching(/^ProductionApplication/) },
          DeploymentGroupName: { Ref: expect.stringMatching(/^ProductionDeploymentGroup/) },
          TaskDefinitionTemplateArtifact: 'Files_Production',
          TaskDefinitionTemplatePath: 'taskdef.json',
          AppSpecTemplateArtifact: 'Files_Production',
          AppSpecTemplatePath: 'appspec.yaml',
          Image1ArtifactName: 'Files_Production',
          Image1ContainerName: 'IMAGE1_NAME',
        },
      });
      // CodeBuild matches secondary artifacts to the pipeline's output artifacts by name.
      const artifacts = buildSpec(template).artifacts as Record<string, Record<string, unknown>>;
      expect(artifacts['secondary-artifacts']).toEqual({
        Files_Staging: { 'base-directory': '.release/Staging', 'files': ['imageDetail.json', 'taskdef.json', 'appspec.yaml'] },
        Files_Production: { 'base-directory': '.release/Production', 'files': ['imageDetail.json', 'taskdef.json', 'appspec.yaml'] },
      });
    });

    test('the approval says what ships and links to the previous stage', () => {
      const template = defaultTemplate();

      const approval = pipelineStages(template)[3].Actions[0] as { Configuration: Record<string, unknown> };
      expect(approval.Configuration.CustomData).toBe('Ship production to Production: commit #{Build.SOURCE_REVISION}, image #{Build.IMAGE_URI}. '
        + 'Staging deployed it first; the link opens its deployments.');
      expect(JSON.stringify(approval.Configuration.ExternalEntityLink)).toMatch(/codedeploy\/applications\/.*StagingApplication.*deployment-groups.*StagingDeploymentGroup/);
      expect(approval.Configuration.NotificationArn).toEqual({ Ref: expect.stringMatching(/^ReleaseNotificationsTopic/) });
    });

    test('the approval names the migration the stage runs', () => {
      const { stack, production } = mockPipeline();
      new MigrationHook(stack, 'Migrate', { service: production, command: ['npm', 'run', 'migrate'] });

      const template = Template.fromStack(stack);

      expect((pipelineStages(template)[3].Actions[0].Configuration as Record<string, string>).CustomData)
        .toContain('image #{Build.IMAGE_URI}. Runs migration: npm run migrate. Staging deployed it first');
    });

    test('stages can be added after construction', () => {
      const stack = testStack();
      const staging = mockService(stack, 'Staging');
      const pipeline = new ReleasePipeline(stack, 'Release', { source: gitSource() });
      pipeline.addStage({ stageName: 'Staging', service: staging });
      pipeline.addStage({ stageName: 'Production', service: mockService(stack, 'Production'), requireApproval: true, approvalComment: 'Check the Staging dashboard first.' });

      const template = Template.fromStack(stack);

      expect(pipeline.stageNames).toEqual(['Staging', 'Production']);
      expect(pipelineStages(template).map((s) => s.Name)).toEqual(['Source', 'Build', 'Staging', 'Production']);
      expect((pipelineStages(template)[3].Actions[0].Configuration as Record<string, string>).CustomData).toMatch(/Check the Staging dashboard first\.$/);
    });

    test('a stage is built when it is added, before synthesis, after the build stage', () => {
      const stack = testStack();
      const pipeline = new ReleasePipeline(stack, 'Release', { source: gitSource() });
      pipeline.addStage({ stageName: 'Staging', service: mockService(stack, 'Staging') });

      // The deploy stage, its actions and their roles exist now: a user can find and extend them.
      expect(pipeline.pipeline.stages.map((s) => s.stageName)).toEqual(['Source', 'Build', 'Staging']);
      expect(pipeline.pipeline.stage('Staging').actions.map((a) => a.actionProperties.actionName)).toEqual(['Deploy']);
      expect(pipeline.node.tryFindChild('Stages')?.node.tryFindChild('Staging')).toBeDefined();
    });

    test('a stage added after synthesis started is refused, naming the stage', () => {
      const stack = testStack();
      const pipeline = new ReleasePipeline(stack, 'Release', { source: gitSource(), stages: [{ stageName: 'Staging', service: mockService(stack, 'Staging') }] });
      Template.fromStack(stack);

      expect(() => pipeline.addStage({ stageName: 'Late', service: mockService(stack, 'Late') }))
        .toThrow("PipelineStack/Release: invalid stages: cannot add stage 'Late' after synthesis has started");
    });

    test('an invalid stage added later is reported with the stages before it, and not built', () => {
      const stack = testStack();
      const staging = mockService(stack, 'Staging');
      const pipeline = new ReleasePipeline(stack, 'Release', { source: gitSource(), stages: [{ stageName: 'Staging', service: staging }] });
      pipeline.addStage({ stageName: 'Again', service: staging });

      expect(pipeline.pipeline.stages.map((s) => s.stageName)).toEqual(['Source', 'Build', 'Staging']);
      expect(() => Template.fromStack(stack)).toThrow(/invalid stages: stages 'Staging' and 'Again' both deploy PipelineStack\/Staging/);
    });

    test('a pipeline in its own stack deploys services of other stacks', () => {
      const app = testApp();
      const serviceStack = testStack(app, 'Services');
      const pipelineStack = testStack(app, 'Pipeline');
      const staging = mockService(serviceStack, 'Staging');
      new ReleasePipeline(pipelineStack, 'Release', { source: gitSource(), stages: [{ stageName: 'Staging', service: staging }] });

      const template = Template.fromStack(pipelineStack);

      const manifest = evaluateJson(buildEnvironment(template, 'CDK_ECS_RELEASE_MANIFEST')) as { environments: { taskDefinition: Record<string, string> }[] };
      expect(manifest.environments[0].taskDefinition.taskRoleArn).toMatch(/^IMPORT\(Services:ExportsOutput/);
    });
  });

  describe('build', () => {
    test('runs the pre-checks first, stopping on the first failure, in a privileged standard image', () => {
      const template = defaultTemplate();

      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Environment: { Image: 'aws/codebuild/standard:7.0', PrivilegedMode: true, ComputeType: 'BUILD_GENERAL1_SMALL' },
        EncryptionKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReleasePipelineArtifactsBucketEncryptionKey'), 'Arn'] },
        LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: { Ref: Match.stringLikeRegexp('^ReleaseBuildLogs') } } },
        TimeoutInMinutes: 30,
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90, LogGroupName: Match.absent() });
      const spec = buildSpec(template) as { phases: Record<string, { 'on-failure'?: string; 'commands': string[] }>; env: Record<string, unknown> };
      expect(spec.phases.pre_build['on-failure']).toBe('ABORT');
      expect(spec.phases.pre_build.commands.slice(1, 4)).toEqual(['npm ci', 'npm test', 'npm audit --audit-level=high']);
      expect(spec.phases.build['on-failure']).toBe('ABORT');
      expect(spec.phases.build.commands.join('\n')).toMatch(/docker build .* && docker push "\$REPOSITORY_URI:\$IMAGE_TAG"/);
      // The tag is the short commit; the deployed image is pinned by digest.
      expect(spec.phases.pre_build.commands.join('\n')).toContain('cut -c1-7');
      expect(spec.phases.post_build.commands.join('\n')).toMatch(/node \/tmp\/artifact-writer.js --manifest env:CDK_ECS_RELEASE_MANIFEST .* --image-uri "\$IMAGE_URI"/);
      expect(spec.env['exported-variables']).toEqual(['SOURCE_REVISION', 'IMAGE_TAG', 'IMAGE_URI']);
    });

    test('pushes to a new repository with immutable tags, scanning on push and KMS encryption', () => {
      const template = defaultTemplate();

      template.hasResourceProperties('AWS::ECR::Repository', {
        ImageTagMutability: 'IMMUTABLE',
        ImageScanningConfiguration: { ScanOnPush: true },
        EncryptionConfiguration: { EncryptionType: 'KMS' },
      });
      template.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain' });
    });

    test('keeps artifacts in a KMS-encrypted bucket that blocks public access', () => {
      const template = defaultTemplate();

      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    test('hands the build every environment\'s taskdef.json, derived from the task definition in CDK', () => {
      const out = writeDeploymentFiles(defaultTemplate());

      const taskdef = JSON.parse(fs.readFileSync(path.join(out, 'Production', 'taskdef.json'), 'utf8'));
      expect(taskdef).toMatchObject({
        family: expect.stringMatching(/ProductionTaskDefinition/),
        taskRoleArn: expect.stringMatching(/^GETATT\(ProductionTaskDefinitionTaskRole/),
        executionRoleArn: expect.stringMatching(/^GETATT\(ProductionTaskDefinitionExecutionRole/),
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [expect.objectContaining({ name: 'web', image: '<IMAGE1_NAME>', portMappings: [{ containerPort: 8080, protocol: 'tcp' }] })],
      });
      expect(JSON.parse(fs.readFileSync(path.join(out, 'Production', 'imageDetail.json'), 'utf8')))
        .toEqual({ ImageURI: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders@${DIGEST}` });
      fs.rmSync(out, { recursive: true });
    });

    test('a changed container environment in CDK changes the taskdef.json the pipeline deploys', () => {
      const withEnvironment = (logLevel: string) => {
        const stack = testStack();
        const service = mockService(stack, 'Staging', { environment: { LOG_LEVEL: logLevel } });
        new ReleasePipeline(stack, 'Release', { source: gitSource(), stages: [{ stageName: 'Staging', service }] });
        const out = writeDeploymentFiles(Template.fromStack(stack));
        const taskdef = fs.readFileSync(path.join(out, 'Staging', 'taskdef.json'), 'utf8');
        fs.rmSync(out, { recursive: true });
        return JSON.parse(taskdef);
      };

      const info = withEnvironment('info');
      const debug = withEnvironment('debug');

      expect(info.containerDefinitions[0].environment).toEqual([{ name: 'LOG_LEVEL', value: 'info' }, { name: 'RELEASE_VERSION', value: IMAGE_TAG }]);
      expect(debug.containerDefinitions[0].environment).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }, { name: 'RELEASE_VERSION', value: IMAGE_TAG }]);
    });

    test('every taskdef.json tells the application which release it runs: RELEASE_VERSION is the image tag the build pushed', () => {
      const template = defaultTemplate();
      const spec = buildSpec(template) as { phases: Record<string, { commands: string[] }> };
      expect(spec.phases.post_build.commands.join('\n')).toMatch(/artifact-writer\.js --manifest .* --release-version "\$IMAGE_TAG"/);

      const out = writeDeploymentFiles(template);

      for (const stage of ['Staging', 'Production']) {
        const taskdef = JSON.parse(fs.readFileSync(path.join(out, stage, 'taskdef.json'), 'utf8'));
        expect(taskdef.containerDefinitions).toEqual([
          expect.objectContaining({ name: 'web', image: '<IMAGE1_NAME>', environment: [{ name: 'RELEASE_VERSION', value: IMAGE_TAG }] }),
        ]);
      }
      fs.rmSync(out, { recursive: true });
    });

    test('releaseVersionVariable names the variable; the release\'s value wins over the one the container defines', () => {
      const stack = testStack();
      const service = mockService(stack, 'Staging', { environment: { APP_VERSION: 'dev', LOG_LEVEL: 'info' } });
      const pipeline = new ReleasePipeline(stack, 'Release', {
        source: gitSource(), stages: [{ stageName: 'Staging', service }], releaseVersionVariable: 'APP_VERSION',
      });

      const out = writeDeploymentFiles(Template.fromStack(stack));

      const taskdef = JSON.parse(fs.readFileSync(path.join(out, 'Staging', 'taskdef.json'), 'utf8'));
      expect(pipeline.releaseVersionVariable).toBe('APP_VERSION');
      expect(taskdef.containerDefinitions[0].environment).toEqual([{ name: 'APP_VERSION', value: IMAGE_TAG }, { name: 'LOG_LEVEL', value: 'info' }]);
      fs.rmSync(out, { recursive: true });
    });

    test('with an ECR source, the release version is the pushed tag', () => {
      const stack = testStack();
      new ReleasePipeline(stack, 'Release', {
        source: ReleaseSource.ecr({ repository: new ecr.Repository(stack, 'Images'), imageTag: 'release' }),
        stages: [{ stageName: 'Staging', service: mockService(stack, 'Staging') }],
      });

      const spec = buildSpec(Template.fromStack(stack)) as { phases: Record<string, { commands: string[] }> };

      const commands = spec.phases.build.commands.join('\n');
      expect(commands).toContain('export IMAGE_TAG="$(node -p \'(require(process.argv[1]).ImageTags || [])[0] || ""\'');
      expect(commands).toMatch(/--release-version "\$IMAGE_TAG" --image-detail/);
    });

    test('warns when a smoke test expects the deployed version in another variable than the pipeline writes', () => {
      const stack = testStack();
      const staging = mockService(stack, 'Staging');
      new SmokeTestHook(stack, 'SmokeTests', {
        service: staging,
        checks: [SmokeCheck.get('/version', { version: VersionSource.jsonField('version'), expectedVersion: ExpectedVersion.fromDeployedEnvironment('APP_VERSION') })],
      });
      new ReleasePipeline(stack, 'Release', { source: gitSource(), stages: [{ stageName: 'Staging', service: staging }] });

      Annotations.fromStack(stack).hasWarning('/PipelineStack/Release', Match.stringLikeRegexp(
        "stage 'Staging': PipelineStack/SmokeTests expects the deployed version in APP_VERSION, but this pipeline writes the release version to RELEASE_VERSION; "
        + "use ExpectedVersion.fromDeployedEnvironment\\('RELEASE_VERSION'\\) or set releaseVersionVariable: 'APP_VERSION'"));
    });

    test('appspec.yaml names the service\'s container, port and hooks', () => {
      const { stack, staging } = mockPipeline();
      const fn = new lambda.Function(stack, 'WarmCaches', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => {};'),
      });
      new CustomHook(stack, 'WarmCachesHook', { service: staging, function: fn, lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC });

      const out = writeDeploymentFiles(Template.fromStack(stack));

      const appSpec = fs.readFileSync(path.join(out, 'Staging', 'appspec.yaml'), 'utf8');
      expect(appSpec).toMatch(/^version: 0\.0\nResources:\n {2}- TargetService:\n {6}Type: AWS::ECS::Service\n/);
      expect(appSpec).toContain('        TaskDefinition: "<TASK_DEFINITION>"\n        LoadBalancerInfo:\n          ContainerName: "web"\n          ContainerPort: 8080\n');
      expect(appSpec).toMatch(/\nHooks:\n {2}- BeforeAllowTraffic: "REF\(WarmCaches[0-9A-F]{8}\)"\n$/);
      expect(fs.readFileSync(path.join(out, 'Production', 'appspec.yaml'), 'utf8')).not.toContain('Hooks:');
      fs.rmSync(out, { recursive: true });
    });

    test('with an ECR source, skips the image build and still writes the deployment files', () => {
      const stack = testStack();
      const source = new ecr.Repository(stack, 'Images');
      const staging = mockService(stack, 'Staging');
      const pipeline = new ReleasePipeline(stack, 'Release', {
        source: ReleaseSource.ecr({ repository: source, imageTag: 'release' }),
        stages: [{ stageName: 'Staging', service: staging }],
      });

      const template = Template.fromStack(stack);

      expect(pipeline.repository).toBe(source);
      template.resourceCountIs('AWS::ECR::Repository', 1);
      template.hasResourceProperties('AWS::CodeBuild::Project', { Environment: { PrivilegedMode: false } });
      const stages = pipelineStages(template);
      expect(stages[0].Actions[0]).toMatchObject({ ActionTypeId: { Provider: 'ECR' }, Configuration: { ImageTag: 'release' } });
      expect(stages[1].Actions[0].Name).toBe('DeploymentFiles');
      const spec = JSON.stringify(buildSpec(template));
      expect(spec).not.toContain('docker build');
      expect(spec).toContain('--image-detail \\"$CODEBUILD_SRC_DIR/imageDetail.json\\"');
      expect(buildSpec(template).artifacts).toEqual({ 'base-directory': '.release/Staging', 'files': ['imageDetail.json', 'taskdef.json', 'appspec.yaml'] });
    });

    test('with an S3 source, releases each version of the object', () => {
      const stack = testStack();
      const bucket = new s3.Bucket(stack, 'Sources', { versioned: true });
      new ReleasePipeline(stack, 'Release', {
        source: ReleaseSource.s3({ bucket, bucketKey: 'orders/source.zip' }),
        stages: [{ stageName: 'Staging', service: mockService(stack, 'Staging') }],
      });

      const template = Template.fromStack(stack);

      expect(pipelineStages(template)[0].Actions[0]).toMatchObject({
        ActionTypeId: { Provider: 'S3' },
        Configuration: { S3ObjectKey: 'orders/source.zip', PollForSourceChanges: false },
      });
    });
  });

  describe('least privilege', () => {
    test('no policy registers task definitions or passes roles on *', () => {
      const template = defaultTemplate();

      const broad = allPolicyStatements(template).filter((s) => s.Resource === '*'
        && actionsOf(s).some((a) => ['ecs:RegisterTaskDefinition', 'iam:PassRole'].includes(a)));
      expect(broad).toEqual([]);
      // The only statements on * are ECR's login, the deployment-target and task-definition reads, which have
      // no resource type, and the notifier's stopped-task listing, which ECS scopes only by an ecs:cluster condition.
      const starStatements = allPolicyStatements(template).filter((s) => s.Resource === '*');
      const onStar = starStatements.flatMap(actionsOf);
      expect([...new Set(onStar)].sort()).toEqual([
        'codedeploy:GetDeploymentTarget', 'codedeploy:ListDeploymentTargets', 'ecr:GetAuthorizationToken', 'ecs:DescribeTaskDefinition',
        'ecs:ListTasks',
      ]);
      for (const statement of starStatements.filter((s) => actionsOf(s).includes('ecs:ListTasks'))) {
        expect(statement).toEqual(expect.objectContaining({ Condition: { ArnEquals: { 'ecs:cluster': expect.anything() } } }));
      }
    });

    test('the deploy role registers only the service\'s family and passes only its task and execution roles to ECS tasks', () => {
      const template = defaultTemplate();

      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^ReleaseStagesProductionDeployRole') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'] }),
            {
              Action: 'ecs:RegisterTaskDefinition',
              Effect: 'Allow',
              Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' },
                Match.stringLikeRegexp('^:task-definition/PipelineStackProductionTaskDefinition[0-9A-F]{8}:\\*$')]] },
            },
            {
              Action: 'iam:PassRole',
              Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
              Effect: 'Allow',
              Resource: [
                { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProductionTaskDefinitionTaskRole'), 'Arn'] },
                { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProductionTaskDefinitionExecutionRole'), 'Arn'] },
              ],
            },
          ]),
        },
      });
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReleasePipelineRole'), 'Arn'] } } }],
        },
        Description: Match.stringLikeRegexp('^Deploys production in stage Production'),
      });
    });

    test('the build reads the artifact writer object only, not the whole assets bucket', () => {
      const template = defaultTemplate();

      const assetReads = allPolicyStatements(template).filter((s) => JSON.stringify(s.Resource).includes('cdk-hnb659fds-assets'));
      expect(assetReads).toEqual([{
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, expect.stringMatching(/^\/[0-9a-f]{64}\.js$/)]] },
      }]);
    });
  });

  describe('notifications', () => {
    test('a KMS-encrypted topic that pipeline notifications may publish to', () => {
      const template = Template.fromStack(mockPipeline({ notificationEmails: ['team@example.com'] }).stack);

      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReleaseNotificationsKey'), 'Arn'] } });
      const topicPolicy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0].Properties.PolicyDocument.Statement as Record<string, unknown>[];
      expect(topicPolicy.filter((s) => s.Action === 'sns:Publish' && s.Effect === 'Allow').map((s) => s.Principal))
        // CloudWatch for the lost-notifications alarm, and for the lost-records alarm.
        .toEqual([{ Service: 'codestar-notifications.amazonaws.com' }, { Service: 'cloudwatch.amazonaws.com' }, { Service: 'cloudwatch.amazonaws.com' }]);
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Principal: { Service: 'codestar-notifications.amazonaws.com' } }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'team@example.com' });
    });

    test('the lost-notifications alarm tells the topic\'s subscribers, and only that alarm may publish through CloudWatch', () => {
      const template = defaultTemplate();

      const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmDescription: Match.stringLikeRegexp('could not be published') } });
      expect(Object.values(alarms)).toHaveLength(1);
      const [alarmId, alarm] = Object.entries(alarms)[0];
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^ReleaseNotificationsTopic/) }]);
      const topicPolicy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0].Properties.PolicyDocument.Statement as Record<string, unknown>[];
      const fromCloudWatch = topicPolicy.find((s) => JSON.stringify(s.Principal) === '{"Service":"cloudwatch.amazonaws.com"}')!;
      expect(fromCloudWatch.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [alarmId, 'Arn'] } } });
      const keyPolicy = Object.values(template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('release notifications') } }))[0]
        .Properties.KeyPolicy.Statement as Array<{ Principal?: { Service?: string | string[] }; Action: unknown }>;
      expect(keyPolicy.some((s) => [s.Principal?.Service].flat().includes('cloudwatch.amazonaws.com')
        && JSON.stringify(s.Action) === '["kms:Decrypt","kms:GenerateDataKey*"]')).toBe(true);
    });

    test('pipeline started, succeeded and failed go to the topic', () => {
      const template = defaultTemplate();

      template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
        DetailType: 'FULL',
        EventTypeIds: [
          'codepipeline-pipeline-pipeline-execution-started',
          'codepipeline-pipeline-pipeline-execution-succeeded',
          'codepipeline-pipeline-pipeline-execution-failed',
        ],
        Targets: [{ TargetType: 'SNS', TargetAddress: { Ref: Match.stringLikeRegexp('^ReleaseNotificationsTopic') } }],
      });
    });

    test('a failed or stopped deployment of each stage invokes the notifier, with retries and a dead-letter queue', () => {
      const template = defaultTemplate();

      const rules = template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { detail: { state: ['FAILURE', 'STOP', 'READY'] } } },
      });
      expect(Object.keys(rules)).toHaveLength(2);
      const production = Object.values(rules).find((r) => r.Properties.Description.startsWith('production:'))!;
      expect(production.Properties.EventPattern).toEqual({
        'source': ['aws.codedeploy'],
        'detail-type': ['CodeDeploy Deployment State-change Notification'],
        'detail': {
          state: ['FAILURE', 'STOP', 'READY'],
          application: [{ Ref: expect.stringMatching(/^ProductionApplication/) }],
          deploymentGroup: [{ Ref: expect.stringMatching(/^ProductionDeploymentGroup/) }],
        },
      });
      const staging = Object.values(rules).find((r) => r.Properties.Description.startsWith('staging:'))!;
      expect(staging.Properties.EventPattern.detail.deploymentGroup).toEqual([{ Ref: expect.stringMatching(/^StagingDeploymentGroup/) }]);
      for (const rule of [production, staging]) {
        expect(rule.Properties.Targets).toEqual([{
          Id: 'Target0',
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ReleaseNotificationsDeploymentNotifier[0-9A-F]{8}$/), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ReleaseNotificationsDeploymentNotifierDeadLetterQueue/), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        }]);
      }
      // The notifier reads the CodeDeploy event as EventBridge sends it: no rule reshapes it. (The
      // failed-task-set guard's rules wrap their events with each service's settings, and so do
      // the rules of the stages' rollback alarms, with the stage's names.)
      const transformed = template.findResources('AWS::Events::Rule', { Properties: { Targets: [{ InputTransformer: Match.anyValue() }] } });
      expect(Object.values(transformed)
        .filter((rule) => !rule.Properties.EventPattern['detail-type'].includes('CloudWatch Alarm State Change'))
        .map((rule) => rule.Properties.Targets[0].Arn['Fn::GetAtt'][0])
        .filter((target: string) => target.startsWith('ReleaseNotifications'))).toEqual([]);
    });

    test('the notifier: Node.js 24 on ARM, its own log group, the stages in its configuration, and failed invocations to the dead-letter queue', () => {
      const { stack } = mockPipeline({ pipelineName: 'orders', releaseVersionVariable: 'APP_VERSION' });
      const template = Template.fromStack(stack);

      const functions = template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler', Description: Match.stringLikeRegexp('^Tells the release notifications') } });
      expect(Object.keys(functions)).toHaveLength(1);
      const fn = Object.values(functions)[0].Properties;
      expect(fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: 60,
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/^ReleaseNotificationsDeploymentNotifierLogGroup/) } },
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^ReleaseNotificationsDeploymentNotifierDeadLetterQueue/), 'Arn'] } },
      });
      const config = evaluateJson(fn.Environment.Variables.CDK_ECS_RELEASE_NOTIFIER_CONFIG) as Record<string, unknown>;
      expect(config).toMatchObject({
        topicArn: expect.stringMatching(/^REF\(ReleaseNotificationsTopic/),
        releaseVersionVariable: 'APP_VERSION',
        pipelineConsoleUrl: expect.stringContaining('/codesuite/codepipeline/pipelines/REF(ReleasePipeline'),
        deploymentGroups: [
          expect.objectContaining({ serviceName: 'staging', stageName: 'Staging', containerName: 'web', applicationName: expect.stringMatching(/^REF\(StagingApplication/) }),
          expect.objectContaining({ serviceName: 'production', stageName: 'Production', containerName: 'web', consoleUrl: expect.stringContaining('/deployment-groups/') }),
        ],
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    });

    test('the notifier may read only the stages\' deployments and task sets, the deployment targets, and publish only to the topic', () => {
      const template = defaultTemplate();

      const notifierRole = { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ReleaseNotificationsDeploymentNotifierServiceRole') }] } };
      const policies = [...Object.values(template.findResources('AWS::IAM::Policy', notifierRole)), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy', notifierRole))];
      const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
      const resourcesOf = (action: string) => statements.filter((s) => actionsOf(s).includes(action)).flatMap((s) => ([] as unknown[]).concat(s.Resource));
      const deploymentGroupArn = (name: string) => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':codedeploy:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':deploymentgroup:',
          { Ref: expect.stringMatching(new RegExp(`^${name}Application`)) }, '/', { Ref: expect.stringMatching(new RegExp(`^${name}DeploymentGroup`)) }]],
      });
      expect(resourcesOf('codedeploy:GetDeployment')).toEqual([deploymentGroupArn('Staging'), deploymentGroupArn('Production')]);
      // The target reads have no resource-level permissions: a deployment-group ARN would be denied.
      for (const action of ['codedeploy:ListDeploymentTargets', 'codedeploy:GetDeploymentTarget']) {
        expect(resourcesOf(action)).toEqual(['*']);
      }
      const taskSets = resourcesOf('ecs:DescribeTaskSets').map((r) => evaluate(r));
      expect(taskSets).toEqual([
        expect.stringMatching(/^arn:REF\(AWS::Partition\):ecs:REF\(AWS::Region\):REF\(AWS::AccountId\):task-set\/REF\(StagingCluster.*\)\/GETATT\(StagingService.*\.Name\)\/\*$/),
        expect.stringMatching(/task-set\/REF\(ProductionCluster.*\)\/GETATT\(ProductionService.*\.Name\)\/\*$/),
      ]);
      expect(resourcesOf('sns:Publish')).toEqual([{ Ref: expect.stringMatching(/^ReleaseNotificationsTopic/) }]);
      expect(resourcesOf('kms:GenerateDataKey*')).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^ReleaseNotificationsKey/), 'Arn'] }]);
      // The only wildcards: reads that accept no resource (task definitions, deployment targets), and
      // each stage's stopped tasks (ListTasks on * held to the cluster, DescribeTasks on the cluster's tasks).
      expect(statements.filter((s) => JSON.stringify(s.Resource).includes('*') && !actionsOf(s).includes('ecs:DescribeTaskSets')).flatMap(actionsOf).sort())
        .toEqual(['codedeploy:GetDeploymentTarget', 'codedeploy:ListDeploymentTargets', 'ecs:DescribeTaskDefinition',
          'ecs:DescribeTasks', 'ecs:DescribeTasks', 'ecs:ListTasks', 'ecs:ListTasks']);
    });

    test('a successful deployment is notified when asked for', () => {
      const template = Template.fromStack(mockPipeline({ notifyDeploymentSuccess: true }).stack);

      const rules = template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { detail: { state: ['FAILURE', 'STOP', 'READY', 'SUCCESS'] } } },
      });
      expect(Object.keys(rules)).toHaveLength(2);
      expect(Object.values(rules).map((r) => r.Properties.Description)).toContain('production: a Production deployment was deployed, failed or was stopped, or waits for approval');
    });

    test('creates a Slack channel configuration subscribed to the topic', () => {
      const template = Template.fromStack(mockPipeline({ slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' }).stack);

      template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
        SlackWorkspaceId: 'T0123ABCD',
        SlackChannelId: 'C0123ABCD',
        SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^ReleaseNotificationsTopic') }],
        LoggingLevel: 'ERROR',
      });
    });
  });

  describe('deployment record', () => {
    test('pipeline and deployment state changes land in a retained log group', () => {
      const template = Template.fromStack(mockPipeline({ pipelineName: 'orders' }).stack);

      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { LogGroupName: '/cdk-ecs-release/orders/deployments', RetentionInDays: 731 },
        DeletionPolicy: 'Retain',
      });
      const logGroupArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:', { Ref: Match.stringLikeRegexp('^ReleaseDeploymentRecordLogs') }]] };
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.codepipeline'],
          'detail-type': ['CodePipeline Pipeline Execution State Change', 'CodePipeline Stage Execution State Change', 'CodePipeline Action Execution State Change'],
          'resources': [Match.anyValue()],
        },
        // The log group, and the recorder of the record table.
        Targets: [{ Arn: logGroupArn, Id: 'Target0' }, Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReleaseDeploymentRecorder'), 'Arn'] }, Id: 'Target1' })],
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['aws.codedeploy'], detail: { application: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^StagingApplication') }]) } },
        // The log group, and the recorder of the record table.
        Targets: [{ Arn: logGroupArn, Id: 'Target0' }, Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReleaseDeploymentRecorder'), 'Arn'] }, Id: 'Target1' })],
      });
      const policies = template.findResources('AWS::Logs::ResourcePolicy');
      const document = JSON.stringify(Object.values(policies)[0].Properties.PolicyDocument);
      expect(document).toContain('events.amazonaws.com');
      expect(document).toContain('logs:PutLogEvents');
    });
  });

  describe('validation', () => {
    test('fails when the pipeline has no stages', () => {
      const stack = testStack();
      new ReleasePipeline(stack, 'Release', { source: gitSource() });

      expect(() => Template.fromStack(stack)).toThrow(
        "PipelineStack/Release: invalid stages: the pipeline has no stages, so a release would deploy nowhere; pass stages: [{ stageName: 'Staging', service }] or call addStage()");
    });

    test('fails when two stages have the same name', () => {
      const stack = testStack();
      const service = mockService(stack, 'Staging');
      const stages: ReleaseStageOptions[] = [{ stageName: 'Staging', service }, { stageName: 'Staging', service: mockService(stack, 'Production') }];
      new ReleasePipeline(stack, 'Release', { source: gitSource(), stages });

      expect(() => Template.fromStack(stack)).toThrow("PipelineStack/Release: invalid stages: two stages are named 'Staging'; stage names must be unique, rename one (e.g. 'Staging2')");
    });

    test('fails when the first stage requires approval', () => {
      const stack = testStack();
      new ReleasePipeline(stack, 'Release', { source: gitSource(), stages: [{ stageName: 'Production', service: mockService(stack, 'Production'), requireApproval: true }] });

      expect(() => Template.fromStack(stack)).toThrow(
        "PipelineStack/Release: invalid stages: the first stage 'Production' has requireApproval, but nothing has shipped before it for an approver to review; "
        + 'remove requireApproval, or add a stage (e.g. Staging) before it');
    });

    test('fails when a stage takes a name the pipeline uses', () => {
      const stack = testStack();
      new ReleasePipeline(stack, 'Release', { source: gitSource(), stages: [{ stageName: 'Build', service: mockService(stack, 'Staging') }] });

      expect(() => Template.fromStack(stack)).toThrow(/stage 0 is named 'Build', which the pipeline uses for its own stage; pick another name/);
    });

    test('fails when a stage name has characters CodePipeline rejects', () => {
      const stack = testStack();
      new ReleasePipeline(stack, 'Release', { source: gitSource(), stages: [{ stageName: 'Staging EU', service: mockService(stack, 'Staging') }] });

      expect(() => Template.fromStack(stack)).toThrow(/stage 0 has the name 'Staging EU'; use 1-100 letters, digits, '\.', '@', '-' or '_'/);
    });

    test('fails when an approval comment has no approval', () => {
      const stack = testStack();
      new ReleasePipeline(stack, 'Release', {
        source: gitSource(),
        stages: [{ stageName: 'Staging', service: mockService(stack, 'Staging'), approvalComment: 'look first' }],
      });

      expect(() => Template.fromStack(stack)).toThrow("stage 'Staging' has an approvalComment but no requireApproval; set requireApproval: true or remove the comment");
    });

    test.each([
      [{ owner: '' }, "PipelineStack/Release: invalid source: codeStarConnection owner: is empty; pass the user or organisation that owns the repository, e.g. 'my-org'"],
      [{ branch: ' ' }, "invalid source: codeStarConnection branch: is empty; pass the branch to release, e.g. 'main', or leave it unset for 'main'"],
      [{ repo: 'my-org/orders-api' }, "invalid source: codeStarConnection repo: 'my-org/orders-api' must be the repository name alone, e.g. 'orders-api'; put the organisation in owner"],
      [{ connectionArn: 'my-connection' }, "invalid source: codeStarConnection connectionArn: 'my-connection' is not a connection ARN; copy it from Developer Tools > Settings > Connections"],
    ])('fails when the Git source has %j', (overrides, message) => {
      const stack = testStack();

      expectSynthError(stack, () => new ReleasePipeline(stack, 'Release', { source: gitSource(overrides) }), message);
    });

    test('fails when the S3 source has no key', () => {
      const stack = testStack();
      const bucket = new s3.Bucket(stack, 'Sources', { versioned: true });

      expectSynthError(stack, () => new ReleasePipeline(stack, 'Release', { source: ReleaseSource.s3({ bucket, bucketKey: '' }) }),
        "PipelineStack/Release: invalid source: s3 bucketKey: '' must be the object key without a leading '/', e.g. 'orders-api/source.zip'");
    });

    test('fails when the ECR source has an invalid tag', () => {
      const stack = testStack();
      const repository = new ecr.Repository(stack, 'Images');

      expectSynthError(stack, () => new ReleasePipeline(stack, 'Release', { source: ReleaseSource.ecr({ repository, imageTag: 'v1 final' }) }),
        /invalid source: ecr imageTag: 'v1 final' is not a valid image tag/);
    });

    test('fails when an ECR source is given a repository to push to', () => {
      const stack = testStack();
      const repository = new ecr.Repository(stack, 'Images');

      expectSynthError(stack, () => new ReleasePipeline(stack, 'Release', { source: ReleaseSource.ecr({ repository }), repository }),
        'PipelineStack/Release: invalid repository: only applies when the pipeline builds the image; with an ECR source the image is already in the source repository, remove repository');
    });

    test('fails when a pre-check command is empty', () => {
      const stack = testStack();
      expectSynthError(stack, () => new ReleasePipeline(stack, 'Release', { source: gitSource(), preCheckCommands: ['npm test', ' '] }),
        "PipelineStack/Release: invalid preCheckCommands: entry 1 is empty; remove it or give the command, e.g. 'npm test'");
    });

    test('fails when a notification e-mail is not an address', () => {
      const stack = testStack();
      expectSynthError(stack, () => new ReleasePipeline(stack, 'Release', { source: gitSource(), notificationEmails: ['team'] }),
        "PipelineStack/Release: invalid notificationEmails: 'team' is not an e-mail address; pass addresses like 'team@example.com'");
    });

    test('fails when only one of the Slack ids is given', () => {
      const stack = testStack();
      expectSynthError(stack, () => new ReleasePipeline(stack, 'Release', { source: gitSource(), slackWorkspaceId: 'T0123ABCD' }),
        /PipelineStack\/Release: invalid slackChannelId: is required with slackWorkspaceId; pass both ids/);
    });

    test('fails when releaseVersionVariable is not an environment variable name', () => {
      const stack = testStack();
      expectSynthError(stack, () => new ReleasePipeline(stack, 'Release', { source: gitSource(), releaseVersionVariable: 'release-version' }),
        "PipelineStack/Release: invalid releaseVersionVariable: 'release-version' is not an environment variable name; "
          + "use letters, digits and '_', not starting with a digit, e.g. 'RELEASE_VERSION'");
    });

    test('fails when the application container takes the release version variable from a secret', () => {
      const stack = testStack();
      const service = new BlueGreenService(stack, 'Staging', {
        vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }),
        image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
        secrets: { RELEASE_VERSION: ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'Version')) },
      });
      new ReleasePipeline(stack, 'Release', { source: gitSource(), stages: [{ stageName: 'Staging', service }] });

      expect(() => Template.fromStack(stack)).toThrow("PipelineStack/Release: invalid stages: the container 'web' of stage 'Staging' takes RELEASE_VERSION "
        + 'from a secret, where the pipeline puts the release version; rename the secret, or set releaseVersionVariable to another name');
    });

    test('fails when the build timeout is out of CodeBuild\'s range', () => {
      const stack = testStack();
      expectSynthError(stack, () => new ReleasePipeline(stack, 'Release', { source: gitSource(), buildTimeout: Duration.hours(48) }),
        'PipelineStack/Release: invalid buildTimeout: must be between 5 and 2160 minutes, got 2880 minutes (2 days)');
    });
  });
});

