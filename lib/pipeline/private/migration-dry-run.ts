/**
 * The migration dry run of a stage with an approval: a CodeBuild action before the approval that
 * runs the service's migration hook's dry-run command in a one-off task of the release's task
 * definition, keeps its output in the artifact bucket, exports its summary and links to the
 * approval request, and fails the stage (so the release stops before the approval) when the dry
 * run fails.
 */
import { ArnFormat, Duration, PhysicalName, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct, IConstruct } from 'constructs';
import { IMAGE_PLACEHOLDER, TASK_DEFINITION_FILE } from '../../../contract/artifacts';
import { DRY_RUN_ENV, DRY_RUN_OUTPUT_PREFIX, DRY_RUN_VARIABLES, MigrationDryRunConfig } from '../../../contract/migration-dry-run';
import { MigrationHook } from '../../hooks/migration-hook';
import { acknowledgeWildcardResources, addAcknowledgedScopedStatement, addAcknowledgedStatement, defaultPolicyOf } from '../../private/acknowledgements';
import { migrationDryRunBundlePath } from '../../private/handler-asset';
import { fitName, fitText, iamDescription } from '../../private/text-limits';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import { acknowledgeArtifactAccess, acknowledgeBuildAccess } from './acknowledgements';
import { isRemoteStage, remoteActionRole, remoteScope } from './remote-stage';
import { StageUnit, hasDeploymentFiles } from './stage-naming';

/** Construct id, under the release pipeline, of the bundled dry-run program all stages run. */
const PROGRAM_ID = 'MigrationDryRunProgram';

/** Time the build keeps beyond the dry run's own timeout: to fetch the program, stop the task, keep the output. */
const BUILD_RESERVE = Duration.minutes(10);

/** The service's migration hook, when it has a dry-run command. */
export function dryRunHookOf(service: IBlueGreenService): MigrationHook | undefined {
  return service.hooks.find((hook): hook is MigrationHook => hook instanceof MigrationHook && hook.dryRunCommand !== undefined);
}

/** The dry-run action's name, `DryRun` for a stage's only service, else `DryRun-<service>`, and its variables' namespace. */
export function dryRunNames(unit: StageUnit): { actionName: string; namespace: string } {
  const actionName = fitName(unit.alone ? 'DryRun' : `DryRun-${unit.actionName.replace(/^Deploy-/, '')}`, 100);
  // A namespace takes letters, digits, '@', '-' and '_'; unique in the pipeline, so it names the stage.
  return { actionName, namespace: fitName(`DryRun_${unit.stageName}_${unit.directory}`.replace(/[^A-Za-z0-9@_-]/g, '_'), 100) };
}

/** The variable `name` the stage's dry run of `unit` exports, as a pipeline reference. */
export function dryRunVariable(unit: StageUnit, name: string): string {
  return `#{${dryRunNames(unit).namespace}.${name}}`;
}

/** What a dry-run action is built from. */
export interface DryRunActionProps {
  readonly pipeline: codepipeline.Pipeline;
  readonly unit: StageUnit;
  readonly hook: MigrationHook;
  /** The stage's deployment files (CodeDeploy engine), else any artifact: a CodeBuild action needs one. */
  readonly input: codepipeline.Artifact;
  /** The build's variable holding the service's image, by digest. */
  readonly imageUriVariable: string;
  readonly runOrder: number;
  readonly logRetention?: logs.RetentionDays;
}

/** A dry-run action, and the role that reads its input artifact (the project's). */
export interface DryRunAction {
  readonly action: codepipeline.IAction;
  readonly artifactReader: iam.IRole;
  /** Whether the project runs in the service's account or region, not the pipeline's. */
  readonly remote: boolean;
}

/**
 * The dry-run action of one service of a stage, with its CodeBuild project in `scope`, or, for a
 * service in another account or region, in the service's stack (where the task runs), started
 * by a role there that the pipeline's role alone may assume. Its role may run tasks of the
 * service's task definition family on the service's cluster, pass the task's roles to ECS, read
 * the container's log streams and keep the output under the artifact bucket's dry-run prefix (in
 * the pipeline's environment; a remote dry run's output stays in its logs), and nothing else.
 */
export function migrationDryRunAction(scope: Construct, owner: IConstruct, props: DryRunActionProps): DryRunAction {
  const { pipeline, unit, hook } = props;
  const service = unit.service;
  const remote = isRemoteStage(owner, unit);
  if (remote) {
    scope = remoteScope(service);
  }
  const stack = Stack.of(scope);
  // The program is read from the bootstrap assets of the environment the project runs in.
  const programScope = remote ? scope : owner as Construct;
  const program = (programScope.node.tryFindChild(PROGRAM_ID) as s3assets.Asset | undefined)
    ?? new s3assets.Asset(programScope, PROGRAM_ID, { path: migrationDryRunBundlePath() });
  // CodeDeploy registers the stage's taskdef.json; the Amazon ECS engine's stack update, the current task definition with the new image.
  const files = hasDeploymentFiles(unit);
  const config: MigrationDryRunConfig = {
    ...hook._dryRunConfig()!,
    ...(files ? { taskDefinitionFile: TASK_DEFINITION_FILE, imagePlaceholder: IMAGE_PLACEHOLDER } : {}),
  };
  const logGroup = new logs.LogGroup(scope, 'MigrationDryRunLogs', {
    retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // A remote project's grants are the library's alone: aws-cdk-lib grants an artifact key of another environment on every key.
  const remoteRole = remote ? new iam.Role(scope, 'MigrationDryRunRole', {
    // The artifact bucket's policy, in the pipeline's account, names it.
    roleName: PhysicalName.GENERATE_IF_NEEDED,
    assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
    description: iamDescription(`Runs the migration dry run of ${service.serviceName} before the approval of stage ${unit.stageName}`),
  }) : undefined;
  if (remoteRole) {
    logGroup.grantWrite(remoteRole);
  }
  const bucket = remote ? undefined : pipeline.artifactBucket;
  const key = bucket?.encryptionKey;
  const project = new codebuild.PipelineProject(scope, 'MigrationDryRun', {
    role: remoteRole?.withoutPolicyUpdates(),
    // The pipeline's account names it in the action.
    projectName: remote ? PhysicalName.GENERATE_IF_NEEDED : undefined,
    description: fitText(`Runs the migration dry run of ${service.serviceName} before the approval of stage ${unit.stageName} of ${owner.node.path}`, 255),
    environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
    environmentVariables: {
      [DRY_RUN_ENV.config]: { value: stack.toJsonString(config) },
      [DRY_RUN_ENV.programUrl]: { value: program.s3ObjectUrl },
      ...(bucket ? { [DRY_RUN_ENV.outputBucket]: { value: bucket.bucketName } } : {}),
      ...(key ? { [DRY_RUN_ENV.outputKey]: { value: key.keyArn } } : {}),
    },
    buildSpec: codebuild.BuildSpec.fromObject({
      version: '0.2',
      env: { 'shell': 'bash', 'exported-variables': Object.values(DRY_RUN_VARIABLES) },
      phases: { build: { commands: [renderDryRunCommand()] } },
    }),
    timeout: hook.dryRunTimeout.plus(BUILD_RESERVE),
    logging: { cloudWatch: { logGroup } },
    // CodeBuild encrypts what it writes with the key of the artifacts (none here) or its own account's default.
    encryptionKey: key,
  });
  const role = remoteRole ?? project.role!;
  grantDryRun(role, service, hook, config, program);
  if (bucket) {
    // The dry run's outputs only; the action grants the rest of the bucket for its input artifact.
    const outputs = bucket.arnForObjects(`${DRY_RUN_OUTPUT_PREFIX}/*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [outputs] }));
    acknowledgeWildcardResources(defaultPolicyOf(role), [outputs],
      'The dry runs\' outputs under their own prefix of the artifact bucket, one object per pipeline execution, named by its id.');
    key?.grantEncrypt(role);
    acknowledgeBuildAccess(project);
    acknowledgeArtifactAccess(pipeline, [role]);
  } else {
    Validations.of(project.node.defaultChild ?? project).acknowledge({
      id: 'AwsSolutions-CB4',
      reason: 'The project writes no artifacts: it reads its one input with the key of the pipeline\'s artifacts and logs to its own log group.',
    });
  }
  const actionRole = remote ? remoteActionRole(scope, 'MigrationDryRunActionRole', pipeline,
    `Starts the migration dry run of ${service.serviceName} in stage ${unit.stageName} of ${owner.node.path}`) : undefined;
  actionRole?.addToPolicy(new iam.PolicyStatement({
    actions: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'],
    resources: [project.projectArn],
  }));
  const names = dryRunNames(unit);
  const action = new actions.CodeBuildAction({
    actionName: names.actionName,
    runOrder: props.runOrder,
    project,
    input: props.input,
    role: actionRole?.withoutPolicyUpdates(),
    variablesNamespace: names.namespace,
    environmentVariables: {
      [DRY_RUN_ENV.image]: { value: `#{Build.${props.imageUriVariable}}` },
      ...(bucket ? { [DRY_RUN_ENV.outputObject]: { value: `${DRY_RUN_OUTPUT_PREFIX}/#{codepipeline.PipelineExecutionId}/${unit.directory}.log` } } : {}),
    },
  });
  return { action, artifactReader: role, remote };
}

/** What the dry run does in ECS and CloudWatch Logs, on the service's own resources. */
function grantDryRun(role: iam.IRole, service: IBlueGreenService, hook: MigrationHook, config: MigrationDryRunConfig, program: s3assets.Asset): void {
  const stack = Stack.of(service);
  const clusterName = service.cluster.clusterName;
  const onThisCluster = { ArnEquals: { 'ecs:cluster': service.cluster.clusterArn } };
  // The program only: Asset.grantRead would open the whole bootstrap assets bucket.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject'],
    resources: [Stack.of(program).formatArn({ service: 's3', region: '', account: '', resource: program.s3BucketName, resourceName: program.s3ObjectKey })],
  }));
  const family = stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${service.taskDefinition.family}:*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  const familyReason = 'Every revision of the service\'s own task definition family: the dry run registers the release\'s revision and runs it, '
    + 'on the service\'s cluster only.';
  addAcknowledgedScopedStatement(role, new iam.PolicyStatement({ actions: ['ecs:RegisterTaskDefinition'], resources: [family] }), familyReason);
  // taskdef.json carries the task definition's tags.
  addAcknowledgedScopedStatement(role, new iam.PolicyStatement({
    actions: ['ecs:TagResource'], resources: [family], conditions: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
  }), familyReason);
  addAcknowledgedScopedStatement(role, new iam.PolicyStatement({ actions: ['ecs:RunTask'], resources: [family], conditions: onThisCluster }), familyReason);
  addAcknowledgedStatement(role, new iam.PolicyStatement({ actions: ['ecs:DescribeTaskDefinition', 'ecs:DeregisterTaskDefinition'], resources: ['*'] }),
    'ecs:DescribeTaskDefinition and ecs:DeregisterTaskDefinition take no resource-level permissions (AWS requires *): the dry run reads '
    + 'the service\'s current revision and removes the one it registered.');
  if (!config.taskDefinitionFile) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:DescribeServices'], resources: [service.service.serviceArn] }));
  }
  addAcknowledgedScopedStatement(role, new iam.PolicyStatement({
    actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
    resources: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
    conditions: onThisCluster,
  }), 'Tasks of the service\'s own cluster: the dry-run task\'s id is known only once it runs.');
  const passRoles = [service.taskDefinition.taskRole, service.taskDefinition.executionRole]
    .filter((r): r is iam.IRole => r !== undefined)
    .map((r) => r.roleArn);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['iam:PassRole'],
    resources: passRoles,
    conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
  }));
  if (config.logGroupName && config.logStreamPrefix) {
    addAcknowledgedScopedStatement(role, new iam.PolicyStatement({
      actions: ['logs:GetLogEvents'],
      resources: [stack.formatArn({
        service: 'logs', resource: 'log-group', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        resourceName: `${config.logGroupName}:log-stream:${config.logStreamPrefix}/${config.containerName}/*`,
      })],
    }), `The application container's log streams of ${hook.node.path}'s service: one per task, named by the task's id.`);
  }
}

/**
 * The build's one command: fetch the program, run the dry run, keep its output under the artifact
 * bucket (encrypted with its key), load the variables it wrote, and end with its exit code.
 */
export function renderDryRunCommand(): string {
  const e = DRY_RUN_ENV;
  return [
    'set -u',
    'work="$(mktemp -d)"',
    `aws s3 cp "$${e.programUrl}" "$work/migration-dry-run.js" --only-show-errors`,
    'status=0',
    'node "$work/migration-dry-run.js" --output "$work/output.log" --variables "$work/variables.sh" || status=$?',
    'if [ -s "$work/output.log" ]; then',
    `  if aws s3 cp "$work/output.log" "s3://$${e.outputBucket}/$${e.outputObject}" --only-show-errors \${${e.outputKey}:+--sse aws:kms --sse-kms-key-id "$${e.outputKey}"}; then`,
    `    echo "Kept the output in s3://$${e.outputBucket}/$${e.outputObject}"`,
    '  else',
    '    echo "Could not keep the output in the artifact bucket; the build log above holds it" >&2',
    '  fi',
    'fi',
    'if [ -f "$work/variables.sh" ]; then . "$work/variables.sh"; fi',
    'if [ "$status" -ne 0 ]; then',
    '  echo "The migration dry run failed: the release stops before its approval" >&2',
    '  exit "$status"',
    'fi',
    // The shell goes on after this command: CodeBuild reads the exported variables from it.
    'set +u',
  ].join('\n');
}
