import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { DEFAULT_RELEASE_VERSION_VARIABLE, ENVIRONMENT_VARIABLE_NAME } from '../../../contract/artifacts';
import { freezeOverrideParameterName } from '../../../contract/freeze-override';
import { SmokeTestHook } from '../../hooks/smoke-test-hook';
import { calendarProblems } from '../../private/calendar-names';
import { describeDuration, durationProblem, propError, recordPropProblem } from '../../private/validation';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import type { ReleasePipelineProps, ReleaseStageOptions } from '../release-pipeline-props';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import { isRemoteStage, remoteStageProblem, remoteTaskDefinitionProblem } from './remote-stage';
import { givenReplicationBucketProblem } from './replication-buckets';
import { stackUpdateProblem } from './stack-update-release';
import { renderTaskDefinitionRequest } from './taskdef';
import { MAX_OVERRIDDEN_SERVICES, MAX_RULE_COMMAND_LENGTH, commandLength, stageOverridable } from './freeze-condition';
import { hasDeploymentFiles, servicesOf, stageDirectory, unitsOf } from './stage-naming';

/** Stage names the pipeline uses itself. */
const RESERVED_STAGE_NAMES = ['Source', 'Build'];

/**
 * The build action writes the deployment files of each stage CodeDeploy deploys as one output
 * artifact; CodeBuild actions have at most 5. A stack-update stage needs none.
 */
const MAX_STAGES = 5;

/** CodePipeline accepts at most 500 characters of approval information. */
const MAX_APPROVAL_COMMENT = 200;

/** Records, on the release pipeline `owner`, what is wrong with its props. */
export function validateReleasePipelineProps(owner: IConstruct, props: ReleasePipelineProps): void {
  const sourceProblems = props.source._problems();
  if (sourceProblems.length > 0) {
    recordPropProblem(owner, 'source', sourceProblems.join('; '));
  }
  (props.preCheckCommands ?? []).forEach((command, index) => {
    if (!Token.isUnresolved(command) && command.trim().length === 0) {
      recordPropProblem(owner, 'preCheckCommands', `entry ${index} is empty; remove it or give the command, e.g. 'npm test'`);
    }
  });
  if (!props.source.buildsImage) {
    for (const prop of ['dockerfile', 'dockerBuildContext'] as const) {
      if (props[prop] !== undefined) {
        recordPropProblem(owner, prop, 'only applies when the pipeline builds the image; an ECR source is already an image, remove it');
      }
    }
  }
  const emails = new Map<string, string>();
  for (const email of props.notificationEmails ?? []) {
    if (!Token.isUnresolved(email) && !isEmailAddress(email)) {
      recordPropProblem(owner, 'notificationEmails', `'${email}' is not an e-mail address; pass addresses like 'team@example.com'`);
    }
    // Compared without case, as mail systems treat addresses; each address is subscribed once.
    const first = emails.get(email.toLowerCase());
    if (first !== undefined) {
      recordPropProblem(owner, 'notificationEmails', `${first === email ? `lists '${email}' twice` : `lists '${first}' and '${email}', one address `
        + 'in two spellings'}; each address gets every notification once, remove the duplicate`);
    } else {
      emails.set(email.toLowerCase(), email);
    }
  }
  if (props.slackChannel && (props.slackWorkspaceId || props.slackChannelId)) {
    recordPropProblem(owner, 'slackChannel', 'is given together with slackWorkspaceId/slackChannelId; pass either an existing channel configuration or the two ids');
  }
  if (Boolean(props.slackWorkspaceId) !== Boolean(props.slackChannelId)) {
    const missing = props.slackWorkspaceId ? 'slackChannelId' : 'slackWorkspaceId';
    recordPropProblem(owner, missing, `is required with ${missing === 'slackChannelId' ? 'slackWorkspaceId' : 'slackChannelId'}; `
      + 'pass both ids (AWS Chatbot console: the workspace id, and the channel id from the channel details in Slack)');
  }
  const variable = props.releaseVersionVariable;
  if (variable !== undefined && !Token.isUnresolved(variable) && !ENVIRONMENT_VARIABLE_NAME.test(variable)) {
    recordPropProblem(owner, 'releaseVersionVariable', `'${variable}' is not an environment variable name; `
      + `use letters, digits and '_', not starting with a digit, e.g. '${DEFAULT_RELEASE_VERSION_VARIABLE}'`);
  }
  checkBuildTimeout(owner, props);
  const given = Object.entries(props.crossRegionReplicationBuckets ?? {});
  if (given.length > 0 && (Token.isUnresolved(Stack.of(owner).region) || given.some(([region]) => Token.isUnresolved(region)))) {
    recordPropProblem(owner, 'crossRegionReplicationBuckets', `is given, but ${Token.isUnresolved(Stack.of(owner).region)
      ? `the pipeline's stack ${Stack.of(owner).node.path} has no explicit region` : 'a region it is keyed by is a deploy-time value'}; `
      + 'CodePipeline keeps one artifact bucket per region, by its name: give the pipeline\'s stack env: { account, region }, and key each bucket by '
      + 'its region, e.g. { \'us-east-1\': bucket }');
    return;
  }
  for (const [region, bucket] of given) {
    const problem = givenReplicationBucketProblem(owner, region, bucket);
    if (problem !== undefined) {
      recordPropProblem(owner, 'crossRegionReplicationBuckets', problem);
    }
  }
}

/** Whether `email` is an e-mail address (for a literal string; no whitespace, one '@', a dot in the domain). */
export function isEmailAddress(email: string): boolean {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email);
}

/** CodePipeline's rule for a pipeline name. */
const PIPELINE_NAME = /^[A-Za-z0-9.@_-]{1,100}$/;

/**
 * The pipeline name to build with: `pipelineName` when CodePipeline accepts it (a token is
 * passed on, CodePipeline checks it at deployment), else undefined (a generated name), with
 * the problem recorded on `owner`.
 */
export function checkedPipelineName(owner: IConstruct, pipelineName: string | undefined): string | undefined {
  if (pipelineName === undefined || Token.isUnresolved(pipelineName) || PIPELINE_NAME.test(pipelineName)) {
    return pipelineName;
  }
  const got = `'${pipelineName}'${pipelineName.length > 100 ? ` (${pipelineName.length} characters)` : ''}`;
  recordPropProblem(owner, 'pipelineName', `must be 1-100 letters, digits, '.', '@', '_' or '-', got ${got}; `
    + 'CodePipeline refuses other names, e.g. use \'orders-api-release\', or leave it unset for a generated name');
  return undefined;
}

/** CodeBuild's limits for a build's timeout, in minutes: 5 minutes to 36 hours. */
const MIN_BUILD_TIMEOUT_MINUTES = 5;
const MAX_BUILD_TIMEOUT_MINUTES = 36 * 60;

/**
 * Records a build timeout CodeBuild would refuse. One that cannot be counted in whole minutes
 * (a fraction, NaN, a token in another unit) is thrown instead: the build project is built with
 * it, and aws-cdk-lib would fail on it without naming the prop. A token in minutes goes to
 * CodeBuild unchanged.
 */
function checkBuildTimeout(owner: IConstruct, props: ReleasePipelineProps): void {
  const timeout = props.buildTimeout;
  const problem = durationProblem(timeout, { unit: 'minutes', min: MIN_BUILD_TIMEOUT_MINUTES, max: MAX_BUILD_TIMEOUT_MINUTES,
    fix: 'CodeBuild takes whole minutes from 5 minutes to 36 hours, e.g. Duration.minutes(30)' });
  if (timeout === undefined) {
    return;
  }
  // Exactly whole, as aws-cdk-lib converts it: Duration.hours(0.1) may be 6.000000000000001 minutes.
  const convertible = timeout.isUnresolved() ? problem === undefined : Number.isInteger(timeout.toMinutes({ integral: false }));
  if (!convertible) {
    throw propError(owner, 'buildTimeout', problem
      ?? `must be a whole number of minutes, got ${describeDuration(timeout)}; give it in minutes, e.g. Duration.minutes(30)`);
  }
  if (problem !== undefined) {
    recordPropProblem(owner, 'buildTimeout', problem);
  }
}

/** What the stages of the release pipeline `owner` need to be built. */
export interface StageValidationContext {
  /** The stages, in release order. */
  readonly stages: readonly ReleaseStageOptions[];
  /** The environment variable the pipeline writes the release version to. */
  readonly releaseVersionVariable: string;
  /** The regions, besides its own, that the pipeline has an artifact bucket in. */
  readonly replicationRegions: readonly string[];
}

/** What is wrong with the stages of the release pipeline `owner`; empty when they can be built. */
export function stageProblems(owner: IConstruct, context: StageValidationContext): string[] {
  const problems: string[] = [];
  const where = `${owner.node.path}: invalid stages:`;
  if (context.stages.length === 0) {
    return [`${where} the pipeline has no stages, so a release would deploy nowhere; pass stages: [{ stageName: 'Staging', service }] or call addStage()`];
  }
  const names = new Set<string>();
  const directories = new Map<string, string>();
  const deployedBy = new Map<IBlueGreenService, string>();
  const withFiles = context.stages.flatMap(unitsOf).filter(hasDeploymentFiles);
  context.stages.forEach((stage, index) => {
    const name = stage.stageName;
    const units = unitsOf(stage);
    const overflow = units.find((unit) => withFiles.findIndex((f) => f.stageName === name && f.service === unit.service) === MAX_STAGES);
    if (overflow) {
      problems.push(`${where} the pipeline deploys ${withFiles.length} services on the CodeDeploy engine, at most ${MAX_STAGES} fit: its build writes `
        + `the deployment files of each as an output artifact, and a CodeBuild action has at most ${MAX_STAGES}; deploy the other environments `
        + `(from '${name}' on) from a second ReleasePipeline, or put some on the Amazon ECS engine, whose stages need no files`);
    }
    if ((stage.service === undefined) === (stage.services === undefined)) {
      problems.push(`${where} stage '${name}' ${stage.service ? 'gives both service and services' : 'gives no service'}; `
        + 'pass the one service it deploys as service, or several, deployed in that order, as services');
    } else if (stage.services?.length === 0) {
      problems.push(`${where} stage '${name}' has an empty services list; pass the services it deploys, in order, or remove the stage`);
    }
    if (!/^[A-Za-z0-9.@_-]{1,100}$/.test(name)) {
      problems.push(`${where} stage ${index} has the name '${name}'; use 1-100 letters, digits, '.', '@', '-' or '_', e.g. 'Production'`);
    } else if (RESERVED_STAGE_NAMES.includes(name)) {
      problems.push(`${where} stage ${index} is named '${name}', which the pipeline uses for its own stage; pick another name, e.g. 'Staging'`);
    }
    if (names.has(name)) {
      problems.push(`${where} two stages are named '${name}'; stage names must be unique, rename one (e.g. '${name}2')`);
    } else {
      const directory = stageDirectory(name);
      const clash = directories.get(directory);
      if (clash !== undefined) {
        problems.push(`${where} stages '${clash}' and '${name}' differ only in punctuation, and their deployment files would share a folder; rename one`);
      }
      directories.set(directory, name);
    }
    names.add(name);
    if (stage.requireApproval && index === 0) {
      problems.push(`${where} the first stage '${name}' has requireApproval, but nothing has shipped before it for an approver to review; `
        + 'remove requireApproval, or add a stage (e.g. Staging) before it');
    }
    if (stage.approvalComment !== undefined && !Token.isUnresolved(stage.approvalComment) && stage.approvalComment.length > MAX_APPROVAL_COMMENT) {
      problems.push(`${where} the approvalComment of '${name}' has ${stage.approvalComment.length} characters, at most ${MAX_APPROVAL_COMMENT} fit in the approval request; shorten it`);
    }
    if (stage.migrationDryRun === true && !stage.requireApproval) {
      problems.push(`${where} stage '${name}' has migrationDryRun but no requireApproval: a dry run shows its plan to an approver, `
        + 'and a stage without approval has none; set requireApproval: true or remove migrationDryRun');
    }
    if (stage.approvalComment !== undefined && !stage.requireApproval) {
      problems.push(`${where} stage '${name}' has an approvalComment but no requireApproval; set requireApproval: true or remove the comment`);
    }
    problems.push(...freezeProblems(owner, stage).map((problem) => `${where} the changeCalendars of stage '${name}': ${problem}`));
    for (const problem of stage.deploymentWindow?._problems ?? []) {
      problems.push(`${where} the deploymentWindow of stage '${name}' (${stage.deploymentWindow!.description}): ${problem}`);
    }
    for (const unit of units) {
      if (secretNames(unit.service).includes(context.releaseVersionVariable)) {
        problems.push(`${where} the container '${unit.service.containerName}' of stage '${name}' takes ${context.releaseVersionVariable} from a secret, `
          + 'where the pipeline puts the release version; rename the secret, or set releaseVersionVariable to another name');
      }
      if (stage.lastReleaseWins && (unit.service.engine.kind === DeploymentEngineKind.ECS || !unit.service.releasesOnStackUpdate)) {
        problems.push(`${where} stage '${name}' has lastReleaseWins, but ${unit.service.node.path} ${unit.service.engine.kind === DeploymentEngineKind.ECS
          ? 'is on the Amazon ECS engine, where the pipeline releases through the stack and cdk deploy keeps the released image'
          : 'has no deployOnStackUpdate, so only the pipeline releases it'}; remove lastReleaseWins`);
      }
      if (unit.service.engine.kind === DeploymentEngineKind.ECS) {
        const problem = stackUpdateProblem(unit.service);
        if (problem !== undefined) {
          problems.push(`${where} stage '${name}' releases ${unit.service.node.path} by updating its stack, but the service ${problem}`);
        }
      } else if (unit.service.releasesOnStackUpdate && !stage.lastReleaseWins) {
        problems.push(`${where} stage '${name}' deploys ${unit.service.node.path}, which deployOnStackUpdate also releases on every cdk deploy `
          + 'that changes it: each would replace the other\'s release (a cdk deploy the image defined in CDK). Say which wins: remove '
          + 'deployOnStackUpdate (the pipeline releases), remove the stage (cdk deploy releases), or set lastReleaseWins: true on the stage '
          + '(both release, the later one runs)');
      }
      const previous = deployedBy.get(unit.service);
      if (previous === name) {
        problems.push(`${where} stage '${name}' lists ${unit.service.node.path} twice in services; a service is deployed once per stage, remove the duplicate`);
      } else if (previous !== undefined) {
        problems.push(`${where} stages '${previous}' and '${name}' both deploy ${unit.service.node.path}; a stage after the first would `
          + 'deploy the release the service already runs, and a deployment group takes one deployment at a time. Give each stage its own '
          + 'BlueGreenService (e.g. one per environment), or remove one of the stages');
      } else {
        deployedBy.set(unit.service, name);
      }
      if (!unit.alone && units.slice(0, unit.index).some((other) => other.service !== unit.service && other.actionName === unit.actionName)) {
        problems.push(`${where} stage '${name}' deploys two services named '${unit.service.serviceName}', whose deploy actions would both be `
          + `'${unit.actionName}' and CodePipeline refuses two actions of one name in a stage; give one another serviceName, or put them in stages of their own`);
      }
      const sharing = directories.get(unit.directory);
      if (!unit.alone && sharing !== undefined && sharing !== name) {
        problems.push(`${where} the deployment files of ${unit.service.node.path} in stage '${name}' would share the folder of stage '${sharing}'; rename the stage`);
      } else if (!unit.alone && units.slice(0, unit.index).some((other) => other.service !== unit.service && other.directory === unit.directory)) {
        problems.push(`${where} stage '${name}' deploys two services with the id '${unit.service.node.id}', whose deployment files would share a folder; `
          + 'give one another construct id');
      }
      const remote = remoteStageProblem(owner, unit, context.replicationRegions)
        ?? (isRemoteStage(owner, unit) && hasDeploymentFiles(unit) ? remoteTaskDefinitionProblem(owner, unit, {
          taskDefinition: renderTaskDefinitionRequest(unit.service.taskDefinition, { containerName: unit.service.containerName }),
          appSpec: unit.service._renderAppSpec(),
        }) : undefined);
      if (remote !== undefined) {
        problems.push(`${where} stage '${name}' ${remote}`);
      }
    }
  });
  return problems;
}

/**
 * A smoke test that expects the release version in another variable than the one the release
 * pipeline `owner` writes fails every release, unless the container sets that variable itself.
 */
export function warnOfOtherVersionVariables(owner: IConstruct, stages: readonly ReleaseStageOptions[], releaseVersionVariable: string): void {
  for (const stage of stages.flatMap(unitsOf)) {
    for (const hook of stage.service.hooks) {
      if (!(hook instanceof SmokeTestHook)) {
        continue;
      }
      for (const variable of hook._deployedVersionVariables.filter((v) => v !== releaseVersionVariable)) {
        Annotations.of(owner).addWarningV2('cdk-ecs-release:releaseVersionVariable',
          `stage '${stage.stageName}': ${hook.node.path} expects the deployed version in ${variable}, but this pipeline writes the release version `
          + `to ${releaseVersionVariable}; use ExpectedVersion.fromDeployedEnvironment('${releaseVersionVariable}') `
          + `or set releaseVersionVariable: '${variable}'`);
      }
    }
  }
}

/** The names of the application container's secrets. */
function secretNames(service: IBlueGreenService): string[] {
  const secrets = service.container.renderContainerDefinition().secrets;
  return (Array.isArray(secrets) ? secrets : [])
    .map((secret) => (secret as { name?: unknown }).name)
    .filter((name): name is string => typeof name === 'string' && !Token.isUnresolved(name));
}

/** What is wrong with a stage's change freeze: bad calendar names, a check too long for CodePipeline, a service elsewhere. */
function freezeProblems(owner: IConstruct, stage: ReleaseStageOptions): string[] {
  const calendars = stage.changeCalendars ?? [];
  if (calendars.length === 0) {
    return stage.allowFreezeOverride
      ? ['allowFreezeOverride is true, but there are no changeCalendars, so there is no freeze to override; give the changeCalendars, or remove allowFreezeOverride']
      : [];
  }
  const problems = calendarProblems(calendars);
  const services = stageOverridable(stage) ? servicesOf(stage) : [];
  const length = commandLength(calendars, services.map((service) => freezeOverrideParameterName(service.serviceName)));
  if (length > MAX_RULE_COMMAND_LENGTH) {
    problems.push(`the stage's freeze check would be a command of ${length} characters, and CodePipeline takes at most ${MAX_RULE_COMMAND_LENGTH}; `
      + 'list fewer calendars (one calendar can hold every freeze), or shorter names');
  }
  if (services.length > MAX_OVERRIDDEN_SERVICES) {
    problems.push(`the stage deploys ${services.length} services, and its freeze check reads the override of at most ${MAX_OVERRIDDEN_SERVICES} `
      + '(CodePipeline takes 50 commands per rule); split the stage, or set allowFreezeOverride: false');
  }
  for (const unit of unitsOf(stage).filter((u) => isRemoteStage(owner, u))) {
    problems.push(`${unit.service.node.path} is in another account or region, whose calendars and freeze override the pipeline's check `
      + 'does not read; give the calendars to the service\'s PreflightHook (changeCalendars) there instead');
  }
  return problems;
}
