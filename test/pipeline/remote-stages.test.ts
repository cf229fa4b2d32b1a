import { Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  BlueGreenService, DeploymentEngine, NotificationRoute, NotificationSeverity, PreflightHook, ReleasePipeline, ReleasePipelineProps, ReleaseSource, SmokeCheck, SmokeTestHook,
} from '../../lib';
import { synthesisMessages } from '../synth-errors';
import { evaluate } from './cfn-eval';
import { CONNECTION_ARN, mockService, testApp, testStack } from './util';

const TOOLING = { account: '111111111111', region: 'eu-west-1' };
const STAGING = { account: '222222222222', region: 'eu-west-1' };
const PRODUCTION = { account: '333333333333', region: 'us-east-1' };

type Statement = { Effect: string; Action: string | string[]; Principal?: { AWS?: unknown }; Resource?: unknown; Condition?: Record<string, Record<string, unknown>> };

function source(): ReleaseSource {
  return ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' });
}

/** A service with the names a CodeDeploy-engine stage in another environment needs, or on the Amazon ECS engine. */
function service(scope: Construct, id: string, engine: 'codedeploy' | 'ecs', named = true): BlueGreenService {
  const stack = Stack.of(scope);
  const vpc = new ec2.Vpc(scope, `${id}Vpc`, { availabilityZones: [`${stack.region}a`, `${stack.region}b`], natGateways: 1 });
  return new BlueGreenService(scope, id, {
    vpc,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    serviceName: id.toLowerCase(),
    ...(engine === 'ecs' ? { engine: DeploymentEngine.ecs() } : named ? { taskRoleName: `${id}-task`, logGroupName: `/ecs/${id}` } : {}),
  });
}

/** The reference layout: staging (CodeDeploy engine) in one account, production (Amazon ECS engine) in another account and region. */
function layout(order: Array<'Tooling' | 'Staging' | 'Production'> = ['Staging', 'Production', 'Tooling'], props: Partial<ReleasePipelineProps> = {}) {
  const app = testApp();
  const envs = { Tooling: TOOLING, Staging: STAGING, Production: PRODUCTION };
  const stacks = Object.fromEntries(order.map((name) => [name, testStack(app, name, { env: envs[name] })])) as Record<typeof order[number], Stack>;
  const staging = service(stacks.Staging, 'Orders', 'codedeploy');
  const production = service(stacks.Production, 'OrdersProd', 'ecs');
  const pipeline = new ReleasePipeline(stacks.Tooling, 'Release', {
    source: source(),
    stages: [{ stageName: 'Staging', service: staging }, { stageName: 'Production', service: production, requireApproval: true }],
    ...props,
  });
  return { app, stacks, pipeline, staging, production };
}

function resourcesOf(stack: Stack, type: string): Array<{ id: string; properties: Record<string, unknown> }> {
  return Object.entries(Template.fromStack(stack).findResources(type)).map(([id, r]) => ({ id, properties: (r as { Properties: Record<string, unknown> }).Properties }));
}

function deployActions(tooling: Stack): Record<string, { RoleArn: string; Region?: string; Configuration: Record<string, unknown> }> {
  const [pipeline] = resourcesOf(tooling, 'AWS::CodePipeline::Pipeline');
  const stages = pipeline.properties.Stages as Array<{ Name: string; Actions: Array<{ Name: string; RoleArn: unknown; Region?: string; Configuration: Record<string, unknown> }> }>;
  return Object.fromEntries(stages.flatMap((stage) => stage.Actions.filter((a) => a.Name === 'Deploy')
    .map((a) => [stage.Name, { RoleArn: evaluate(a.RoleArn), Region: a.Region, Configuration: a.Configuration }])));
}

/** The role named `arn` in `stack`, by its RoleName. */
function roleByArn(stack: Stack, arn: string) {
  const name = arn.split(':role/')[1];
  const role = resourcesOf(stack, 'AWS::IAM::Role').find((r) => r.properties.RoleName === name);
  expect(role).toBeDefined();
  return role!;
}

function statementsOf(stack: Stack, roleId: string): Statement[] {
  return resourcesOf(stack, 'AWS::IAM::Policy')
    .filter((p) => (p.properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap((p) => (p.properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** Who a resource policy admits: the role ARNs it names, directly or as an account with an `aws:PrincipalArn` condition. */
function admitted(statements: Statement[]): string[] {
  return [...new Set(statements.filter((s) => s.Effect === 'Allow').map((s) => {
    const condition = s.Condition?.ArnEquals?.['aws:PrincipalArn'];
    return evaluate(condition ?? s.Principal?.AWS);
  }))].sort();
}

describe('stages in other accounts and regions', () => {
  test('each deploy action runs by a role in its target account, trusted by the pipeline role alone', () => {
    const { stacks } = layout();
    const actions = deployActions(stacks.Tooling);
    const [pipelineRole] = resourcesOf(stacks.Tooling, 'AWS::IAM::Role').filter((r) => (r.properties.AssumeRolePolicyDocument as { Statement: Statement[] })
      .Statement.some((s) => JSON.stringify(s.Principal).includes('codepipeline.amazonaws.com')));
    const pipelineRoleArn = `arn:REF(AWS::Partition):iam::${TOOLING.account}:role/${pipelineRole.properties.RoleName}`;

    expect(actions.Staging.RoleArn).toMatch(new RegExp(`^arn:REF\\(AWS::Partition\\):iam::${STAGING.account}:role/`));
    expect(actions.Production.RoleArn).toMatch(new RegExp(`^arn:REF\\(AWS::Partition\\):iam::${PRODUCTION.account}:role/`));
    expect(actions.Production.Region).toBe(PRODUCTION.region);
    expect(actions.Staging.Region).toBeUndefined();
    for (const [name, stack] of [['Staging', stacks.Staging], ['Production', stacks.Production]] as const) {
      const trust = (roleByArn(stack, actions[name].RoleArn).properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
      expect(trust).toHaveLength(1);
      expect(evaluate(trust[0].Principal!.AWS)).toBe(`arn:REF(AWS::Partition):iam::${TOOLING.account}:root`);
      expect(evaluate(trust[0].Condition!.ArnEquals['aws:PrincipalArn'])).toBe(pipelineRoleArn);
    }
  });

  test('the deploy roles are narrowed to their service: no action on every resource', () => {
    const { stacks } = layout();
    const actions = deployActions(stacks.Tooling);
    const stagingRole = roleByArn(stacks.Staging, actions.Staging.RoleArn);
    const staging = statementsOf(stacks.Staging, stagingRole.id);

    expect(staging.flatMap((s) => ([] as string[]).concat(s.Action)).sort()).toEqual([
      'codedeploy:CreateDeployment', 'codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:GetDeployment',
      'codedeploy:GetDeploymentConfig', 'codedeploy:RegisterApplicationRevision', 'ecs:RegisterTaskDefinition', 'ecs:TagResource', 'iam:PassRole',
      'kms:Decrypt', 'kms:DescribeKey', 's3:GetBucket*', 's3:GetObject*', 's3:List*',
    ]);
    const productionRole = roleByArn(stacks.Production, actions.Production.RoleArn);
    const production = statementsOf(stacks.Production, productionRole.id);
    expect(production).toEqual([expect.objectContaining({
      Action: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^OrdersProdReleaseAccessStackUpdate/), 'Arn'] },
    })]);
    for (const statement of [...staging, ...production]) {
      expect(statement.Resource).not.toEqual('*');
    }
    // The key by its alias, in the account and region of the artifacts the stage reads.
    expect(staging).toContainEqual(expect.objectContaining({
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': expect.stringMatching(/^alias\/codepipeline-/) } },
    }));
  });

  test('the artifact buckets and keys admit exactly the pipeline and the stages\' roles of their region', () => {
    const { app, stacks } = layout();
    const actions = deployActions(stacks.Tooling);
    const stagingRole = actions.Staging.RoleArn;
    const [artifactBucketPolicy] = resourcesOf(stacks.Tooling, 'AWS::S3::BucketPolicy');
    const artifactKey = resourcesOf(stacks.Tooling, 'AWS::KMS::Key').find((k) => k.id.startsWith('ReleasePipelineArtifactsBucketEncryptionKey'))!;

    expect(admitted((artifactBucketPolicy.properties.PolicyDocument as { Statement: Statement[] }).Statement)).toEqual([stagingRole]);
    expect(admitted((artifactKey.properties.KeyPolicy as { Statement: Statement[] }).Statement))
      .toEqual([`arn:REF(AWS::Partition):iam::${TOOLING.account}:root`, stagingRole].sort());

    // Production reads its artifacts in its own region, through the project that updates its stack.
    const replication = app.node.findChild('Tooling-artifacts-us-east-1') as Stack;
    const projectRole = resourcesOf(stacks.Production, 'AWS::IAM::Role').find((r) => r.id.startsWith('OrdersProdReleaseAccessStackUpdateRole'))!;
    const projectRoleArn = `arn:REF(AWS::Partition):iam::${PRODUCTION.account}:role/${projectRole.properties.RoleName}`;
    const [replicationPolicy] = resourcesOf(replication, 'AWS::S3::BucketPolicy');
    // The pipeline's role is of the bucket's account: its own policy grants it.
    expect(admitted((replicationPolicy.properties.PolicyDocument as { Statement: Statement[] }).Statement)).toEqual([projectRoleArn]);
    const [replicationKey] = resourcesOf(replication, 'AWS::KMS::Key');
    expect(admitted((replicationKey.properties.KeyPolicy as { Statement: Statement[] }).Statement))
      .toEqual([`arn:REF(AWS::Partition):iam::${TOOLING.account}:root`, projectRoleArn].sort());
  });

  test('a cross-region stage has its replication bucket and key, in the pipeline\'s account', () => {
    const { app, stacks } = layout();
    const replication = app.node.findChild('Tooling-artifacts-us-east-1') as Stack;

    expect({ account: replication.account, region: replication.region }).toEqual({ account: TOOLING.account, region: PRODUCTION.region });
    const [bucket] = resourcesOf(replication, 'AWS::S3::Bucket');
    const [alias] = resourcesOf(replication, 'AWS::KMS::Alias');
    expect(evaluate((bucket.properties.BucketEncryption as { ServerSideEncryptionConfiguration: Array<{ ServerSideEncryptionByDefault: { KMSMasterKeyID: unknown } }> })
      .ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID))
      .toBe(`arn:REF(AWS::Partition):kms:us-east-1:${TOOLING.account}:${alias.properties.AliasName}`);
    Template.fromStack(replication).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const [pipeline] = resourcesOf(stacks.Tooling, 'AWS::CodePipeline::Pipeline');
    const stores = pipeline.properties.ArtifactStores as Array<{ Region: string; ArtifactStore: { Location: unknown } }>;
    expect(stores.map((s) => s.Region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(stores.find((s) => s.Region === 'us-east-1')!.ArtifactStore.Location).toBe(bucket.properties.BucketName);
  });

  test.each([
    [['Staging', 'Production', 'Tooling']], [['Staging', 'Tooling', 'Production']], [['Production', 'Staging', 'Tooling']],
    [['Production', 'Tooling', 'Staging']], [['Tooling', 'Staging', 'Production']], [['Tooling', 'Production', 'Staging']],
  ] as const)('stacks created in the order %j synthesize with no dependency cycle; the targets deploy first', (order) => {
    const { app } = layout([...order]);
    const assembly = app.synth();
    const dependencies = (name: string) => assembly.getStackByName(name).dependencies.map((d) => d.id);

    expect(dependencies('Tooling')).toEqual(expect.arrayContaining(['Staging', 'Production', 'Tooling-artifacts-us-east-1']));
    expect(dependencies('Tooling-artifacts-us-east-1')).toContain('Production');
    expect(dependencies('Staging')).not.toContain('Tooling');
    expect(dependencies('Production')).not.toContain('Tooling');
  });

  test('each service\'s tasks may pull the release from the pipeline\'s repository: its policy and their role\'s both say so', () => {
    const { stacks } = layout();
    const [repository] = resourcesOf(stacks.Tooling, 'AWS::ECR::Repository');
    const repositoryArn = `arn:REF(AWS::Partition):ecr:eu-west-1:${TOOLING.account}:repository/${repository.properties.RepositoryName}`;
    const pullers = (repository.properties.RepositoryPolicyText as { Statement: Statement[] }).Statement.map((st) => evaluate(st.Principal!.AWS));
    for (const stack of [stacks.Staging, stacks.Production]) {
      const executionRole = resourcesOf(stack, 'AWS::IAM::Role').find((r) => /TaskDefinitionExecutionRole/.test(r.id))!;
      expect(pullers).toContain(`arn:REF(AWS::Partition):iam::${stack.account}:role/${executionRole.properties.RoleName}`);
      const pulls = statementsOf(stack, executionRole.id).filter((st) => ([] as string[]).concat(st.Action).includes('ecr:BatchGetImage'));
      expect(pulls.map((st) => evaluate(st.Resource))).toEqual([repositoryArn]);
    }
  });

  test('a stage\'s deployments reach the deployment record through the pipeline account\'s event bus', () => {
    const { stacks } = layout();
    for (const stack of [stacks.Staging, stacks.Production]) {
      const [rule] = resourcesOf(stack, 'AWS::Events::Rule').filter((r) => r.id.includes('ReleaseAccessRecordedDeployments'));
      expect(evaluate((rule.properties.Targets as Array<{ Arn: unknown }>)[0].Arn))
        .toBe(`arn:REF(AWS::Partition):events:eu-west-1:${TOOLING.account}:event-bus/default`);
    }
    const policies = resourcesOf(stacks.Tooling, 'AWS::Events::EventBusPolicy').map((p) => p.properties.Statement as Statement);
    expect(policies.map((p) => evaluate(p.Principal!.AWS)).sort())
      .toEqual([STAGING.account, PRODUCTION.account].map((a) => `arn:REF(AWS::Partition):iam::${a}:root`));
    for (const policy of policies) {
      expect(policy.Condition).toEqual({ StringEquals: { 'events:source': ['aws.codedeploy', 'aws.ecs'] } });
    }
    const recorded = resourcesOf(stacks.Tooling, 'AWS::Events::Rule').filter((r) => r.id.startsWith('ReleaseDeploymentRecordDeployments'));
    expect(recorded.map((r) => (r.properties.EventPattern as { account: string[]; region: string[] })).map((p) => `${p.account}/${p.region}`).sort())
      .toEqual(['222222222222/eu-west-1', '333333333333/us-east-1']);
  });

  test('each stage\'s deployments are notified by a notifier in its own environment, publishing to the pipeline\'s topic, which admits it alone', () => {
    const { stacks } = layout();
    const [topic] = resourcesOf(stacks.Tooling, 'AWS::SNS::Topic');
    const topicArn = `arn:REF(AWS::Partition):sns:eu-west-1:${TOOLING.account}:${topic.properties.TopicName}`;
    const notifierRoles: string[] = [];
    for (const [stack, source] of [[stacks.Staging, 'aws.codedeploy'], [stacks.Production, 'aws.ecs']] as const) {
      const [fn] = resourcesOf(stack, 'AWS::Lambda::Function').filter((f) => /^ToolingRelease[0-9A-F]{8}Notifier/.test(f.id));
      const config = JSON.parse(evaluate((fn.properties.Environment as { Variables: Record<string, unknown> }).Variables.CDK_ECS_RELEASE_NOTIFIER_CONFIG));
      expect(config.topicArn).toBe(topicArn);
      const rules = resourcesOf(stack, 'AWS::Events::Rule').filter((r) => (r.properties.Targets as Array<{ Arn: unknown }>)
        .some((t) => JSON.stringify(t.Arn).includes(fn.id)));
      // Its stage's deployments, and the rollback verification results there.
      expect(rules.map((r) => (r.properties.EventPattern as { source: string[] }).source).sort()).toEqual([[source], ['cdk-ecs-release']].sort());
      const role = resourcesOf(stack, 'AWS::IAM::Role').find((r) => r.id === (fn.properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0])!;
      notifierRoles.push(`arn:REF(AWS::Partition):iam::${stack.account}:role/${role.properties.RoleName}`);
      expect(statementsOf(stack, role.id)).toContainEqual(expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': expect.stringMatching(/^alias\/release-notifications-/) } },
      }));
    }
    const [topicPolicy] = resourcesOf(stacks.Tooling, 'AWS::SNS::TopicPolicy');
    const publishers = (topicPolicy.properties.PolicyDocument as { Statement: Statement[] }).Statement
      // The roles of other accounts; the lost-notifications alarm publishes through CloudWatch's service principal.
      .filter((st) => st.Action === 'sns:Publish' && st.Condition && !JSON.stringify(st.Principal).includes('cloudwatch.amazonaws.com'));
    expect(admitted(publishers)).toEqual(notifierRoles.sort());
  });

  test('a notifier in another environment publishes to the severity topics too, which admit it alone', () => {
    const { stacks } = layout(undefined, { notificationRoutes: [NotificationRoute.email('on-call@example.com', NotificationSeverity.WARNING)] });
    const warning = resourcesOf(stacks.Tooling, 'AWS::SNS::Topic').find((t) => /WarningTopic/.test(t.id))!;
    const warningArn = `arn:REF(AWS::Partition):sns:eu-west-1:${TOOLING.account}:${warning.properties.TopicName}`;
    const [fn] = resourcesOf(stacks.Production, 'AWS::Lambda::Function').filter((f) => /^ToolingRelease[0-9A-F]{8}Notifier/.test(f.id));
    const config = JSON.parse(evaluate((fn.properties.Environment as { Variables: Record<string, unknown> }).Variables.CDK_ECS_RELEASE_NOTIFIER_CONFIG));
    expect(config.severityTopics).toEqual([{ topicArn: warningArn, minimumSeverity: 'WARNING' }]);
    const policy = resourcesOf(stacks.Tooling, 'AWS::SNS::TopicPolicy').find((p) => JSON.stringify(p.properties.Topics).includes(warning.id))!;
    const publishers = (policy.properties.PolicyDocument as { Statement: Statement[] }).Statement
      .filter((st) => st.Action === 'sns:Publish' && JSON.stringify(st.Principal ?? {}).includes('AWS'));
    expect(publishers).toHaveLength(2);
  });

  test('a CodeDeploy-engine stage\'s hooks are named by CDK, so that its appspec.yaml, written in the pipeline\'s account, names them', () => {
    const app = testApp();
    const staging = testStack(app, 'Staging', { env: STAGING });
    const tooling = testStack(app, 'Tooling', { env: TOOLING });
    const orders = service(staging, 'Orders', 'codedeploy');
    new SmokeTestHook(staging, 'Smoke', { service: orders, checks: [SmokeCheck.get('/health')] });
    new PreflightHook(staging, 'Preflight', { service: orders });
    new ReleasePipeline(tooling, 'Release', { source: source(), stages: [{ stageName: 'Staging', service: orders }] });

    expect(synthesisMessages(app)).toEqual([]);
    const hooks = resourcesOf(staging, 'AWS::Lambda::Function').filter((f) => /Smoke|Preflight/.test(f.id));
    expect(hooks).toHaveLength(2);
    const manifest = JSON.stringify(Template.fromStack(tooling).toJSON());
    for (const hook of hooks) {
      expect(typeof hook.properties.FunctionName).toBe('string');
      expect(manifest).toContain(hook.properties.FunctionName as string);
    }
  });

  test('a given replication bucket of the stage\'s region is used, and no artifact stack made', () => {
    const app = testApp();
    const replicationStack = testStack(app, 'Replication', { env: { account: TOOLING.account, region: 'us-east-1' } });
    const key = new kms.Key(replicationStack, 'Key');
    const alias = new kms.Alias(replicationStack, 'KeyAlias', { aliasName: 'alias/artifacts', targetKey: key });
    const bucket = new s3.Bucket(replicationStack, 'Bucket', { bucketName: 'artifacts-us-east-1', encryptionKey: alias });
    const tooling = testStack(app, 'Tooling', { env: TOOLING });
    const production = testStack(app, 'Production', { env: PRODUCTION });
    new ReleasePipeline(tooling, 'Release', { source: source(), crossRegionReplicationBuckets: { 'us-east-1': bucket }, stages: [{ stageName: 'Production', service: service(production, 'Orders', 'ecs') }] });

    expect(synthesisMessages(app)).toEqual([]);
    expect(app.node.tryFindChild('Tooling-artifacts-us-east-1')).toBeUndefined();
    const [pipeline] = resourcesOf(tooling, 'AWS::CodePipeline::Pipeline');
    expect((pipeline.properties.ArtifactStores as Array<{ Region: string; ArtifactStore: { Location: unknown } }>)
      .find((s) => s.Region === 'us-east-1')!.ArtifactStore.Location).toBe('artifacts-us-east-1');
  });

  test('a service in another stack of the same environment, explicit or env-agnostic, is deployed as before', () => {
    for (const env of [TOOLING, undefined]) {
      const app = testApp();
      const serviceStack = testStack(app, 'Services', { env });
      const pipelineStack = testStack(app, 'Pipeline', { env });
      new ReleasePipeline(pipelineStack, 'Release', { source: source(), stages: [{ stageName: 'Prod', service: mockService(serviceStack, 'Service') }] });

      expect(synthesisMessages(app)).toEqual([]);
      const [pipeline] = resourcesOf(pipelineStack, 'AWS::CodePipeline::Pipeline');
      expect((pipeline.properties.Stages as { Name: string }[]).map((s) => s.Name)).toEqual(['Source', 'Build', 'Prod']);
      expect(pipeline.properties.ArtifactStores).toBeUndefined();
      expect(resourcesOf(serviceStack, 'AWS::IAM::Role').filter((r) => r.properties.RoleName !== undefined)).toEqual([]);
    }
  });
});

describe('stages in other environments refused at synthesis', () => {
  function refused(pipelineEnv: StackProps['env'], serviceEnv: StackProps['env'], build = (stack: Stack) => service(stack, 'Service', 'ecs')) {
    const app = testApp();
    const pipelineStack = testStack(app, 'Pipeline', { env: pipelineEnv });
    const serviceStack = testStack(app, 'Other', { env: serviceEnv });
    new ReleasePipeline(pipelineStack, 'Release', { source: source(), stages: [{ stageName: 'Prod', service: build(serviceStack) }] });
    return synthesisMessages(app);
  }

  test.each([
    ['an env-agnostic service stack', TOOLING, undefined, 'Other', 'stack Other (env-agnostic)', `stack Pipeline (account ${TOOLING.account}, region eu-west-1)`],
    ['an env-agnostic pipeline stack', undefined, STAGING, 'Pipeline', `stack Other (account ${STAGING.account}, region eu-west-1)`, 'stack Pipeline (env-agnostic)'],
    ['a pipeline stack with an account only', { account: TOOLING.account }, STAGING, 'Pipeline',
      `stack Other (account ${STAGING.account}, region eu-west-1)`, `stack Pipeline (account ${TOOLING.account}, region env-agnostic)`],
  ])('with %s, naming both environments and the stack to give an env', (_, pipelineEnv, serviceEnv, agnostic, serviceDescription, pipelineDescription) => {
    expect(refused(pipelineEnv, serviceEnv, (stack) => mockService(stack, 'Service'))).toEqual([
      `Pipeline/Release: invalid stages: stage 'Prod' deploys Other/Service, in ${serviceDescription}, from a pipeline in ${pipelineDescription}; `
      + 'a pipeline deploys to another account or region only between stacks with an explicit account and region: '
      + `give ${agnostic} env: { account: '123456789012', region: 'eu-west-1' }`,
    ]);
  });

  test('a CodeDeploy-engine service whose task role has no name, which taskdef.json would name', () => {
    expect(refused(TOOLING, STAGING, (stack) => service(stack, 'Service', 'codedeploy', false))).toEqual([
      "Pipeline/Release: invalid stages: stage 'Prod' releases Other/Service on the CodeDeploy engine from another environment: the pipeline's build "
      + 'writes its taskdef.json and appspec.yaml, which name Other/Service/TaskDefinition/TaskRole, and a resource of another account or region is named only by a '
      + "physical name; set taskRoleName on Other/Service (e.g. 'service-task'), or put the service on the Amazon ECS engine, whose stages need no taskdef.json",
    ]);
  });

  test('a stage added with addStage() in a region the pipeline has no artifact bucket in', () => {
    const app = testApp();
    const tooling = testStack(app, 'Tooling', { env: TOOLING });
    const production = testStack(app, 'Production', { env: PRODUCTION });
    const pipeline = new ReleasePipeline(tooling, 'Release', { source: source(), stages: [{ stageName: 'Staging', service: mockService(tooling, 'Staging') }] });
    pipeline.addStage({ stageName: 'Production', service: service(production, 'Orders', 'ecs') });

    expect(synthesisMessages(app)).toEqual([
      "Tooling/Release: invalid stages: stage 'Production' deploys Production/Orders in region us-east-1, where the pipeline has no artifact bucket: "
      + 'it makes one for each region of the stages passed in stages, not of those added with addStage(); pass this stage in stages, or give a bucket '
      + 'of us-east-1 in crossRegionReplicationBuckets',
    ]);
  });

  test.each<[string, (stack: Stack) => s3.IBucket, string]>([
    ['without a physical name', (stack) => new s3.Bucket(stack, 'Bucket', { encryptionKey: new kms.Alias(stack, 'Alias', { aliasName: 'alias/a', targetKey: new kms.Key(stack, 'Key') }) }),
      "gives for region 'us-east-1' a bucket the pipeline cannot name: Replication/Bucket has no physical name, which the pipeline's region needs to "
      + 'name it; give it bucketName (or PhysicalName.GENERATE_IF_NEEDED)'],
    ['encrypted by a key rather than its alias', (stack) => new s3.Bucket(stack, 'Bucket', { bucketName: 'artifacts', encryptionKey: new kms.Key(stack, 'Key') }),
      "gives for region 'us-east-1' a bucket the pipeline cannot name: Replication/Bucket is encrypted by Replication/Key, a key only its own region "
      + 'can name; encrypt it by an alias of that key instead (encryptionKey: new kms.Alias(...)), which has a name'],
  ])('a replication bucket %s', (_, bucket, message) => {
    const app = testApp();
    const replication = testStack(app, 'Replication', { env: { account: TOOLING.account, region: 'us-east-1' } });
    const tooling = testStack(app, 'Tooling', { env: TOOLING });
    new ReleasePipeline(tooling, 'Release', {
      source: source(), crossRegionReplicationBuckets: { 'us-east-1': bucket(replication) }, stages: [{ stageName: 'Staging', service: mockService(tooling, 'Staging') }],
    });

    expect(synthesisMessages(app)).toEqual([`Tooling/Release: invalid crossRegionReplicationBuckets: ${message}`]);
  });

  test('a replication bucket for the pipeline\'s own region, or with an env-agnostic pipeline stack', () => {
    for (const env of [TOOLING, undefined]) {
      const app = testApp();
      const tooling = testStack(app, 'Tooling', { env });
      const bucket = s3.Bucket.fromBucketName(tooling, 'Bucket', 'artifacts');
      new ReleasePipeline(tooling, 'Release', {
        source: source(), crossRegionReplicationBuckets: { 'eu-west-1': bucket }, stages: [{ stageName: 'Staging', service: mockService(tooling, 'Staging') }],
      });

      expect(synthesisMessages(app)).toEqual([env
        ? "Tooling/Release: invalid crossRegionReplicationBuckets: gives a bucket for 'eu-west-1', the pipeline's own region, where it keeps its own "
          + 'encrypted artifact bucket; remove that entry, and give buckets of the other regions its stages deploy to only'
        : "Tooling/Release: invalid crossRegionReplicationBuckets: is given, but the pipeline's stack Tooling has no explicit region; CodePipeline "
          + "keeps one artifact bucket per region, by its name: give the pipeline's stack env: { account, region }, and key each bucket by its region, "
          + "e.g. { 'us-east-1': bucket }"]);
    }
  });

  test('a replication bucket given for a region its stack is not in', () => {
    const app = testApp();
    const elsewhere = testStack(app, 'Elsewhere', { env: { account: TOOLING.account, region: 'eu-central-1' } });
    const bucket = new s3.Bucket(elsewhere, 'Bucket', { bucketName: 'artifacts-eu-central-1', encryptionKey: new kms.Key(elsewhere, 'Key') });
    const tooling = testStack(app, 'Tooling', { env: TOOLING });
    new ReleasePipeline(tooling, 'Release', {
      source: source(), crossRegionReplicationBuckets: { 'us-east-1': bucket }, stages: [{ stageName: 'Staging', service: mockService(tooling, 'Staging') }],
    });

    expect(synthesisMessages(app)).toEqual([
      "Tooling/Release: invalid crossRegionReplicationBuckets: gives for region 'us-east-1' Elsewhere/Bucket, in stack Elsewhere (account "
      + `${TOOLING.account}, region eu-central-1); CodePipeline copies the artifacts of a region's stages to a bucket in that region, pass a bucket of a stack in us-east-1`,
    ]);
  });
});

