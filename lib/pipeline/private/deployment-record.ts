import { ArnFormat, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HOOK_RESULT_DETAIL_TYPE, RELEASE_EVENT_SOURCE, ROLLBACK_VERIFICATION_DETAIL_TYPE } from '../../../contract/release-events';
import { ECS_DEPLOYMENT_DETAIL_TYPE, ECS_DEPLOYMENT_EVENT_SOURCE } from '../../../contract/release-notifier';
import { fitText } from '../../private/text-limits';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import { FORWARDED_SOURCES, forwardToPipelineEventBus, isRemoteStage } from './remote-stage';
import { CODEDEPLOY_DETAIL_TYPE, StageInfo, deploymentEventPattern } from './stage-naming';

/** Properties of a {@link DeploymentRecord}. */
export interface DeploymentRecordProps {
  /** The pipeline whose executions are recorded. */
  readonly pipelineArn: string;
  /** Path of the release pipeline, for descriptions. */
  readonly pipelinePath: string;
  /** The log group is named after it; when unresolved or absent, after the unique name of `owner`. */
  readonly pipelineName?: string;
  /** The construct whose unique name names the log group when the pipeline has no name. */
  readonly owner: Construct;
  /** How long the record is kept. */
  readonly retention?: logs.RetentionDays;
  /** Writes the record table from the same events: a second target of each rule of this environment. */
  readonly recorder?: { target(): events.IRuleTarget };
}

/**
 * The deployment record: a retained log group holding one JSON line per pipeline, stage,
 * action and (with {@link recordDeployments}) CodeDeploy or Amazon ECS deployment state change.
 */
export class DeploymentRecord extends Construct {
  public readonly logGroup: logs.LogGroup;
  private readonly pipelinePath: string;
  private readonly owner: Construct;
  private readonly recorder?: { target(): events.IRuleTarget };
  /** The accounts and regions of stages in other environments whose forwarded deployment events are recorded. */
  private readonly remoteEnvironments = new Set<string>();
  private deploymentEvents?: events.Rule;
  private ecsDeploymentEvents?: events.Rule;
  private rollbackVerifications?: events.Rule;

  constructor(scope: Construct, id: string, props: DeploymentRecordProps) {
    super(scope, id);
    this.pipelinePath = props.pipelinePath;
    this.owner = props.owner;
    this.recorder = props.recorder;
    const name = props.pipelineName && !Token.isUnresolved(props.pipelineName)
      ? props.pipelineName
      : Names.uniqueResourceName(props.owner, { maxLength: 200, separator: '-', allowedSpecialCharacters: '-_' });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/cdk-ecs-release/${name}/deployments`,
      retention: props.retention ?? logs.RetentionDays.TWO_YEARS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new events.Rule(this, 'PipelineEvents', {
      description: `Records the executions of ${props.pipelinePath}`,
      eventPattern: {
        source: ['aws.codepipeline'],
        detailType: [
          'CodePipeline Pipeline Execution State Change',
          'CodePipeline Stage Execution State Change',
          'CodePipeline Action Execution State Change',
        ],
        resources: [props.pipelineArn],
      },
      targets: this.targets(),
    });
    // EventBridge writes to a log group through a resource policy, here scoped to this group.
    // (aws-events-targets' CloudWatchLogGroup would create it with a custom resource function.)
    new logs.ResourcePolicy(this, 'Policy', {
      policyStatements: [new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      })],
    });
  }

  /**
   * Records the deployments of `stages` too, with those of the stages recorded before: CodeDeploy's
   * state changes, or Amazon ECS's for a service it deploys.
   */
  public recordDeployments(stages: readonly StageInfo[]): void {
    const remote = stages.filter((stage) => isRemoteStage(this.owner, stage));
    remote.forEach((stage) => this.recordRemoteDeployments(stage));
    stages = stages.filter((stage) => !remote.includes(stage));
    if (stages.length > 0) {
      this.recordRollbackVerifications(stages);
    }
    const onEcs = stages.filter((stage) => stage.service.engine.kind === DeploymentEngineKind.ECS);
    if (onEcs.length > 0) {
      this.recordEcsDeployments(onEcs);
    }
    stages = stages.filter((stage) => !onEcs.includes(stage));
    if (stages.length === 0) {
      return;
    }
    if (this.deploymentEvents) {
      // EventBridge patterns merge by field: the applications and deployment groups add up.
      this.deploymentEvents.addEventPattern(deploymentEventPattern(stages));
      return;
    }
    this.deploymentEvents = new events.Rule(this, 'DeploymentEvents', {
      description: `Records the CodeDeploy deployments of ${this.pipelinePath}`,
      eventPattern: deploymentEventPattern(stages),
      targets: this.targets(),
    });
  }

  /**
   * A stage in another account or region: a rule in its service's stack sends the service's
   * deployment events to the pipeline's event bus, and one rule per such environment records them.
   */
  private recordRemoteDeployments(stage: StageInfo): void {
    const onEcs = stage.service.engine.kind === DeploymentEngineKind.ECS;
    forwardToPipelineEventBus(this.owner, stage, 'RecordedDeployments', onEcs ? ecsDeploymentPattern([stage]) : deploymentEventPattern([stage]),
      `Sends the deployments of ${stage.service.serviceName} to the deployment record of ${this.pipelinePath}, stage ${stage.stageName}`);
    const { account, region } = Stack.of(stage.service);
    const environment = `${account}-${region}`;
    if (this.remoteEnvironments.has(environment)) {
      return;
    }
    this.remoteEnvironments.add(environment);
    new events.Rule(this, `Deployments-${environment}`, {
      description: `Records the deployments ${this.pipelinePath} makes in account ${account}, region ${region}`,
      eventPattern: {
        account: [account],
        region: [region],
        source: FORWARDED_SOURCES,
        detailType: [CODEDEPLOY_DETAIL_TYPE, ECS_DEPLOYMENT_DETAIL_TYPE],
      },
      targets: [new LogGroupTarget(this.logGroup)],
    });
  }

  /**
   * The results of the smoke-test hooks' rollback verifications, and of every lifecycle hook,
   * next to the deployments they belong to: this library's events, by the services' names they carry.
   */
  private recordRollbackVerifications(stages: readonly StageInfo[]): void {
    const pattern: events.EventPattern = {
      source: [RELEASE_EVENT_SOURCE],
      detailType: [ROLLBACK_VERIFICATION_DETAIL_TYPE, HOOK_RESULT_DETAIL_TYPE],
      detail: { serviceName: [...new Set(stages.map((stage) => stage.service.serviceName))] },
    };
    if (this.rollbackVerifications) {
      this.rollbackVerifications.addEventPattern(pattern);
      return;
    }
    this.rollbackVerifications = new events.Rule(this, 'RollbackVerifications', {
      description: fitText(`Records the rollback verifications and hook results of the services ${this.pipelinePath} deploys`, 512),
      eventPattern: pattern,
      targets: this.targets(),
    });
  }

  /** The log group, and the recorder when there is one. */
  private targets(): events.IRuleTarget[] {
    return [new LogGroupTarget(this.logGroup), ...(this.recorder ? [this.recorder.target()] : [])];
  }

  private recordEcsDeployments(stages: readonly StageInfo[]): void {
    const pattern = ecsDeploymentPattern(stages);
    if (this.ecsDeploymentEvents) {
      this.ecsDeploymentEvents.addEventPattern(pattern);
      return;
    }
    this.ecsDeploymentEvents = new events.Rule(this, 'EcsDeploymentEvents', {
      description: `Records the Amazon ECS deployments of ${this.pipelinePath}`,
      eventPattern: pattern,
      targets: this.targets(),
    });
  }
}

/** The Amazon ECS deployment state changes of the stages' services. */
function ecsDeploymentPattern(stages: readonly StageInfo[]): events.EventPattern {
  return {
    source: [ECS_DEPLOYMENT_EVENT_SOURCE],
    detailType: [ECS_DEPLOYMENT_DETAIL_TYPE],
    resources: stages.map((stage) => stage.service.service.serviceArn),
  };
}

/** An EventBridge rule target writing the event as it is to a log group. */
class LogGroupTarget implements events.IRuleTarget {
  constructor(private readonly logGroup: logs.ILogGroup) {}

  public bind(): events.RuleTargetConfig {
    // EventBridge takes the log group ARN without the `:*` suffix of logGroupArn.
    return {
      arn: Stack.of(this.logGroup).formatArn({
        service: 'logs',
        resource: 'log-group',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        resourceName: this.logGroup.logGroupName,
      }),
    };
  }
}
