/**
 * The topics of the severity thresholds above INFO, made only when a route asks for one: a
 * message of one severity is published to the pipeline's topic (every message) and to each of
 * these whose threshold is at most that severity.
 */
import { Annotations, PhysicalName, Token } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, IConstruct } from 'constructs';
import type { SeverityTopic } from '../../../contract/notification-routing';
import { recordPropProblem } from '../../private/validation';
import { NotificationRoute, NotificationRouteKind, NotificationSeverity } from '../notification-route';
import { isEmailAddress } from './stage-validation';

/** The construct id of each threshold's topic; INFO's is the pipeline's own topic. */
const TOPIC_IDS: Record<NotificationSeverity, string> = {
  [NotificationSeverity.INFO]: 'Topic',
  [NotificationSeverity.WARNING]: 'WarningTopic',
  [NotificationSeverity.CRITICAL]: 'CriticalTopic',
};

const SEVERITY_ORDER = [NotificationSeverity.INFO, NotificationSeverity.WARNING, NotificationSeverity.CRITICAL];

/** Whether a message of `severity` reaches a topic of `threshold`. */
export function severityReaches(severity: NotificationSeverity, threshold: NotificationSeverity): boolean {
  return SEVERITY_ORDER.indexOf(severity) >= SEVERITY_ORDER.indexOf(threshold);
}

/** The pipeline's topic, and the topics of the higher thresholds a route asked for, all encrypted by one key. */
export class SeverityTopics {
  private readonly topics = new Map<NotificationSeverity, sns.Topic>();

  constructor(private readonly scope: Construct, private readonly key: kms.IKey, infoTopic: sns.Topic) {
    this.topics.set(NotificationSeverity.INFO, infoTopic);
  }

  /** The topic of `threshold`, made on first use. */
  public topicOf(threshold: NotificationSeverity): sns.Topic {
    const existing = this.topics.get(threshold);
    if (existing) {
      return existing;
    }
    const topic = new sns.Topic(this.scope, TOPIC_IDS[threshold], {
      topicName: PhysicalName.GENERATE_IF_NEEDED,
      displayName: `Release notifications, ${threshold.toLowerCase()} and above`,
      masterKey: this.key,
      enforceSSL: true,
    });
    topic.grantPublish(new iam.ServicePrincipal('codestar-notifications.amazonaws.com'));
    this.topics.set(threshold, topic);
    return topic;
  }

  /** The topic of `threshold` if a route asked for it. */
  public existing(threshold: NotificationSeverity): sns.Topic | undefined {
    return this.topics.get(threshold);
  }

  /** The topics above INFO that a message of `severity` is published to besides the pipeline's. */
  public higherTopicsReachedBy(severity: NotificationSeverity): sns.Topic[] {
    return SEVERITY_ORDER.filter((threshold) => threshold !== NotificationSeverity.INFO && severityReaches(severity, threshold))
      .flatMap((threshold) => this.topics.get(threshold) ?? []);
  }

  /** The notifier's view: every topic above INFO, with its threshold. */
  public get configured(): SeverityTopic[] {
    return SEVERITY_ORDER.filter((threshold) => threshold !== NotificationSeverity.INFO && this.topics.has(threshold))
      .map((threshold) => ({ topicArn: this.topics.get(threshold)!.topicArn, minimumSeverity: threshold }));
  }

  /** Every topic above INFO, with its threshold. */
  public get configuredTopics(): { topic: sns.Topic; minimumSeverity: NotificationSeverity }[] {
    return SEVERITY_ORDER.filter((threshold) => threshold !== NotificationSeverity.INFO && this.topics.has(threshold))
      .map((threshold) => ({ topic: this.topics.get(threshold)!, minimumSeverity: threshold }));
  }

  /** Every topic, the pipeline's first. */
  public get all(): sns.Topic[] {
    return SEVERITY_ORDER.flatMap((threshold) => this.topics.get(threshold) ?? []);
  }

  /**
   * `alarm` publishes to the topics a message of `severity` reaches; each topic's policy admits
   * CloudWatch for this alarm alone (the key lets CloudWatch encrypt already).
   */
  public alarmTo(alarm: cloudwatch.Alarm, severity: NotificationSeverity, except?: sns.ITopic): void {
    const cloudwatchService = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    for (const topic of [this.topics.get(NotificationSeverity.INFO)!, ...this.higherTopicsReachedBy(severity)].filter((t) => t !== except)) {
      alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
      topic.addToResourcePolicy(new iam.PolicyStatement({
        actions: ['sns:Publish'],
        principals: [cloudwatchService],
        resources: [topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': alarm.alarmArn } },
      }));
    }
  }
}

/**
 * Subscribes the e-mail and Slack routes to the topic of their threshold; the addresses already
 * subscribed to a topic (`subscribed`, lower case, by topic) are not subscribed twice. PagerDuty
 * routes are left to the caller. Bad routes are recorded as problems of `notificationRoutes`.
 */
export function subscribeRoutes(owner: IConstruct, topics: SeverityTopics, routes: readonly NotificationRoute[],
  subscribed: Map<sns.Topic, Set<string>>, slackChannel?: chatbot.ISlackChannelConfiguration): void {
  routes.forEach((route, index) => {
    const topic = (): sns.Topic => topics.topicOf(route.minimumSeverity);
    if (route.kind === NotificationRouteKind.EMAIL) {
      const address = route.address ?? '';
      if (Token.isUnresolved(address)) {
        // Not `Email<index>`, the id of a deploy-time address of notificationEmails.
        new sns.Subscription(topic(), `RouteEmail${index}`, { topic: topic(), endpoint: address, protocol: sns.SubscriptionProtocol.EMAIL });
        return;
      }
      if (!isEmailAddress(address)) {
        recordPropProblem(owner, 'notificationRoutes', `route ${index} has e-mail address '${address}', which is not one; give an address like team@example.com`);
        return;
      }
      const target = topic();
      const known = subscribed.get(target) ?? new Set<string>();
      subscribed.set(target, known);
      if (known.has(address.toLowerCase())) {
        recordPropProblem(owner, 'notificationRoutes', `route ${index} subscribes ${address} to the ${route.minimumSeverity} messages a second time; `
          + 'remove the duplicate (notificationEmails receive every severity already)');
        return;
      }
      known.add(address.toLowerCase());
      target.addSubscription(new subscriptions.EmailSubscription(address));
    } else if (route.kind === NotificationRouteKind.SLACK) {
      const channel = route.channel!;
      if (channel === slackChannel) {
        recordPropProblem(owner, 'notificationRoutes', `route ${index} routes the Slack channel of slackChannel, which receives every message already; `
          + 'remove the route, or give the channel as a route alone (without slackChannel) to receive fewer messages');
        return;
      }
      if (channel instanceof chatbot.SlackChannelConfiguration) {
        channel.addNotificationTopic(topic());
      } else {
        Annotations.of(owner).addWarningV2('cdk-ecs-release:importedSlackRoute',
          `notificationRoutes: Slack channel ${channel.slackChannelConfigurationName} is imported: subscribe it in AWS Chatbot to the `
          + `${route.minimumSeverity} notification topic (output of ${topic().node.path}) to receive those messages`);
      }
    }
  });
}
