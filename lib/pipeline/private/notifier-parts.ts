/**
 * What the pipeline's own notifier and the notifiers of stages in other environments share: how
 * a rule invokes them, where lost notifications go, and how each knows a stage's service.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import type * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { NotifiedDeploymentGroup, NotifiedEcsService } from '../../../contract/release-notifier';
import { createWatchedDeadLetterQueue } from '../../private/dead-letter-queue';
import { fitText } from '../../private/text-limits';
import type { StageInfo } from './stage-naming';

/** A notifier function, and how an EventBridge rule invokes it. */
export interface DeploymentNotifier {
  readonly fn: lambda.Function;
  target(): events.IRuleTarget;
}

/**
 * Where the notifications of a notifier go that could not be delivered or published after every
 * retry, and an alarm that fires when one lands there.
 */
export function notifierDeadLetters(scope: Construct, ownerPath: string): { queue: sqs.Queue; alarm: cloudwatch.Alarm } {
  return createWatchedDeadLetterQueue(scope, 'the deployment notifications (of the EventBridge targets and of the function\'s asynchronous invocations)',
    'LostNotifications', fitText(`A deployment notification of ${ownerPath} could not be published; the message is in the dead-letter queue `
      + 'and the notifier\'s log', 1024));
}

/** How a rule delivers to a notifier: retried for six hours, then kept in the dead-letter queue. */
export function notifierTargetOptions(deadLetterQueue: sqs.IQueue): targets.TargetBaseProps {
  return { deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(6) };
}

/** How the notifier knows the stage's deployment group. */
export function notifiedDeploymentGroupOf(stage: StageInfo): NotifiedDeploymentGroup {
  return {
    applicationName: stage.service.deploymentGroup!.application.applicationName,
    deploymentGroupName: stage.service.deploymentGroup!.deploymentGroupName,
    serviceName: stage.service.serviceName,
    stageName: stage.stageName,
    consoleUrl: stage.service.deploymentsConsoleUrl,
    cluster: stage.service.cluster.clusterName,
    service: stage.service.service.serviceName,
    containerName: stage.service.containerName,
  };
}

/** How the notifier knows a service Amazon ECS deploys. */
export function notifiedEcsServiceOf(stage: StageInfo): NotifiedEcsService {
  return {
    serviceArn: stage.service.service.serviceArn,
    serviceName: stage.service.serviceName,
    stageName: stage.stageName,
    containerName: stage.service.containerName,
    consoleUrl: stage.service.deploymentsConsoleUrl,
  };
}
