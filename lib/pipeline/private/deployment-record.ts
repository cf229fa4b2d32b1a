import { ArnFormat, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ECS_DEPLOYMENT_DETAIL_TYPE, ECS_DEPLOYMENT_EVENT_SOURCE } from '../../../contract/release-notifier';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import { StageInfo, deploymentEventPattern } from './stage-naming';

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
}

/**
 * The deployment record: a retained log group holding one JSON line per pipeline, stage,
 * action and (with {@link recordDeployments}) CodeDeploy or Amazon ECS deployment state change.
 */
export class DeploymentRecord extends Construct {
  public readonly logGroup: logs.LogGroup;
  private readonly pipelinePath: string;
  private deploymentEvents?: events.Rule;
  private ecsDeploymentEvents?: events.Rule;

  constructor(scope: Construct, id: string, props: DeploymentRecordProps) {
    super(scope, id);
    this.pipelinePath = props.pipelinePath;
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
      targets: [new LogGroupTarget(this.logGroup)],
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
      targets: [new LogGroupTarget(this.logGroup)],
    });
  }

  private recordEcsDeployments(stages: readonly StageInfo[]): void {
    const pattern: events.EventPattern = {
      source: [ECS_DEPLOYMENT_EVENT_SOURCE],
      detailType: [ECS_DEPLOYMENT_DETAIL_TYPE],
      resources: stages.map((stage) => stage.service.service.serviceArn),
    };
    if (this.ecsDeploymentEvents) {
      this.ecsDeploymentEvents.addEventPattern(pattern);
      return;
    }
    this.ecsDeploymentEvents = new events.Rule(this, 'EcsDeploymentEvents', {
      description: `Records the Amazon ECS deployments of ${this.pipelinePath}`,
      eventPattern: pattern,
      targets: [new LogGroupTarget(this.logGroup)],
    });
  }
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
