import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The dead-letter queue of a function's EventBridge targets and asynchronous invocations, `whose`
 * naming them for cdk-nag (e.g. `the deployment notifications`): encrypted, SSL only, kept 14 days.
 */
export function createDeadLetterQueue(scope: Construct, whose: string): sqs.Queue {
  const queue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself the dead-letter queue of ${whose}.`,
  });
  return queue;
}

/**
 * A dead-letter queue (as {@link createDeadLetterQueue}) with an alarm `alarmId` that fires as
 * soon as one message lands there: what it holds was lost to its function after every retry.
 */
export function createWatchedDeadLetterQueue(scope: Construct, whose: string, alarmId: string, alarmDescription: string): {
  queue: sqs.Queue; alarm: cloudwatch.Alarm;
} {
  const queue = createDeadLetterQueue(scope, whose);
  const alarm = new cloudwatch.Alarm(scope, alarmId, {
    alarmDescription,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  return { queue, alarm };
}
