import { Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { fitName } from '../../private/text-limits';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import { DeploymentEngineKind } from '../../service/deployment-engine';

/** What the pipeline's own code reads of a stage. */
export interface StageInfo {
  readonly stageName: string;
  readonly service: IBlueGreenService;
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
 * Pipeline artifact name of a stage's deployment files; CodeBuild matches it to its secondary
 * artifact. A long stage name is shortened with a hash of it, so each stage keeps its own.
 */
export function stageArtifactName(stageName: string): string {
  return fitName(`Files_${stageDirectory(stageName)}`, MAX_ARTIFACT_NAME_LENGTH);
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
