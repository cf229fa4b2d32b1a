/**
 * A stage's rollback alarms going into ALARM, given to the notifier: outside a deployment nobody
 * else tells it (during one, the deployment's rollback message does); and to the deployment
 * recorder, for time to restore.
 */
import { Lazy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ROLLBACK_ALARM_NOTICE_KIND } from '../../../contract/notification-routing';
import { fitText } from '../../private/text-limits';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import type { DeploymentNotifier } from './notifier-parts';
import type { StageInfo } from './stage-naming';

/**
 * A rule per stage service with rollback alarms: each of them that goes into ALARM invokes the
 * notifier with the stage's names, which then looks for a deployment in flight, and the
 * deployment recorder, when given, with the raw event. `requiresApproval` makes the message CRITICAL.
 */
export function watchRollbackAlarms(scope: Construct, stage: StageInfo, notifier: DeploymentNotifier, requiresApproval: boolean,
  recorder?: { target(): events.IRuleTarget }): void {
  const { service } = stage;
  const rollbackAlarms = service.rollbackAlarms;
  if (!rollbackAlarms) {
    return;
  }
  const onEcs = service.engine.kind === DeploymentEngineKind.ECS;
  const field = (path: string) => events.EventField.fromPath(path);
  // Alarms added later (addAlarm) are watched too: the list is read at synthesis.
  const alarmArns = Lazy.list({ produce: () => rollbackAlarms.alarms.map((alarm) => alarm.alarmArn) });
  const rule = new events.Rule(scope, 'RollbackAlarms', {
    description: fitText(`${service.serviceName}: a ${stage.stageName} rollback alarm went into ALARM`, 512),
    eventPattern: {
      source: ['aws.cloudwatch'],
      detailType: ['CloudWatch Alarm State Change'],
      resources: alarmArns,
      detail: { state: { value: ['ALARM'] } },
    },
    targets: [withInput(notifier.target(), events.RuleTargetInput.fromObject({
      kind: ROLLBACK_ALARM_NOTICE_KIND,
      serviceName: service.serviceName,
      stageName: stage.stageName,
      engine: onEcs ? 'ECS' : 'CODE_DEPLOY',
      ...(onEcs ? { serviceArn: service.service.serviceArn } : {
        applicationName: service.deploymentGroup!.application.applicationName,
        deploymentGroupName: service.deploymentGroup!.deploymentGroupName,
      }),
      requiresApproval: requiresApproval ? 'true' : 'false',
      consoleUrl: service.deploymentsConsoleUrl,
      alarmName: field('$.detail.alarmName'),
      alarmArn: field('$.resources[0]'),
      reason: field('$.detail.state.reason'),
      time: field('$.time'),
      region: field('$.region'),
    }))],
  });
  if (recorder) {
    // The deployment recorder takes the event as it is, its id included: an ALARM starts the
    // stage's failure, which time to restore counts from.
    rule.addTarget(recorder.target());
  }
  const role = notifier.fn.role!;
  if (onEcs) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:ListServiceDeployments'], resources: [service.service.serviceArn] }));
  } else {
    // ListDeployments authorizes on the deployment group.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['codedeploy:ListDeployments'], resources: [service.deploymentGroup!.deploymentGroupArn] }));
  }
}

/** `target` with the rule's input replaced by `input`. */
function withInput(target: events.IRuleTarget, input: events.RuleTargetInput): events.IRuleTarget {
  return { bind: (rule, id) => ({ ...target.bind(rule, id), input }) };
}
