import { Duration, Validations } from 'aws-cdk-lib';
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
