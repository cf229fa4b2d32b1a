import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { serviceNameForHook } from '../private/hook-details';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { CODEDEPLOY_HOOK_TIMEOUT_SECONDS } from '../../contract/hook';
import { MIGRATION_CONFIG_ENV, MigrationHookConfig } from '../../contract/migration';
import type { MigrationDryRunConfig } from '../../contract/migration-dry-run';
import { bindHookFunction } from './private/hook-function';
import { durationProblem, propMessage, recordPropProblem, reportAtSynthesis, valid, wholeDuration } from '../private/validation';
import { subnetSelectionProblem } from '../private/subnet-selection';
import { environmentSize, parameterSize, sizeProblem } from './private/configuration-size';
import { hookConfigurationOf } from './private/hook-configuration';
import { HookFunctionOptions } from './hook-options';
import type { IBlueGreenService } from '../service/blue-green-service-base';
import { LifecycleEvent } from '../service/lifecycle-event';
import { ILifecycleHook } from '../service/lifecycle-hook';
import { grantDeploymentTargetReads } from '../private/deployment-target-grants';
import { setRunbookNotes } from '../private/runbook-notes';
import { migrationNotes } from './private/runbook-notes';

/** Longest migration deadline: CodeDeploy waits one hour for a hook, and the hook needs time to stop the task and report. */
const MAX_DEADLINE_MINUTES = 50;
/** Time the hook keeps beyond the migration deadline to stop the task and report. */
const REPORT_RESERVE = Duration.minutes(5);
const DEFAULT_DEADLINE = Duration.minutes(30);
const DEFAULT_DRY_RUN_TIMEOUT = Duration.minutes(30);
/** Longest dry run: the approval waits behind it, and CodeBuild runs a build for at most 36 hours. */
const MAX_DRY_RUN_TIMEOUT_MINUTES = 8 * 60;
const DEFAULT_EVENT = LifecycleEvent.AFTER_INSTALL;
/** Lambda's longest run; a longer migration is followed by fresh invocations. */
const TIMEOUT = Duration.minutes(15);

/** The hook's time across invocations: the deadline and the time to report, within CodeDeploy's hour. */
function totalTimeoutOf(deadline: Duration): Duration {
  return Duration.seconds(Math.min(deadline.toSeconds() + REPORT_RESERVE.toSeconds(), CODEDEPLOY_HOOK_TIMEOUT_SECONDS - 300));
}

const ALLOWED_EVENTS = [
  LifecycleEvent.AFTER_INSTALL,
  LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC,
  LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
];

/** Properties of a {@link MigrationHook}. */
export interface MigrationHookProps extends HookFunctionOptions {
  /**
   * The command that migrates, run in the application container of the new task definition
   * instead of its usual command, e.g. `['npm', 'run', 'migrate']`. It must exit 0 on success.
   */
  readonly command: string[];

  /**
   * The command that shows what the migration would do without doing it, e.g.
   * `['npm', 'run', 'migrate', '--', '--dry-run']`. A release pipeline stage with
   * `requireApproval` that deploys the service runs it, before its approval, in a one-off task of
   * the release's task definition (the release's image, this hook's network, environment and
   * task role), puts the end of its output and a link to all of it in the approval request, and
   * stops the release when it exits non-zero. A stage without approval does not run it.
   * @default - no dry run: the approval request names the migration command only
   */
  readonly dryRunCommand?: string[];

  /**
   * Longest the dry run may take, from the start of its task; then the task is stopped and the
   * release stops before the approval. Whole minutes, at most 8 hours.
   * @default Duration.minutes(30)
   */
  readonly dryRunTimeout?: Duration;

  /**
   * Environment variables added to the migration container. Secrets belong in the service's
   * `secrets`, which the migration task inherits.
   * @default - the container's own environment only
   */
  readonly environment?: Record<string, string>;

  /**
   * Longest the migration may run, counted from the start of its task. At the deadline the task
   * is stopped and the deployment rolls back. At most 50 minutes: CodeDeploy waits one hour
   * for a hook.
   * @default Duration.minutes(30)
   */
  readonly deadline?: Duration;

  /**
   * When the migration runs. Not before `AfterInstall`: the new task definition is known to
   * CodeDeploy only once its task set exists.
   * @default LifecycleEvent.AFTER_INSTALL
   */
  readonly lifecycleEvent?: LifecycleEvent;

  /**
   * Subnets of the migration task.
   * @default - the service's subnets (`BlueGreenService.serviceSubnets`)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the migration task, which decide what it may reach (the database).
   * @default - the service's security groups
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Fargate platform version of the migration task.
   * @default - the Amazon ECS default (LATEST)
   */
  readonly platformVersion?: ecs.FargatePlatformVersion;
}

/**
 * Runs a one-off ECS task from the new (green) task definition before the new version takes
 * traffic, typically a database migration, and rolls the deployment back unless the
 * application container exits 0.
 *
 * The task runs in the service's cluster, subnets and security groups with the command given
 * here; its logs go to the service's log group. The hook follows it across Lambda invocations
 * up to `deadline`, then stops it.
 *
 * @exampleMetadata fixture=lib
 * @example
 * new MigrationHook(this, 'Migrate', { service, command: ['npm', 'run', 'migrate'] });
 */
export class MigrationHook extends Construct implements ILifecycleHook {
  public readonly lifecycleEvent: LifecycleEvent;
  public readonly function: lambda.IFunction;
  /** The log group of the hook function (the migration's own output goes to the service's log group). */
  public readonly logGroup: logs.ILogGroup;
  /** The migration command, shown to approvers of a release that runs it. */
  public readonly command: string[];
  /** The dry-run command a release's approval stage runs first, if any. */
  public readonly dryRunCommand?: string[];
  /** Longest the dry run may take. */
  public readonly dryRunTimeout: Duration;
  /** What the dry run runs with, but for the stage's own part (its task definition file). */
  private readonly dryRunBase?: MigrationDryRunConfig;

  constructor(scope: Construct, id: string, props: MigrationHookProps) {
    super(scope, id);
    const service = props.service;
    // Invalid props are recorded, failing synthesis; the defaults stand in for them meanwhile.
    const { deadline, lifecycleEvent, dryRunTimeout } = this.validate(props);
    this.lifecycleEvent = lifecycleEvent;
    this.command = [...props.command];
    this.dryRunCommand = props.dryRunCommand ? [...props.dryRunCommand] : undefined;
    this.dryRunTimeout = dryRunTimeout;

    const stack = Stack.of(this);
    const securityGroups = props.securityGroups ?? this.serviceSecurityGroups(service);
    const serviceLogGroupName = this.serviceLogGroupName(service);
    const config: MigrationHookConfig = {
      clusterArn: service.cluster.clusterArn,
      serviceName: serviceNameForHook(service),
      containerName: service.containerName,
      command: props.command,
      ...(props.environment ? { environment: Object.entries(props.environment).map(([name, value]) => ({ name, value })) } : {}),
      subnets: service.vpc.selectSubnets(this.subnetsOf(props, service)).subnetIds,
      securityGroups: securityGroups.map((group) => group.securityGroupId),
      assignPublicIp: false,
      launchType: 'FARGATE',
      ...(props.platformVersion ? { platformVersion: props.platformVersion } : {}),
      totalDeadlineSeconds: deadline.toSeconds(),
      logGroupName: serviceLogGroupName,
      logStreamPrefix: service.logStreamPrefix,
      lifecycleEventName: this.lifecycleEvent,
    };

    if (this.dryRunCommand) {
      this.dryRunBase = {
        clusterArn: config.clusterArn,
        serviceName: config.serviceName,
        containerName: config.containerName,
        command: this.dryRunCommand,
        ...(config.environment ? { environment: config.environment } : {}),
        subnets: config.subnets,
        securityGroups: config.securityGroups,
        assignPublicIp: false,
        ...(config.platformVersion ? { platformVersion: config.platformVersion } : {}),
        timeoutSeconds: dryRunTimeout.toSeconds(),
        logGroupName: serviceLogGroupName,
        logStreamPrefix: service.logStreamPrefix,
      };
    }

    const binding = bindHookFunction(this, {
      kind: 'migration',
      lifecycleEvent: this.lifecycleEvent,
      service,
      hookName: `${service.serviceName} migration`,
      does: `runs the migration task from the new task definition (${this.lifecycleEvent} hook)`,
      sharedDoes: 'Runs each service\'s migration task from the new task definition',
      // Lambda's longest run; a longer migration is followed by fresh invocations.
      timeout: TIMEOUT,
      totalTimeout: totalTimeoutOf(deadline),
      defaults: { timeout: TIMEOUT, totalTimeout: totalTimeoutOf(DEFAULT_DEADLINE) },
      environment: { [MIGRATION_CONFIG_ENV]: stack.toJsonString(config) },
      config: { ...config },
      logRetention: props.logRetention,
      tracing: props.tracing,
      role: props.role,
      selfInvoke: true,
    });
    this.function = binding.function;
    this.logGroup = binding.logGroup;
    // At synthesis: the service's other hooks add their sections to a shared configuration later.
    reportAtSynthesis(this, () => this.configurationSizeProblems(binding.shared ? hookConfigurationOf(service) : undefined, binding.function, service, props));

    const clusterName = service.cluster.clusterName;
    const clusterArn = service.cluster.clusterArn;
    const ecsArn = (resource: string, resourceName: string) => stack.formatArn({
      service: 'ecs', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const onThisCluster = { ArnEquals: { 'ecs:cluster': clusterArn } };
    const taskArns = ecsArn('task', `${clusterName}/*`);

    // Any revision of the service's family: the pipeline registers the new one at deployment time.
    const taskDefinitionRevisions = stack.formatArn({
      service: 'ecs', resource: 'task-definition', resourceName: `${service.taskDefinition.family}:*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    binding.addScopedStatement(new iam.PolicyStatement({
      actions: ['ecs:RunTask'],
      resources: [taskDefinitionRevisions],
      conditions: onThisCluster,
    }), 'ecs:RunTask on every revision of the service\'s own task definition family, on its cluster only: the revision to run is registered at deployment time.');
    const passRoles = [service.taskDefinition.taskRole, service.taskDefinition.executionRole]
      .filter((role): role is iam.IRole => role !== undefined)
      .map((role) => role.roleArn);
    binding.addStatement(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: passRoles,
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }));
    // RunTask tags the task with the deployment id; ECS authorizes that tagging separately.
    const ownTasks = 'Tasks of the service\'s own cluster (describe, stop, tag at RunTask only): the migration task\'s id is known only once it runs.';
    binding.addScopedStatement(new iam.PolicyStatement({
      actions: ['ecs:TagResource'],
      resources: [taskArns],
      conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    }), ownTasks);
    binding.addScopedStatement(new iam.PolicyStatement({
      actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
      resources: [taskArns],
      conditions: onThisCluster,
    }), ownTasks);
    // ListTasks authorizes on container instances, which a Fargate task has none of; AWS's
    // documented form is `*` limited to the cluster by condition.
    binding.addWildcardStatement(new iam.PolicyStatement({
      actions: ['ecs:ListTasks'],
      resources: ['*'],
      conditions: onThisCluster,
    }), 'ecs:ListTasks authorizes on container instances, which Fargate tasks lack; AWS documents * limited to the cluster by the ecs:cluster condition, as here.');
    if (service.deploymentGroup) {
      // The green task set of the deployment, from CodeDeploy's record of its target. On the ECS
      // engine the revision names the task definition (granted with the function).
      grantDeploymentTargetReads(binding.role);
      binding.grantDescribeServiceTaskSets();
    }

    setRunbookNotes(this, () => migrationNotes(this.command, deadline, this.dryRunCommand, this.dryRunTimeout));
    service.addHook(this);
  }

  /**
   * The dry run's configuration, for the release pipeline stage that runs it; undefined without
   * `dryRunCommand`.
   * @internal
   */
  public _dryRunConfig(): MigrationDryRunConfig | undefined {
    return this.dryRunBase;
  }

  /** `vpcSubnets` when the service's VPC has them, else the service's subnets. */
  private subnetsOf(props: MigrationHookProps, service: IBlueGreenService): ec2.SubnetSelection {
    const problem = props.vpcSubnets ? subnetSelectionProblem(service.vpc, props.vpcSubnets) : undefined;
    return valid(this, 'vpcSubnets', problem) ? props.vpcSubnets ?? service.serviceSubnets : service.serviceSubnets;
  }

  /**
   * The command travels in the migration's configuration: in the function's environment (4 KB for
   * all variables), or in the service's hook configuration parameter when the function is shared.
   */
  private configurationSizeProblems(parameter: ssm.StringParameter | undefined, fn: lambda.Function, service: IBlueGreenService,
    props: MigrationHookProps): string[] {
    const problem = sizeProblem(parameter ? parameterSize(parameter, service.serviceName) : environmentSize(fn));
    return problem === undefined ? [] : [propMessage(this, 'command', `is ${this.command.join(' ').length} characters long, and the migration's `
      + `configuration ${problem}; run a script of the image instead (e.g. ['npm', 'run', 'migrate'])`
      + `${props.environment && Object.keys(props.environment).length > 0 ? ', or shorten environment' : ''}`)];
  }

  /** The migration task runs with the service's own security groups unless told otherwise. */
  private serviceSecurityGroups(service: IBlueGreenService): ec2.ISecurityGroup[] {
    if (service.service instanceof ecs.BaseService) {
      return service.service.connections.securityGroups;
    }
    recordPropProblem(this, 'securityGroups', `is required: the security groups of ${service.node.path} are not known here, `
      + 'since its ECS service is imported; pass the security groups the service\'s tasks use');
    return [];
  }

  /** The migration's output is read back from the container's log group. */
  private serviceLogGroupName(service: IBlueGreenService): string {
    if (service.logGroup) {
      return service.logGroup.logGroupName;
    }
    recordPropProblem(this, 'service', `${service.node.path} has no known log group, from which the migration's output is read; `
      + 'pass logGroup and logStreamPrefix to BlueGreenService.fromBlueGreenServiceAttributes');
    return '';
  }

  /** Records every invalid prop; returns the deadline and event to build with, the defaults standing in for invalid ones. */
  private validate(props: MigrationHookProps): { deadline: Duration; lifecycleEvent: LifecycleEvent; dryRunTimeout: Duration } {
    if (props.command.length === 0) {
      recordPropProblem(this, 'command', 'is empty; give the migration command, e.g. [\'npm\', \'run\', \'migrate\']');
    }
    const blank = props.command.findIndex((part) => typeof part === 'string' && part.trim() === '');
    if (blank >= 0) {
      recordPropProblem(this, 'command', `has an empty part at index ${blank}, got ${JSON.stringify(props.command)}; remove it`);
    }
    // Whole seconds, the handler's unit; the hook's total timeout is computed from it.
    const deadlineProblem = durationProblem(props.deadline, {
      unit: 'seconds', rangeUnit: 'minutes', min: 1, max: MAX_DEADLINE_MINUTES,
      fix: 'CodeDeploy waits at most one hour for a hook: split a longer migration or run it outside the deployment',
      literalBecause: 'the hook adds the time it needs to report to it, within CodeDeploy\'s hour, and the function\'s timeouts are computed from it',
    });
    if (deadlineProblem) {
      recordPropProblem(this, 'deadline', deadlineProblem);
    }
    const deadline = deadlineProblem || props.deadline === undefined ? DEFAULT_DEADLINE : wholeDuration(props.deadline, 'seconds');
    let lifecycleEvent = props.lifecycleEvent ?? DEFAULT_EVENT;
    if (!ALLOWED_EVENTS.includes(lifecycleEvent)) {
      recordPropProblem(this, 'lifecycleEvent', `must be one of ${ALLOWED_EVENTS.join(', ')}, got ${lifecycleEvent}; `
        + (lifecycleEvent === LifecycleEvent.BEFORE_INSTALL
          ? 'before AfterInstall the new task definition has no task set to read it from'
          : 'after AllowTraffic production already runs the new version, so migrate before it'));
      // The default, so that the service does not also reject the hook's place in the deployment.
      lifecycleEvent = DEFAULT_EVENT;
    }
    for (const name of Object.keys(props.environment ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        recordPropProblem(this, 'environment', `has an invalid variable name '${name}'; use letters, digits and underscores, not starting with a digit`);
      }
    }
    return { deadline, lifecycleEvent, dryRunTimeout: this.validateDryRun(props) };
  }

  /** Records what is wrong with the dry-run props; returns the timeout to build with. */
  private validateDryRun(props: MigrationHookProps): Duration {
    if (props.dryRunCommand !== undefined) {
      if (props.dryRunCommand.length === 0) {
        recordPropProblem(this, 'dryRunCommand', 'is empty; give the command that prints the migration\'s plan, '
          + 'e.g. [\'npm\', \'run\', \'migrate\', \'--\', \'--dry-run\'], or leave it out for no dry run');
      }
      const blank = props.dryRunCommand.findIndex((part) => typeof part === 'string' && part.trim() === '');
      if (blank >= 0) {
        recordPropProblem(this, 'dryRunCommand', `has an empty part at index ${blank}, got ${JSON.stringify(props.dryRunCommand)}; remove it`);
      }
    } else if (props.dryRunTimeout !== undefined) {
      recordPropProblem(this, 'dryRunTimeout', 'is given without dryRunCommand, so no dry run uses it; give dryRunCommand or remove dryRunTimeout');
    }
    const problem = durationProblem(props.dryRunTimeout, {
      unit: 'minutes', min: 1, max: MAX_DRY_RUN_TIMEOUT_MINUTES,
      fix: 'the release waits behind the dry run before its approval: give a plan that prints within hours, e.g. Duration.minutes(30)',
      literalBecause: 'the dry run\'s build timeout is computed from it',
    });
    if (problem) {
      recordPropProblem(this, 'dryRunTimeout', problem);
    }
    return problem || props.dryRunTimeout === undefined ? DEFAULT_DRY_RUN_TIMEOUT : wholeDuration(props.dryRunTimeout, 'minutes');
  }
}
