import { Lazy } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { APPSPEC_FILE, IMAGE_PLACEHOLDER_NAME, TASK_DEFINITION_FILE } from '../../../contract/artifacts';
import { MigrationHook } from '../../hooks/migration-hook';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import type { ReleaseStageOptions } from '../release-pipeline-props';
import type { ReleaseSource } from '../release-source';
import { EXPORTED_VARIABLES } from './buildspec';
import { deployRole } from './deploy-role';
import { ReleaseNotifications } from './release-notifications';

/** What a deploy stage of the release pipeline is built from. */
export interface DeployStageProps {
  /** The pipeline the stage is added to. */
  readonly pipeline: codepipeline.Pipeline;
  /** Where releases start; names the revision in the approval request. */
  readonly source: ReleaseSource;
  /** The topic the approval request goes to. */
  readonly notificationTopic: sns.ITopic;
  /** The release notifications, told of the stage's deployments. */
  readonly notifications: ReleaseNotifications;
  /** The stage to build. */
  readonly stage: ReleaseStageOptions;
  /** The stage before it, if any: what the approver compares with. */
  readonly previous: ReleaseStageOptions | undefined;
  /** The stage's deployment files, written by the build. */
  readonly files: codepipeline.Artifact;
}

/**
 * Adds a deploy stage to the release pipeline `owner`'s pipeline: a manual approval when the
 * stage requires one, then the blue/green deployment. Its constructs go in `scope`.
 */
export function addDeployStage(scope: Construct, owner: IConstruct, props: DeployStageProps): void {
  const { pipeline, stage, previous, files } = props;
  const stageActions: codepipeline.IAction[] = [];
  if (stage.requireApproval) {
    stageActions.push(new actions.ManualApprovalAction({
      actionName: 'Approve',
      runOrder: 1,
      notificationTopic: props.notificationTopic,
      // Read at synthesis: the service's hooks may be added after the stage.
      additionalInformation: Lazy.string({ produce: () => approvalMessage(props.source, stage, previous!) }),
      externalEntityLink: previous!.service.deploymentGroupConsoleUrl,
    }));
  }
  stageActions.push(new actions.CodeDeployEcsDeployAction({
    actionName: 'Deploy',
    runOrder: stage.requireApproval ? 2 : 1,
    deploymentGroup: stage.service.deploymentGroup,
    taskDefinitionTemplateFile: files.atPath(TASK_DEFINITION_FILE),
    appSpecTemplateFile: files.atPath(APPSPEC_FILE),
    containerImageInputs: [{ input: files, taskDefinitionPlaceholder: IMAGE_PLACEHOLDER_NAME }],
    role: deployRole(scope, owner, pipeline, stage),
  }));
  pipeline.addStage({ stageName: stage.stageName, actions: stageActions });
  props.notifications.notifyDeployments(scope, stage);
}

/** What the approver reads: what ships, from where, and what ran before. */
function approvalMessage(source: ReleaseSource, stage: ReleaseStageOptions, previous: ReleaseStageOptions): string {
  const migration = migrationCommand(stage.service);
  const parts = [
    `Ship ${stage.service.serviceName} to ${stage.stageName}:`,
    `${source._revisionNoun} #{Build.${EXPORTED_VARIABLES.sourceRevision}},`,
    `image #{Build.${EXPORTED_VARIABLES.imageUri}}.`,
    migration ? `Runs migration: ${migration}.` : undefined,
    `${previous.stageName} deployed it first; the link opens its deployments.`,
    stage.approvalComment,
  ];
  return parts.filter((p) => p !== undefined && p !== '').join(' ');
}

/** The command of the service's migration hook, if it has one. */
function migrationCommand(service: IBlueGreenService): string | undefined {
  const migration = service.hooks.find((hook): hook is MigrationHook => hook instanceof MigrationHook);
  return migration?.command.join(' ');
}
