import type * as chatbot from 'aws-cdk-lib/aws-chatbot';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * How urgent a release notification is. A route receives the messages of its minimum severity
 * and above; the pipeline's notification topic (and `notificationEmails`, `slackChannel`)
 * receives them all.
 */
export enum NotificationSeverity {
  /** Something went as planned: a release or deployment started or succeeded. */
  INFO = 'INFO',
  /** A release failed or rolled back, or waits for a person: an approval, a pause, a lost notification. */
  WARNING = 'WARNING',
  /** Users may be hurt now: a rollback that could not be verified, a production rollback alarm outside a deployment. */
  CRITICAL = 'CRITICAL',
}

/** Options of {@link NotificationRoute.pagerDuty}. */
export interface PagerDutyRouteOptions {
  /**
   * The secret whose value (the whole `SecretString`, no JSON) is the integration key of a
   * PagerDuty service's Events API v2 integration. Only the forwarder function may read it; the
   * key is in no template and no environment variable.
   */
  readonly routingKey: secretsmanager.ISecret;
  /**
   * The least severity that pages.
   * @default NotificationSeverity.CRITICAL
   */
  readonly minimumSeverity?: NotificationSeverity;
}

/** Options of {@link NotificationRoute.https}. */
export interface HttpsRouteOptions {
  /** The endpoint, `https://…`, that receives each message as a JSON POST. */
  readonly url: string;
  /**
   * The secret whose whole value is sent as the `Authorization` header, e.g. `Bearer <token>`.
   * Only the forwarder function may read it.
   */
  readonly authorization: secretsmanager.ISecret;
  /**
   * The least severity that is sent.
   * @default NotificationSeverity.WARNING
   */
  readonly minimumSeverity?: NotificationSeverity;
}

/** What kind of subscriber a route is. */
export enum NotificationRouteKind {
  EMAIL = 'EMAIL',
  SLACK = 'SLACK',
  PAGER_DUTY = 'PAGER_DUTY',
  HTTPS = 'HTTPS',
}

/**
 * A subscriber of the release notifications of one severity and above: an e-mail address, a
 * Slack channel configured in AWS Chatbot, or a PagerDuty service (Events API v2).
 *
 * @exampleMetadata fixture=lib
 * @example
 * const notificationRoutes = [
 *   NotificationRoute.email('on-call@example.com', NotificationSeverity.WARNING),
 *   NotificationRoute.pagerDuty({ routingKey: secretsmanager.Secret.fromSecretNameV2(this, 'PagerDutyKey', 'release/pagerduty-routing-key') }),
 * ];
 */
export class NotificationRoute {
  /** An e-mail address (it confirms by mail) that receives the messages of `minimumSeverity` and above. */
  public static email(address: string, minimumSeverity: NotificationSeverity): NotificationRoute {
    return new NotificationRoute(NotificationRouteKind.EMAIL, minimumSeverity, { address });
  }

  /**
   * A Slack channel configured in AWS Chatbot that receives the messages of `minimumSeverity` and
   * above. A channel defined in this app is subscribed; an imported one is reported as a warning,
   * with the topic to subscribe it to in AWS Chatbot.
   */
  public static slack(channel: chatbot.ISlackChannelConfiguration, minimumSeverity: NotificationSeverity): NotificationRoute {
    return new NotificationRoute(NotificationRouteKind.SLACK, minimumSeverity, { channel });
  }

  /**
   * A PagerDuty service, through its Events API v2 integration: a function subscribed to the
   * topic of `minimumSeverity` triggers an incident per deployment (or alarm) and resolves it when
   * the same service and stage deploy successfully or the rollback is verified.
   */
  public static pagerDuty(options: PagerDutyRouteOptions): NotificationRoute {
    return new NotificationRoute(NotificationRouteKind.PAGER_DUTY, options.minimumSeverity ?? NotificationSeverity.CRITICAL,
      { routingKey: options.routingKey });
  }

  /**
   * An HTTPS endpoint of your own: a function subscribed to the topic of `minimumSeverity` POSTs
   * each message as JSON (`severity`, `subject`, `text`, and from the deployment notifier its
   * `facts`: service, stage, version, why, console link, dedup key) with the secret's value as
   * the `Authorization` header.
   */
  public static https(options: HttpsRouteOptions): NotificationRoute {
    return new NotificationRoute(NotificationRouteKind.HTTPS, options.minimumSeverity ?? NotificationSeverity.WARNING,
      { routingKey: options.authorization, url: options.url });
  }

  /** The kind of subscriber. */
  public readonly kind: NotificationRouteKind;
  /** The least severity the subscriber receives. */
  public readonly minimumSeverity: NotificationSeverity;
  /** The e-mail address, for an e-mail route. */
  public readonly address?: string;
  /** The Slack channel, for a Slack route. */
  public readonly channel?: chatbot.ISlackChannelConfiguration;
  /** The secret holding the integration key of a PagerDuty route, or the `Authorization` header of an HTTPS route. */
  public readonly routingKey?: secretsmanager.ISecret;
  /** The endpoint of an HTTPS route. */
  public readonly url?: string;

  private constructor(kind: NotificationRouteKind, minimumSeverity: NotificationSeverity, target: {
    readonly address?: string; readonly channel?: chatbot.ISlackChannelConfiguration; readonly routingKey?: secretsmanager.ISecret;
    readonly url?: string;
  }) {
    this.url = target.url;
    this.kind = kind;
    this.minimumSeverity = minimumSeverity;
    this.address = target.address;
    this.channel = target.channel;
    this.routingKey = target.routingKey;
  }
}
