/**
 * How release notifications are routed by severity, and what the notification forwarder (the
 * function that sends the critical ones to an HTTPS endpoint such as PagerDuty Events v2) is told.
 *
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Severities, least to most urgent. A message of one severity goes to every topic whose threshold is at most it. */
export const NOTIFICATION_SEVERITIES = ['INFO', 'WARNING', 'CRITICAL'] as const;
export type Severity = typeof NOTIFICATION_SEVERITIES[number];

/** The SNS message attribute every message the notifier publishes carries: its severity. */
export const SEVERITY_ATTRIBUTE = 'severity';

/** The SNS message attribute (`'true'`) of a message that ends an incident: a forwarder's subscription to every message filters on it. */
export const RESOLVES_ATTRIBUTE = 'resolves';

/** Whether `severity` reaches a topic whose threshold is `threshold`. */
export function reaches(severity: Severity, threshold: Severity): boolean {
  return NOTIFICATION_SEVERITIES.indexOf(severity) >= NOTIFICATION_SEVERITIES.indexOf(threshold);
}

/** A topic that receives messages of its threshold and above. */
export interface SeverityTopic {
  readonly topicArn: string;
  readonly minimumSeverity: Severity;
}

/** Environment variable holding `JSON.stringify(NotificationForwarderConfig)`. */
export const NOTIFICATION_FORWARDER_CONFIG_ENV = 'CDK_ECS_RELEASE_FORWARDER_CONFIG';

/** PagerDuty's Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/**
 * What the forwarder sends: PagerDuty Events API v2 events, with the secret as the routing key;
 * or the message as JSON ({@link ForwardedJson}), with the secret as the `Authorization` header.
 */
export type ForwarderFormat = 'PAGERDUTY_EVENTS_V2' | 'JSON';

/** The body of a `JSON` forwarder's POST. */
export interface ForwardedJson {
  readonly severity: Severity;
  readonly subject: string;
  readonly text: string;
  /** The notifier's facts; absent for a message another publisher put on the topic (an alarm, CodeStar, EventBridge). */
  readonly facts?: NotificationFacts;
  readonly messageId?: string;
  readonly timestamp?: string;
}

export interface NotificationForwarderConfig {
  /**
   * The Secrets Manager secret (ARN or name) whose `SecretString` is the PagerDuty integration
   * (routing) key, or for `JSON` the `Authorization` header's value.
   */
  readonly routingKeySecret: string;
  /** @default 'PAGERDUTY_EVENTS_V2' */
  readonly format?: ForwarderFormat;
  /** Where events are posted; {@link PAGERDUTY_EVENTS_URL} by default. */
  readonly endpointUrl?: string;
  /** The `payload.source` of every event, e.g. the pipeline's path. */
  readonly source: string;
  /** Milliseconds one POST may take. */
  readonly requestTimeoutMs?: number;
}

/** The structured part of every message the notifier publishes, in the `default` (JSON) text's `metadata.additionalContext`. */
export interface NotificationFacts {
  readonly severity: Severity;
  /** What happened, e.g. `DeploymentFailed`, `RollbackUnverified`, `AwaitingApproval`. */
  readonly eventType: string;
  readonly serviceName?: string;
  readonly stageName?: string;
  readonly version?: string;
  /** The same for every message of one deployment (or one alarm): a redelivery does not page twice, a success resolves. */
  readonly dedupKey: string;
  /** Whether this message ends an incident another message of the same `dedupKey` opened (a deployment succeeded, a rollback was verified). */
  readonly resolves?: boolean;
  readonly why?: string;
  readonly consoleUrl?: string;
}

/** The `kind` of what a rollback alarm's rule gives the notifier. */
export const ROLLBACK_ALARM_NOTICE_KIND = 'cdk-ecs-release:rollback-alarm';

/**
 * What the rule watching a stage's rollback alarms gives the notifier when one goes into ALARM:
 * the stage as the construct knows it, and the alarm as the event names it.
 */
export interface RollbackAlarmNotice {
  readonly kind: typeof ROLLBACK_ALARM_NOTICE_KIND;
  readonly serviceName: string;
  readonly stageName: string;
  /** `CODE_DEPLOY` or `ECS`: where to look for a deployment in flight. */
  readonly engine: 'CODE_DEPLOY' | 'ECS';
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  readonly serviceArn?: string;
  /** `'true'` for a stage that requires approval (production-like): the alarm is CRITICAL there. */
  readonly requiresApproval: string;
  /** The service's deployments in the console. */
  readonly consoleUrl?: string;
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly reason: string;
  readonly time: string;
  readonly region: string;
}
