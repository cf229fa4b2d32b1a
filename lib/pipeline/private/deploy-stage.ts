import { Lazy, Names, Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { APPSPEC_FILE, IMAGE_PLACEHOLDER_NAME, TASK_DEFINITION_FILE } from '../../../contract/artifacts';
import { DRY_RUN_SUMMARY_MAX_LENGTH, DRY_RUN_VARIABLES } from '../../../contract/migration-dry-run';
import { MigrationHook } from '../../hooks/migration-hook';
import { fitName, fitText } from '../../private/text-limits';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import type { ReleaseStageOptions } from '../release-pipeline-props';
import type { ReleaseSource } from '../release-source';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import { ECR_PULL_ACTIONS, grantEcrLogin } from './acknowledgements';
import { EXPORTED_VARIABLES } from './buildspec';
import { deployRole } from './deploy-role';
import { freezeRule } from './freeze-condition';
import type { NotifiedServices } from './ecs-notifications';
import type { ReleaseImages } from './release-images';
import { ReleaseNotifications } from './release-notifications';
import { watchRollbackAlarms } from './alarm-notifications';
import { grantRemoteArtifactRead, isRemoteStage } from './remote-stage';
import { dryRunHookOf, dryRunVariable, migrationDryRunAction } from './migration-dry-run';
import { stackUpdateAction } from './stack-update-release';
import { StageUnit, servicesOf, unitsOf } from './stage-naming';

/** What a deploy stage of the release pipeline is built from. */
export interface DeployStageProps {
  /** The pipeline the stage is added to. */
  readonly pipeline: codepipeline.Pipeline;
  /** Where releases start; names the revision in the approval request. */
  readonly source: ReleaseSource;
  /** The topic the approval request goes to. */
  readonly notificationTopic: sns.ITopic;
  /** The release notifications, told of the stage's CodeDeploy deployments. */
  readonly notifications: ReleaseNotifications;
  /** The notifications of Amazon ECS deployments, told of the stage's when Amazon ECS deploys it. */
  readonly ecsNotifications: NotifiedServices;
  /** Which image each service runs, from which repository. */
  readonly images: ReleaseImages;
  /** Any artifact of the pipeline, the input of a stage that updates a stack (which reads none). */
  readonly sourceOutput: codepipeline.Artifact;
  /** The environment variable of the application container that holds the release version. */
  readonly releaseVersionVariable: string;
  /** How long the logs of a stage that updates a stack are kept. */
  readonly logRetention?: logs.RetentionDays;
  /** The deployment recorder, a target of the stage's rollback alarms' rule. */
  readonly recorder?: { target(): events.IRuleTarget };
  /** The stage to build. */
  readonly stage: ReleaseStageOptions;
  /** The stage before it, if any: what the approver compares with. */
  readonly previous: ReleaseStageOptions | undefined;
  /**
   * The deployment files of each of the stage's services that CodeDeploy deploys, written by the
   * build, by service; none on the Amazon ECS engine, which releases by a stack update.
   */
  readonly files: ReadonlyMap<IBlueGreenService, codepipeline.Artifact>;
}

/**
 * Adds a deploy stage to the release pipeline `owner`'s pipeline: a manual approval when the
 * stage requires one, then the blue/green deployment of each of its services in turn: through
 * CodeDeploy, or (on the Amazon ECS engine) by updating the service's stack with the release. Its
 * constructs go in `scope`, those of each service of a stage of several in a scope of its own.
 */
export function addDeployStage(scope: Construct, owner: IConstruct, props: DeployStageProps): void {
  const { pipeline, stage, previous } = props;
  const units = unitsOf(stage);
  const unitScopes = units.map((unit) => (unit.alone ? scope : new Construct(scope, unitScopeId(scope, unit))));
  const stageActions: codepipeline.IAction[] = [];
  // The dry runs go first: the approval request shows what they found, and a failed one stops the release before it.
  const dryRuns = dryRunUnits(stage);
  const dryRunActions = dryRuns.map((unit) => ({ unit, ...migrationDryRunAction(unitScopes[unit.index], owner, {
    pipeline, unit, hook: dryRunHookOf(unit.service)!, runOrder: 1, logRetention: props.logRetention,
    input: props.files.get(unit.service) ?? props.sourceOutput, imageUriVariable: props.images.imageOf(unit.service).uriVariable,
  }) }));
  stageActions.push(...dryRunActions.map((d) => d.action));
  refuseLateDryRuns(owner, stage, dryRuns);
  const approvalRunOrder = dryRuns.length > 0 ? 2 : 1;
  if (stage.requireApproval) {
    const shown = unitsOf(previous!).slice(-1)[0];
    const linked = !isRemoteStage(owner, shown);
    stageActions.push(new actions.ManualApprovalAction({
      actionName: 'Approve',
      runOrder: approvalRunOrder,
      notificationTopic: props.notificationTopic,
      // Read at synthesis: the service's hooks may be added after the stage.
      additionalInformation: Lazy.string({ produce: () => approvalMessage(props.source, stage, previous!, linked, dryRuns) }),
      // The dry run's output is what the approver is asked to read; else the previous stage's deployments.
      // The console of another account or region names what only that environment knows.
      externalEntityLink: dryRuns.length > 0 ? dryRunVariable(dryRuns[0], DRY_RUN_VARIABLES.logUrl)
        : linked ? shown.service.deploymentsConsoleUrl : undefined,
    }));
  }
  const firstRunOrder = stage.requireApproval ? approvalRunOrder + 1 : 1;
  const built = units.map((unit) => ({ unit, ...deployAction(unitScopes[unit.index], owner, props, unit, firstRunOrder + unit.index) }));
  stageActions.push(...built.map((b) => b.action));
  pipeline.addStage({ stageName: stage.stageName, actions: stageActions, beforeEntry: entryCondition(pipeline, stage) });
  for (const { unit, artifactReader, remote } of dryRunActions) {
    if (remote) {
      grantRemoteArtifactRead(pipeline, artifactReader, Stack.of(unit.service).region);
    }
  }
  for (const { unit, artifactReader, remote, scope: unitScope } of built) {
    if (remote) {
      // The artifact store of the service's region exists once the action is added.
      grantRemoteArtifactRead(pipeline, artifactReader, Stack.of(unit.service).region);
    }
    if (unit.service.engine.kind === DeploymentEngineKind.ECS) {
      props.ecsNotifications.notifyEcsStage(unitScope, owner, unit);
    } else {
      props.notifications.notifyDeployments(unitScope, unit);
    }
    if (!remote) {
      // EventBridge sees the alarms of its own account and region only.
      watchRollbackAlarms(unitScope, unit, props.notifications.localNotifier, stage.requireApproval ?? false, props.recorder);
    }
  }
}

/**
 * The services of the stage whose migration dry run it runs before its approval: with
 * `requireApproval` and `migrationDryRun` not false, those whose migration hook has a dry-run
 * command.
 */
function dryRunUnits(stage: ReleaseStageOptions): StageUnit[] {
  if (!stage.requireApproval || stage.migrationDryRun === false) {
    return [];
  }
  return unitsOf(stage).filter((unit) => dryRunHookOf(unit.service) !== undefined);
}

/** A dry-run command given to a hook made after the stage would silently not run: refused at synthesis. */
function refuseLateDryRuns(owner: IConstruct, stage: ReleaseStageOptions, dryRuns: StageUnit[]): void {
  if (!stage.requireApproval || stage.migrationDryRun === false) {
    return;
  }
  owner.node.addValidation({
    validate: () => dryRunUnits(stage).filter((unit) => !dryRuns.some((d) => d.service === unit.service)).map((unit) =>
      `${dryRunHookOf(unit.service)!.node.path}: invalid dryRunCommand: the hook was made after stage '${stage.stageName}' of ${owner.node.path}, `
      + 'which runs the dry runs of the hooks its services have when it is added; make the MigrationHook before the ReleasePipeline (or before addStage())'),
  });
}

/**
 * The stage's entry condition: its deployment window and its change freeze. CodePipeline holds a
 * release at the entry until the window's rule passes, and fails it there while the freeze's does
 * not; both rules in one condition, all of whose rules must pass. Rule names are unique in the
 * pipeline, as CodePipeline requires.
 */
function entryCondition(pipeline: codepipeline.Pipeline, stage: ReleaseStageOptions): codepipeline.Conditions | undefined {
  const rules = [windowRule(stage), freezeRule(pipeline, stage)].filter((rule): rule is codepipeline.Rule => rule !== undefined);
  return rules.length === 0 ? undefined : { conditions: [{ rules, result: codepipeline.Result.FAIL }] };
}

function windowRule(stage: ReleaseStageOptions): codepipeline.Rule | undefined {
  const window = stage.deploymentWindow;
  if (window === undefined) {
    return undefined;
  }
  return new codepipeline.Rule({
    name: fitName(`DeploymentWindow-${stage.stageName}`, 100),
    provider: 'DeploymentWindow',
    version: '1',
    configuration: { Cron: window.cronExpression, ...(window.timeZone === undefined ? {} : { TimeZone: window.timeZone }) },
  });
}

/** The id of the scope of one service of a stage of several: the service's id, unless another service took it. */
function unitScopeId(scope: Construct, unit: StageUnit): string {
  const id = unit.service.node.id;
  return scope.node.tryFindChild(id) ? Names.uniqueId(unit.service) : id;
}

/** The deploy action of one service of a stage, with the role that reads its artifacts, and whether the service is in another environment. */
function deployAction(scope: Construct, owner: IConstruct, props: DeployStageProps, unit: StageUnit, runOrder: number) {
  const { pipeline } = props;
  const image = props.images.imageOf(unit.service);
  const remote = isRemoteStage(owner, unit);
  grantReleasedImagePull(image.repository, unit.service, remote);
  if (remote) {
    // CodePipeline checks, when it creates the pipeline, that it may assume the stage's role there.
    Stack.of(pipeline).addStackDependency(Stack.of(unit.service), `stage ${unit.stageName} runs by a role of this stack`);
  }
  if (unit.service.engine.kind === DeploymentEngineKind.ECS) {
    const update = stackUpdateAction(scope, owner, {
      pipeline, stage: unit, runOrder, actionName: unit.actionName, input: props.sourceOutput, imageUriVariable: image.uriVariable,
      releaseVersionVariable: props.releaseVersionVariable, logRetention: props.logRetention,
    });
    return { scope, remote, action: update.action, artifactReader: update.artifactReader };
  }
  const files = props.files.get(unit.service)!;
  const role = deployRole(scope, owner, pipeline, unit);
  const action = new actions.CodeDeployEcsDeployAction({
    actionName: unit.actionName,
    runOrder,
    deploymentGroup: unit.service.deploymentGroup!,
    taskDefinitionTemplateFile: files.atPath(TASK_DEFINITION_FILE),
    appSpecTemplateFile: files.atPath(APPSPEC_FILE),
    containerImageInputs: [{ input: files, taskDefinitionPlaceholder: IMAGE_PLACEHOLDER_NAME }],
    // The action adds its broad statements to the role it is given; this view drops them.
    role: role.withoutPolicyUpdates(),
  });
  return { scope, remote, action, artifactReader: role as iam.IRole };
}

/**
 * Lets the service's tasks pull the released images: its task execution role may pull from the
 * repository. Through the repository's policy when the pipeline owns it, which then names the
 * role (the pipeline already refers to the service, never the reverse, so a service in another
 * stack makes no cycle), and on the role too for a service in another environment; else on the
 * role alone, naming the imported repository.
 */
function grantReleasedImagePull(repository: ecr.IRepository, service: IBlueGreenService, remote: boolean): void {
  const executionRole = service.taskDefinition.obtainExecutionRole();
  const { statementAdded } = repository.addToResourcePolicy(new iam.PolicyStatement({
    sid: `ReleasePull${Names.uniqueId(service).slice(-50)}`,
    principals: [new iam.ArnPrincipal(executionRole.roleArn)],
    actions: ECR_PULL_ACTIONS,
  }));
  // From another account, the role's own policy must allow the pull too.
  if (!statementAdded || remote) {
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ECR_PULL_ACTIONS, resources: [repository.repositoryArn] }));
  }
  grantEcrLogin(executionRole, 'pulls are scoped to the release repository');
}

/** CodePipeline's limit for a manual approval's information (`CustomData`). */
const MAX_INFORMATION = 500;

/** The shortest start of a migration command worth showing; shorter, the approver reads that one runs. */
const MIN_MIGRATION_SHOWN = 20;

/**
 * What the approver reads: what ships, from where, and what ran before. Within CodePipeline's 500
 * characters by construction: the approval comment is kept whole (it has at most 200), and a long
 * migration command, then the sentence on the previous stage, are shortened first.
 */
function approvalMessage(source: ReleaseSource, stage: ReleaseStageOptions, previous: ReleaseStageOptions, linked: boolean,
  dryRuns: readonly StageUnit[]): string {
  const services = servicesOf(stage);
  const migration = services.map(migrationCommand).find((command) => command !== undefined);
  // Each summary is a variable CodePipeline fills in: counted at its longest.
  const summaries = dryRuns.map((unit) => dryRunVariable(unit, DRY_RUN_VARIABLES.summary));
  const limit = MAX_INFORMATION - summaries.reduce((sum, ref) => sum + DRY_RUN_SUMMARY_MAX_LENGTH - ref.length, 0);
  const head = [
    `Ship ${services.map((service) => service.serviceName).join(', ')} to ${stage.stageName}:`,
    `${source._revisionNoun} #{Build.${EXPORTED_VARIABLES.sourceRevision}},`,
    `image #{Build.${EXPORTED_VARIABLES.imageUri}}.`,
    ...dryRuns.map((unit, index) => `Dry run${dryRuns.length > 1 ? ` of ${unit.service.serviceName}` : ''}`
      + `${index === 0 ? ' (the link opens its output)' : ''}: ${summaries[index]}`),
  ];
  // The link is the dry run's when there is one.
  linked = linked && dryRuns.length === 0;
  const join = (parts: Array<string | undefined>) => parts.filter((p) => p !== undefined && p !== '').join(' ');
  const previousSentences = [`${previous.stageName} deployed it first${linked ? '; the link opens its deployments' : ''}.`, `${previous.stageName} deployed it first.`, undefined];
  for (const previousSentence of previousSentences) {
    const without = join([...head, previousSentence, stage.approvalComment]);
    if (migration === undefined) {
      if (without.length <= limit) {
        return without;
      }
      continue;
    }
    const full = join([...head, `Runs migration: ${migration}.`, previousSentence, stage.approvalComment]);
    if (full.length <= limit) {
      return full;
    }
    // The space before it, 'Runs migration: ' and '...' around what is shown of the command.
    const room = limit - without.length - ' Runs migration: ...'.length;
    if (room >= MIN_MIGRATION_SHOWN) {
      return join([...head, `Runs migration: ${fitText(migration, room)}...`, previousSentence, stage.approvalComment]);
    }
  }
  return fitText(join([...head, migration === undefined ? undefined : 'Runs a migration.', stage.approvalComment]), limit);
}

/** The command of the service's migration hook, if it has one. */
function migrationCommand(service: IBlueGreenService): string | undefined {
  const migration = service.hooks.find((hook): hook is MigrationHook => hook instanceof MigrationHook);
  return migration?.command.join(' ');
}
