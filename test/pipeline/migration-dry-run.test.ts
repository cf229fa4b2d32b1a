/**
 * The migration dry run at a production approval: an action before the approval that runs the
 * migration hook's dry-run command, whose summary and link the approval request shows.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { DRY_RUN_SUMMARY_MAX_LENGTH } from '../../contract/migration-dry-run';
import { BlueGreenService, DeploymentEngine, MigrationHook, ReleasePipeline, ReleaseSource, ReleaseStageOptions } from '../../lib';
import { expectSynthError, synthesisMessages } from '../synth-errors';
import { CONNECTION_ARN, mockService, testApp, testStack } from './util';

type Action = { Name: string; RunOrder: number; ActionTypeId: { Provider: string; Category: string }; Configuration: Record<string, unknown>;
  Namespace?: string; InputArtifacts?: Array<{ Name: string }> };

const DRY_RUN = ['npm', 'run', 'migrate', '--', '--dry-run'];

function source(): ReleaseSource {
  return ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' });
}

function ecsService(stack: Stack, id: string): BlueGreenService {
  return new BlueGreenService(stack, id, {
    vpc: new ec2.Vpc(stack, `${id}Vpc`, { maxAzs: 2, natGateways: 1 }), serviceName: id.toLowerCase(), engine: DeploymentEngine.ecs(),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
  });
}

function stagesOf(template: Template): Array<{ Name: string; Actions: Action[] }> {
  return (Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as { Properties: { Stages: Array<{ Name: string; Actions: Action[] }> } })
    .Properties.Stages;
}

function productionActions(template: Template): Action[] {
  return stagesOf(template).find((stage) => stage.Name === 'Production')!.Actions;
}

/** A staging and a production service, each with a migration hook with a dry-run command, and a pipeline that approves production. */
function fixture(production: Partial<ReleaseStageOptions> = {}, engine: 'codedeploy' | 'ecs' = 'codedeploy') {
  const stack = testStack();
  const make = (id: string) => (engine === 'ecs' ? ecsService(stack, id) : mockService(stack, id));
  const staging = make('Staging');
  const prod = make('Production');
  new MigrationHook(stack, 'StagingMigrate', { service: staging, command: ['npm', 'run', 'migrate'], dryRunCommand: DRY_RUN });
  const hook = new MigrationHook(stack, 'Migrate', { service: prod, command: ['npm', 'run', 'migrate'], dryRunCommand: DRY_RUN });
  new ReleasePipeline(stack, 'Release', {
    source: source(),
    stages: [{ stageName: 'Staging', service: staging }, { stageName: 'Production', service: prod, requireApproval: true, ...production }],
  });
  return { stack, staging, prod, hook };
}

/** The dry-run project's environment variables, by name. */
function dryRunEnvironment(template: Template): Record<string, unknown> {
  const projects = template.findResources('AWS::CodeBuild::Project', { Properties: { Description: Match.stringLikeRegexp('migration dry run') } });
  expect(Object.keys(projects)).toHaveLength(1);
  const variables = (Object.values(projects)[0] as { Properties: { Environment: { EnvironmentVariables: Array<{ Name: string; Value: unknown }> } } })
    .Properties.Environment.EnvironmentVariables;
  return Object.fromEntries(variables.map((v) => [v.Name, v.Value]));
}

function dryRunStatements(template: Template): Array<Record<string, unknown>> {
  const roles = template.findResources('AWS::IAM::Role', {
    Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'codebuild.amazonaws.com' } }] } },
  });
  const dryRunRole = Object.keys(roles).find((id) => id.includes('MigrationDryRun'))!;
  const policies = [...Object.values(template.findResources('AWS::IAM::Policy')), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy'))]
    .filter((p) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles ?? []).includes(dryRunRole));
  return policies.flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties.PolicyDocument.Statement);
}

function actionsOf(statement: Record<string, unknown>): string[] {
  return ([] as string[]).concat(statement.Action as string | string[]);
}

describe('a stage with an approval and a migration hook with a dry-run command', () => {
  test('runs the dry run before the approval, which shows its summary and links to its output; the deployment comes after both', () => {
    const template = Template.fromStack(fixture().stack);
    const [dryRun, approve, deploy] = productionActions(template);

    expect(dryRun).toMatchObject({
      Name: 'DryRun', RunOrder: 1, Namespace: 'DryRun_Production_Production', ActionTypeId: { Category: 'Build', Provider: 'CodeBuild' },
      InputArtifacts: [{ Name: 'Files_Production' }],
    });
    expect(JSON.parse(dryRun.Configuration.EnvironmentVariables as string)).toEqual([
      { name: 'DRY_RUN_IMAGE', type: 'PLAINTEXT', value: '#{Build.IMAGE_URI}' },
      { name: 'DRY_RUN_OUTPUT_OBJECT', type: 'PLAINTEXT', value: 'migration-dry-runs/#{codepipeline.PipelineExecutionId}/Production.log' },
    ]);
    expect(approve).toMatchObject({ Name: 'Approve', RunOrder: 2, ActionTypeId: { Category: 'Approval' } });
    expect(approve.Configuration.CustomData).toContain('Dry run (the link opens its output): #{DryRun_Production_Production.DRY_RUN_SUMMARY}');
    expect(approve.Configuration.CustomData).toContain('Runs migration: npm run migrate.');
    expect(approve.Configuration.CustomData).not.toContain('the link opens its deployments');
    expect(approve.Configuration.ExternalEntityLink).toBe('#{DryRun_Production_Production.DRY_RUN_LOG_URL}');
    expect(deploy).toMatchObject({ Name: 'Deploy', RunOrder: 3 });
    // Staging has no approval: no checkpoint to show a plan at, so no dry run.
    expect(stagesOf(template).find((s) => s.Name === 'Staging')!.Actions.map((a) => a.Name)).toEqual(['Deploy']);
  });

  test('the project runs the bundled program with the hook\'s command, network and log group, the stage\'s taskdef.json, and exports its variables', () => {
    const template = Template.fromStack(fixture().stack);
    const environment = dryRunEnvironment(template);
    const config = JSON.stringify(environment.CDK_ECS_RELEASE_DRY_RUN_CONFIG);

    for (const expected of ['"command\\":[\\"npm\\",\\"run\\",\\"migrate\\",\\"--\\",\\"--dry-run\\"]', '"taskDefinitionFile\\":\\"taskdef.json\\"',
      '"imagePlaceholder\\":\\"<IMAGE1_NAME>\\"', '"containerName\\":\\"web\\"', '"timeoutSeconds\\":1800', '"logStreamPrefix\\":\\"production\\"']) {
      expect(config).toContain(expected);
    }
    expect(config).toContain('ProductionVpcPrivateSubnet1Subnet');
    expect(Object.keys(environment)).toEqual(expect.arrayContaining(['DRY_RUN_PROGRAM_URL', 'DRY_RUN_OUTPUT_BUCKET', 'DRY_RUN_OUTPUT_KEY']));
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Description: Match.stringLikeRegexp('migration dry run of production before the approval of stage Production'),
      TimeoutInMinutes: 40,
      Source: { BuildSpec: Match.serializedJson(Match.objectLike({
        env: { 'shell': 'bash', 'exported-variables': ['DRY_RUN_SUMMARY', 'DRY_RUN_LOG_URL', 'DRY_RUN_OUTPUT_URI', 'DRY_RUN_EXIT_CODE'] },
        phases: { build: { commands: [Match.stringLikeRegexp('node "\\$work/migration-dry-run.js" --output')] } },
      })) },
    });
  });

  test('the project\'s role may run the service\'s own task definition family on its cluster and pass its roles to ECS, and nothing broader', () => {
    const statements = dryRunStatements(Template.fromStack(fixture().stack));
    const find = (action: string) => statements.filter((s) => actionsOf(s).includes(action));

    expect(find('ecs:RunTask')).toEqual([expect.objectContaining({ Condition: { ArnEquals: { 'ecs:cluster': expect.anything() } } })]);
    expect(JSON.stringify(find('ecs:RunTask')[0].Resource)).toMatch(/:task-definition\/.*:\*"/);
    expect(find('iam:PassRole')).toEqual([expect.objectContaining({
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^ProductionTaskDefinitionTaskRole/), 'Arn'] },
        { 'Fn::GetAtt': [expect.stringMatching(/^ProductionTaskDefinitionExecutionRole/), 'Arn'] }],
    })]);
    expect(JSON.stringify(find('ecs:StopTask'))).toContain(':task/');
    expect(JSON.stringify(find('logs:GetLogEvents'))).toContain(':log-stream:production/web/*');
    expect(JSON.stringify(find('s3:PutObject'))).toContain('/migration-dry-runs/*');
    // AWS allows no narrower resource for these two.
    expect(find('ecs:DescribeTaskDefinition')).toEqual([expect.objectContaining({ Resource: '*', Action: ['ecs:DescribeTaskDefinition', 'ecs:DeregisterTaskDefinition'] })]);
    // On the CodeDeploy engine the task definition is the stage's taskdef.json: the service is not read.
    expect(find('ecs:DescribeServices')).toHaveLength(0);
    const wildcards = statements.filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')));
    expect(wildcards.flatMap(actionsOf).sort()).toEqual(['ecs:DeregisterTaskDefinition', 'ecs:DescribeTaskDefinition']);
  });

  test('on the Amazon ECS engine, the dry run puts the release\'s image in the service\'s current task definition, which it may read', () => {
    const template = Template.fromStack(fixture({}, 'ecs').stack);
    const [dryRun, approve, deploy] = productionActions(template);

    expect([dryRun.Name, approve.Name, deploy.Name]).toEqual(['DryRun', 'Approve', 'Deploy']);
    expect([dryRun.RunOrder, approve.RunOrder, deploy.RunOrder]).toEqual([1, 2, 3]);
    expect(JSON.stringify(dryRunEnvironment(template).CDK_ECS_RELEASE_DRY_RUN_CONFIG)).not.toContain('taskDefinitionFile');
    const describe = dryRunStatements(template).filter((s) => actionsOf(s).includes('ecs:DescribeServices'));
    expect(describe).toEqual([expect.objectContaining({ Resource: { Ref: expect.stringMatching(/^ProductionService/) } })]);
  });

  test('dryRunTimeout bounds the build', () => {
    const stack = testStack();
    const [staging, prod] = ['Staging', 'Production'].map((id) => mockService(stack, id));
    new MigrationHook(stack, 'Migrate', { service: prod, command: ['migrate'], dryRunCommand: ['migrate', '--plan'], dryRunTimeout: Duration.hours(2) });
    new ReleasePipeline(stack, 'Release', { source: source(), stages: [{ stageName: 'Staging', service: staging }, { stageName: 'Production', service: prod, requireApproval: true }] });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CodeBuild::Project', { Description: Match.stringLikeRegexp('migration dry run'), TimeoutInMinutes: 130 });
    expect(JSON.stringify(dryRunEnvironment(template).CDK_ECS_RELEASE_DRY_RUN_CONFIG)).toContain('"timeoutSeconds\\":7200');
  });

  test('migrationDryRun: false keeps the approval as it was', () => {
    const template = Template.fromStack(fixture({ migrationDryRun: false }).stack);
    const actions = productionActions(template);

    expect(actions.map((a) => [a.Name, a.RunOrder])).toEqual([['Approve', 1], ['Deploy', 2]]);
    expect(actions[0].Configuration.CustomData).toContain('the link opens its deployments');
    expect(template.findResources('AWS::CodeBuild::Project', { Properties: { Description: Match.stringLikeRegexp('migration dry run') } })).toEqual({});
  });

  test('a stage of several services runs the dry run of each service that has one, and names each summary', () => {
    const stack = testStack();
    const [staging, orders, worker] = ['Staging', 'Orders', 'Worker'].map((id) => mockService(stack, id));
    new MigrationHook(stack, 'OrdersMigrate', { service: orders, command: ['migrate'], dryRunCommand: ['migrate', '--plan'] });
    new MigrationHook(stack, 'WorkerMigrate', { service: worker, command: ['migrate'] });
    new ReleasePipeline(stack, 'Release', { source: source(), stages: [{ stageName: 'Staging', service: staging },
      { stageName: 'Production', services: [orders, worker], requireApproval: true }] });

    const actions = productionActions(Template.fromStack(stack));

    expect(actions.map((a) => [a.Name, a.RunOrder])).toEqual([['DryRun-orders', 1], ['Approve', 2], ['Deploy-orders', 3], ['Deploy-worker', 4]]);
    expect(actions[1].Configuration.CustomData).toContain('Dry run (the link opens its output): #{DryRun_Production_Production__Orders.DRY_RUN_SUMMARY}');
  });

  test('the approval request stays within CodePipeline\'s 500 characters with the summary filled in at its longest', () => {
    const template = Template.fromStack(fixture({ approvalComment: 'c'.repeat(200) }).stack);
    const data = productionActions(template)[1].Configuration.CustomData as string;
    const reference = '#{DryRun_Production_Production.DRY_RUN_SUMMARY}';

    expect(data).toContain(reference);
    expect(data.length - reference.length + DRY_RUN_SUMMARY_MAX_LENGTH).toBeLessThanOrEqual(500);
    expect(data).toContain('c'.repeat(200));
  });
});

describe('invalid dry-run input', () => {
  test('fails when dryRunCommand is empty', () => {
    const stack = testStack();
    const service = mockService(stack, 'Production');
    expectSynthError(stack, () => new MigrationHook(stack, 'Migrate', { service, command: ['migrate'], dryRunCommand: [] }),
      /Migrate: invalid dryRunCommand: is empty; give the command that prints the migration's plan/);
  });

  test('fails when dryRunTimeout is given without dryRunCommand, or is out of range', () => {
    const stack = testStack();
    const [a, b] = ['A', 'B'].map((id) => mockService(stack, id));
    new MigrationHook(stack, 'NoCommand', { service: a, command: ['migrate'], dryRunTimeout: Duration.minutes(5) });
    new MigrationHook(stack, 'TooLong', { service: b, command: ['migrate'], dryRunCommand: ['migrate', '--plan'], dryRunTimeout: Duration.hours(9) });

    const messages = synthesisMessages(stack.node.root as never);
    expect(messages).toEqual(expect.arrayContaining([
      expect.stringMatching(/NoCommand: invalid dryRunTimeout: is given without dryRunCommand/),
      expect.stringMatching(/TooLong: invalid dryRunTimeout: must be between 1 and 480 minutes, got 540 minutes/),
    ]));
  });

  test('fails when migrationDryRun is set on a stage without approval', () => {
    const stack = testStack();
    const [staging, prod] = ['Staging', 'Production'].map((id) => mockService(stack, id));
    expectSynthError(stack, () => new ReleasePipeline(stack, 'Release', { source: source(), stages: [
      { stageName: 'Staging', service: staging, migrationDryRun: true }, { stageName: 'Production', service: prod }] }),
    /stage 'Staging' has migrationDryRun but no requireApproval/);
  });

  test('fails when the hook with the dry-run command is made after the stage, which would not run it', () => {
    const stack = testStack();
    const [staging, prod] = ['Staging', 'Production'].map((id) => mockService(stack, id));
    new ReleasePipeline(stack, 'Release', { source: source(), stages: [{ stageName: 'Staging', service: staging }, { stageName: 'Production', service: prod, requireApproval: true }] });
    expectSynthError(stack, () => new MigrationHook(stack, 'Migrate', { service: prod, command: ['migrate'], dryRunCommand: ['migrate', '--plan'] }),
      /Migrate: invalid dryRunCommand: the hook was made after stage 'Production' of .*Release.*; make the MigrationHook before the ReleasePipeline/);
  });

});

describe('a service in another account and region', () => {
  test('its dry run runs there, by a project in the service\'s stack that only the pipeline\'s role may start, and reads the artifacts of its region', () => {
    const app = testApp();
    const tooling = new Stack(app, 'Tooling', { env: { account: '111111111111', region: 'eu-west-1' } });
    const serviceStack = new Stack(app, 'Prod', { env: { account: '333333333333', region: 'us-east-1' } });
    const staging = mockService(tooling, 'Staging');
    const prod = new BlueGreenService(serviceStack, 'Production', {
      vpc: new ec2.Vpc(serviceStack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 }), serviceName: 'orders',
      engine: DeploymentEngine.ecs(), image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    });
    new MigrationHook(serviceStack, 'Migrate', { service: prod, command: ['migrate'], dryRunCommand: ['migrate', '--plan'] });
    new ReleasePipeline(tooling, 'Release', { source: source(), stages: [{ stageName: 'Staging', service: staging },
      { stageName: 'Production', service: prod, requireApproval: true }] });

    expect(synthesisMessages(app)).toEqual([]);
    const findings = new AwsSolutionsChecks(app).validateScope(app).violations.flatMap((violation) => violation.violatingResources
      .filter((resource) => /MigrationDryRun|DryRun/.test(resource.constructPath ?? ''))
      .map((resource) => `${violation.ruleName}: ${resource.constructPath} ${JSON.stringify(resource.locations ?? '')}`));
    expect(findings).toEqual([]);
    const prodTemplate = Template.fromStack(serviceStack);
    const environment = dryRunEnvironment(prodTemplate);
    // The output stays in the logs of the service's account: the pipeline's artifact bucket is not written across accounts.
    expect(Object.keys(environment)).not.toContain('DRY_RUN_OUTPUT_BUCKET');
    expect(dryRunEnvironment(prodTemplate).DRY_RUN_PROGRAM_URL).toEqual(expect.stringContaining('333333333333-us-east-1'));
    const [dryRun, approve] = productionActions(Template.fromStack(tooling)) as Array<Action & { Region?: string; RoleArn?: unknown }>;
    expect(dryRun).toMatchObject({ Name: 'DryRun', RunOrder: 1, Region: 'us-east-1' });
    expect(JSON.stringify(dryRun.RoleArn)).toContain('333333333333');
    expect(approve.Configuration.ExternalEntityLink).toBe('#{DryRun_Production_Production.DRY_RUN_LOG_URL}');
    const statements = dryRunStatements(prodTemplate);
    expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(['ecs:RunTask', 'ecs:DescribeServices', 'iam:PassRole', 'logs:GetLogEvents',
      's3:GetObject*', 'kms:Decrypt']));
    prodTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Condition: { ArnEquals: { 'aws:PrincipalArn': Match.anyValue() } } })] },
      Policies: Match.absent(),
      Description: Match.stringLikeRegexp('Starts the migration dry run of orders'),
    });
  });
});
