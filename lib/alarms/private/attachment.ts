import { Annotations, Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { containerInsightsSetting } from './container-insights';
import {
  MAX_DEPLOYMENT_GROUP_ALARMS, ResolvedAlarmConfiguration, ResolvedAutoRollbackConfiguration, alarmCount, rollbackConflicts,
} from './deployment-group';
import { overflowCriterion } from './format';
import { AlarmNaming } from './naming';

/**
 * The composite alarm that carries the 10th and later alarms `overflow()` returns, since
 * CodeDeploy watches at most 10 per deployment group; its rule is rendered at synthesis, so
 * alarms added after it are included.
 */
export function createOverflowAlarm(naming: AlarmNaming, overflow: () => cloudwatch.IAlarm[]): cloudwatch.CompositeAlarm {
  return new cloudwatch.CompositeAlarm(naming.scope, 'OverflowAlarm', {
    compositeAlarmName: naming.alarmName(overflowCriterion()),
    alarmDescription: Lazy.string({
      produce: () => naming.describe(`any of ${overflow().length} further rollback alarms fires. CodeDeploy watches at most `
        + `${MAX_DEPLOYMENT_GROUP_ALARMS} alarms per deployment group, so the alarms beyond the first `
        + `${MAX_DEPLOYMENT_GROUP_ALARMS - 1} are combined here; the alarm rule lists them.`),
    }),
    alarmRule: {
      renderAlarmRule: () => Lazy.string({
        produce: () => cloudwatch.AlarmRule.anyOf(...overflow()).renderAlarmRule(),
      }),
    },
  });
}

/**
 * The deployment group, when it is defined in this app: its `addAlarm()` lists the alarms and
 * makes it roll back on them. An imported one cannot be changed from here, so the alarms are
 * created but stop nothing, and a warning on `scope` says so.
 */
export function attachableDeploymentGroup(scope: Construct, deploymentGroup: codedeploy.IEcsDeploymentGroup,
  serviceName: string): codedeploy.EcsDeploymentGroup | undefined {
  if (deploymentGroup instanceof codedeploy.EcsDeploymentGroup) {
    return deploymentGroup;
  }
  Annotations.of(scope).addWarningV2('cdk-ecs-release:importedDeploymentGroup',
    `deployment group ${deploymentGroup.node.path} is imported, so the rollback alarms of ${serviceName} cannot be `
    + 'attached to it from here: they are created, but stop no deployment. Add deploymentGroupAlarms to the deployment group '
    + 'where it is defined, and set attachToDeploymentGroup: false to say the alarms only watch');
  return undefined;
}

/** What the attachment check needs to know of one RollbackAlarms. */
export interface AttachmentState {
  readonly scope: Construct;
  readonly serviceName: string;
  readonly alarmCount: number;
  readonly deploymentGroupAlarmCount: number;
  readonly attachTarget?: codedeploy.EcsDeploymentGroup;
}

/**
 * Checks what the user set on the deployment group against the alarms, reading (never writing)
 * its rendered configuration: rollback turned off, polling failures ignored, too many alarms.
 */
export function attachmentProblems(state: AttachmentState): string[] {
  const { scope, serviceName, attachTarget } = state;
  if (state.alarmCount === 0) {
    Annotations.of(scope).addWarningV2('cdk-ecs-release:noRollbackAlarms',
      `${serviceName} has no rollback alarms: every criterion is disabled and none was added; `
      + 'a deployment that hurts users will not roll back by itself');
  }
  const resource = attachTarget?.node.defaultChild;
  if (!resource || !codedeploy.CfnDeploymentGroup.isCfnDeploymentGroup(resource)) {
    return [];
  }
  const stack = Stack.of(resource);
  const dgPath = attachTarget!.node.path;
  const original = stack.resolve(resource.alarmConfiguration) as ResolvedAlarmConfiguration | undefined;
  const problems = rollbackConflicts(original, stack.resolve(resource.autoRollbackConfiguration) as ResolvedAutoRollbackConfiguration | undefined)
    .map(p => `${scope.node.path}: deployment group ${dgPath} ${p}`);
  if (original?.ignorePollAlarmFailure === true) {
    Annotations.of(scope).addWarningV2('cdk-ecs-release:ignorePollAlarmFailure',
      `deployment group ${dgPath} continues deployments when CloudWatch cannot be read (ignorePollAlarmsFailure: true), `
      + 'so a deployment may go on unwatched; remove ignorePollAlarmsFailure to stop instead');
  }
  const count = alarmCount(original);
  if (count > MAX_DEPLOYMENT_GROUP_ALARMS) {
    problems.push(`${scope.node.path}: deployment group ${dgPath} lists ${count} alarms but CodeDeploy accepts at most `
      + `${MAX_DEPLOYMENT_GROUP_ALARMS}; RollbackAlarms uses ${state.deploymentGroupAlarmCount} of them. Add the others with `
      + 'rollbackAlarms.addAlarm() instead of deploymentGroup.addAlarm(), so they are combined into a composite alarm');
  }
  return problems;
}

/**
 * Warns when the service's cluster, defined in this app, turns Container Insights off: the
 * running-task alarm would then never have data. A cluster that does not set it follows the
 * account default, which cannot be seen from here.
 */
export function warnWhenContainerInsightsOff(scope: Construct, cluster: ecs.ICluster | undefined, serviceName: string): void {
  const resource = cluster?.node.defaultChild;
  if (!cluster || !resource || !ecs.CfnCluster.isCfnCluster(resource)) {
    return;
  }
  if (containerInsightsSetting(Stack.of(resource).resolve(resource.clusterSettings)) === 'disabled') {
    Annotations.of(scope).addWarningV2('cdk-ecs-release:containerInsightsDisabled',
      `cluster ${cluster.node.path} has Container Insights turned off, so the running-task alarm of ${serviceName} `
      + 'has no data and never fires; turn it on with containerInsightsV2: ContainerInsights.ENABLED, or set '
      + 'enableRunningTaskShortfallAlarm: false');
  }
}
