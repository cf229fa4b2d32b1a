import { Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { fitName } from '../../private/text-limits';
import { DEPLOY_ACTION_NAME, DEPLOY_ACTION_PREFIX } from '../../../contract/artifacts';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import { DeploymentEngineKind } from '../../service/deployment-engine';

/** What the pipeline's own code reads of a stage: one service it deploys. */
export interface StageInfo {
  readonly stageName: string;
  readonly service: IBlueGreenService;
}

/** What a stage's options name: the services it deploys, in order. */
export interface StageServices {
  readonly stageName: string;
  readonly service?: IBlueGreenService;
  readonly services?: IBlueGreenService[];
}

/** One service a stage deploys, with the names of its deploy action and deployment files. */
export interface StageUnit extends StageInfo {
  /** The deploy action: `Deploy` for a stage's only service, else `Deploy-<service>`. */
  readonly actionName: string;
  /** Where the build writes its deployment files, `.release/<directory>`. */
  readonly directory: string;
  /** Its place among the stage's services, from 0. */
  readonly index: number;
  /** Whether the stage deploys it alone. */
  readonly alone: boolean;
}

/** The services of a stage, in the order it deploys them. */
export function servicesOf(stage: StageServices): IBlueGreenService[] {
  return stage.services ?? (stage.service ? [stage.service] : []);
}

/** The services of a stage as units: a stage of one service keeps the names it always had. */
export function unitsOf(stage: StageServices): StageUnit[] {
  const services = servicesOf(stage);
  return services.map((service, index) => {
    const alone = services.length === 1;
    return {
      stageName: stage.stageName,
      service,
      index,
      alone,
      actionName: alone ? DEPLOY_ACTION_NAME : fitName(`${DEPLOY_ACTION_PREFIX}${actionNamePart(service)}`, MAX_ACTION_NAME_LENGTH),
      directory: alone ? stageDirectory(stage.stageName) : `${stageDirectory(stage.stageName)}__${stageDirectory(service.node.id)}`,
    };
  });
}

/** CodePipeline's limit for an action name. */
const MAX_ACTION_NAME_LENGTH = 100;

/** The service's name as an action name takes it: letters, digits, `.`, `@`, `-` and `_`. */
function actionNamePart(service: IBlueGreenService): string {
  const name = Token.isUnresolved(service.serviceName) ? service.node.id : service.serviceName;
  return name.replace(/[^A-Za-z0-9.@_-]/g, '_');
}

/**
 * Whether the build writes deployment files (`taskdef.json`, `appspec.yaml`) for the stage: on the
 * CodeDeploy engine. On the Amazon ECS engine a stack update releases, from the image alone.
 */
export function hasDeploymentFiles(stage: StageInfo): boolean {
  return stage.service.engine.kind !== DeploymentEngineKind.ECS;
}

/** The deployment files of a stage go to `.release/<directory>`. */
export function stageDirectory(stageName: string): string {
  return stageName.replace(/[^A-Za-z0-9]/g, '_');
}

/** CodePipeline's limit for an artifact name. */
const MAX_ARTIFACT_NAME_LENGTH = 100;

/**
 * Pipeline artifact name of the deployment files in `directory` (see {@link StageUnit}); CodeBuild
 * matches it to its secondary artifact. A long name is shortened with a hash of it, so each keeps its own.
 */
export function stageArtifactName(directory: string): string {
  return fitName(`Files_${directory}`, MAX_ARTIFACT_NAME_LENGTH);
}

/** The detail type of CodeDeploy's deployment state changes. */
export const CODEDEPLOY_DETAIL_TYPE = 'CodeDeploy Deployment State-change Notification';

/** The CodeDeploy state changes of the stages' deployment groups, optionally only those in `states`. */
export function deploymentEventPattern(stages: readonly StageInfo[], states?: string[]): events.EventPattern {
  return {
    source: ['aws.codedeploy'],
    detailType: [CODEDEPLOY_DETAIL_TYPE],
    detail: {
      ...(states ? { state: states } : {}),
      application: unique(stages.map((s) => s.service.deploymentGroup!.application.applicationName)),
      deploymentGroup: unique(stages.map((s) => s.service.deploymentGroup!.deploymentGroupName)),
    },
  };
}

/** True when both values are known and differ. */
export function differs(a: string, b: string): boolean {
  return !Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
