/**
 * The forwarder of one PagerDuty (or HTTPS) route: a function subscribed to the topic of the
 * route's threshold that triggers (and resolves) PagerDuty incidents through the Events API v2,
 * or POSTs each message as JSON to the route's endpoint, with the secret read from Secrets
 * Manager at run time. What it cannot deliver after Lambda's retries lands in a dead-letter
 * queue, whose alarm tells the topics of WARNING.
 */
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import { NOTIFICATION_FORWARDER_CONFIG_ENV, NotificationForwarderConfig, RESOLVES_ATTRIBUTE } from '../../../contract/notification-routing';
import { createHookFunction } from '../../private/handler-function';
import { fitText, iamDescription } from '../../private/text-limits';
import { notifierDeadLetters } from './notifier-parts';

/** Properties of a {@link PagerDutyForwarder}. */
export interface PagerDutyForwarderProps {
  /** The release pipeline, which names the events' source. */
  readonly owner: IConstruct;
  /** The topic of the route's threshold. */
  readonly topic: sns.ITopic;
  /** The secret holding the integration key. */
  readonly routingKey: secretsmanager.ISecret;
  /**
   * The endpoint of an HTTPS route, which gets each message as JSON with the secret as its
   * `Authorization` header.
   * @default - PagerDuty's Events API v2, with the secret as the routing key
   */
  readonly url?: string;
  /**
   * The topic of every message, when the route's threshold is higher: the forwarder also
   * receives from it the messages that end an incident (a success, a verified rollback), which
   * are below the threshold, to resolve the incident.
   * @default - only the route's topic
   */
  readonly resolvesFrom?: sns.ITopic;
  readonly logRetention?: logs.RetentionDays;
}

/** A PagerDuty or HTTPS route's forwarder, its dead-letter queue and lost-notifications alarm. */
export class PagerDutyForwarder extends Construct {
  public readonly fn: lambda.Function;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly lostAlarm: cloudwatch.Alarm;
  /** The topic it is subscribed to. */
  public readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: PagerDutyForwarderProps) {
    super(scope, id);
    const ownerPath = props.owner.node.path;
    this.topic = props.topic;
    const deadLetters = notifierDeadLetters(this, ownerPath);
    this.deadLetterQueue = deadLetters.queue;
    this.lostAlarm = deadLetters.alarm;
    const config: NotificationForwarderConfig = {
      routingKeySecret: props.routingKey.secretArn,
      source: fitText(ownerPath, 200),
      ...(props.url ? { format: 'JSON', endpointUrl: props.url } : {}),
    };
    const { function: fn } = createHookFunction(this, {
      handler: 'notification-forwarder',
      hookName: 'notification forwarder',
      description: fitText(iamDescription(props.url
        ? `Forwards the release notifications of ${ownerPath} to an HTTPS endpoint`
        : `Pages through PagerDuty for the release notifications of ${ownerPath}`), 256),
      // Two attempts of ten seconds, with the secret read first.
      timeout: Duration.seconds(30),
      environment: { [NOTIFICATION_FORWARDER_CONFIG_ENV]: Lazy.uncachedString({ produce: () => Stack.of(this).toJsonString(config) }) },
      logRetention: props.logRetention,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.fn = fn;
    // The key is read at run time: it is in no template and no environment variable.
    props.routingKey.grantRead(fn);
    // SNS invokes the function asynchronously: Lambda retries twice, then the dead-letter queue;
    // a message SNS cannot deliver to the function at all goes there too.
    props.topic.addSubscription(new subscriptions.LambdaSubscription(fn, { deadLetterQueue: this.deadLetterQueue }));
    props.resolvesFrom?.addSubscription(new subscriptions.LambdaSubscription(fn, {
      deadLetterQueue: this.deadLetterQueue,
      filterPolicy: { [RESOLVES_ATTRIBUTE]: sns.SubscriptionFilter.stringFilter({ allowlist: ['true'] }) },
    }));
    new lambda.EventInvokeConfig(this, 'Retries', { function: fn, retryAttempts: 2, maxEventAge: Duration.hours(1) });
  }
}
