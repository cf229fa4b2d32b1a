import { Annotations, Duration, Lazy, Names, PhysicalName, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as notifications from 'aws-cdk-lib/aws-codestarnotifications';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import {
  NOTIFIED_FAILURE_STATES, NotifiedDeploymentGroup, NotifiedEcsService, RELEASE_NOTIFIER_CONFIG_ENV, ReleaseNotifierConfig,
} from '../../../contract/release-notifier';
import { RELEASE_EVENT_SOURCE, ROLLBACK_VERIFICATION_DETAIL_TYPE } from '../../../contract/release-events';
import { defaultPolicyOf } from '../../private/acknowledgements';
import { consoleUrl } from '../../private/console-url';
import { grantDeploymentTargetReads, grantDescribeServiceTaskSets, grantDescribeTaskDefinitions } from '../../private/deployment-target-grants';
import { createHookFunction } from '../../private/handler-function';
import { fitText, iamDescription } from '../../private/text-limits';
import { grantReadStoppedTasks } from '../../private/deployment-target-grants';
import { sameEnvironment } from '../../private/environment';
import { DeploymentNotifier, notifiedDeploymentGroupOf, notifierDeadLetters, notifierTargetOptions } from './notifier-parts';
import { RemoteNotifier } from './remote-notifier';
import { isRemoteStage } from './remote-stage';
import { StageInfo, deploymentEventPattern } from './stage-naming';
import { NotificationRouteKind, NotificationSeverity } from '../notification-route';
import { PagerDutyForwarder } from './pagerduty-forwarder';
import { SeverityTopics, subscribeRoutes } from './severity-topics';
import { isEmailAddress } from './stage-validation';
import { recordPropProblem } from '../../private/validation';
import type { ReleasePipelineProps } from '../release-pipeline-props';

/** Properties of {@link ReleaseNotifications}. */
export interface ReleaseNotificationsProps extends Pick<ReleasePipelineProps, 'notificationEmails' | 'slackChannel' | 'slackWorkspaceId'
  | 'slackChannelId' | 'notifyDeploymentSuccess' | 'notifierLogRetention' | 'notificationRoutes' | 'notifyDeploymentStart'> {
  /** The release pipeline: its path names the resources, its warnings go on it. */
  readonly owner: IConstruct;
  /** The pipeline whose executions are notified. */
  readonly pipeline: codepipeline.Pipeline;
  /** The stages so far; read at synthesis for the notifier's configuration. */
  readonly stages: () => readonly StageInfo[];
  /** The environment variable that holds the release version. */
  readonly releaseVersionVariable: string;
  /**
   * The notified services the pipeline does not deploy, each as a stage named by its label;
   * read at synthesis. Those on CodeDeploy join the stages' deployment groups.
   * @default - none
   */
  readonly notifiedServices?: () => readonly StageInfo[];
  /**
   * The notified services Amazon ECS deploys itself; read at synthesis.
   * @default - none
   */
  readonly ecsServices?: () => readonly NotifiedEcsService[];
}

/**
 * The release notifications: an encrypted topic (with e-mail and Slack subscribers), the
 * pipeline's execution notifications, and the function that tells the topic which service,
 * stage and version a deployment concerns, with its dead-letter queue and an alarm on it.
 */
export class ReleaseNotifications extends Construct {
  public readonly topic: sns.Topic;
  /** The key the topic is encrypted with: whoever publishes needs its data keys. */
  public readonly key: kms.Key;
  public readonly slackChannel?: chatbot.ISlackChannelConfiguration;
  public readonly notifier: lambda.Function;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly lostAlarm: cloudwatch.Alarm;
  /** The pipeline's topic and those of the thresholds above INFO that routes asked for. */
  public readonly severityTopics: SeverityTopics;
  /** The forwarders of the PagerDuty and HTTPS routes. */
  public readonly forwarders: PagerDutyForwarder[] = [];
  private readonly owner: IConstruct;
  private readonly releaseVersionVariable: string;
  private readonly logRetention?: logs.RetentionDays;
  private readonly notifiedStates: string[];
  private eventBridgeMayEncrypt = false;
  /** The incident reports' bucket and the services and stages it has reports of: rollback messages link their report. */
  private incidentReports?: () => { bucket: string; releaseKeys: string[] };
  /** Whether deployment starts are notified too. */
  public readonly notifiesStart: boolean;

  constructor(scope: Construct, id: string, props: ReleaseNotificationsProps) {
    super(scope, id);
    this.owner = props.owner;
    this.releaseVersionVariable = props.releaseVersionVariable;
    this.logRetention = props.notifierLogRetention;
    const ownerPath = props.owner.node.path;
    const key = new kms.Key(this, 'Key', {
      description: fitText(`Encrypts the release notifications of ${ownerPath}`, 8192),
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key = key;
    const topic = new sns.Topic(this, 'Topic', {
      // Named by CDK when the notifier of a stage in another account or region publishes to it.
      topicName: PhysicalName.GENERATE_IF_NEEDED,
      displayName: 'Release notifications',
      masterKey: key,
      enforceSSL: true,
    });
    this.topic = topic;
    // Pipeline notifications publish through the topic policy; the deployment notifier and the
    // approvals through their roles.
    topic.grantPublish(new iam.ServicePrincipal('codestar-notifications.amazonaws.com'));
    // Each valid address once: a second subscription of one address would throw; the duplicate
    // and an invalid address are recorded as problems of notificationEmails.
    const subscribed = new Set<string>();
    this.severityTopics = new SeverityTopics(this, key, topic);
    (props.notificationEmails ?? []).forEach((email, index) => {
      if (Token.isUnresolved(email)) {
        // A deploy-time address: its text is no construct id, its place in the list is.
        new sns.Subscription(topic, `Email${index}`, { topic, endpoint: email, protocol: sns.SubscriptionProtocol.EMAIL });
      } else if (isEmailAddress(email) && !subscribed.has(email.toLowerCase())) {
        subscribed.add(email.toLowerCase());
        // The address is the subscription's id, as aws-cdk-lib's EmailSubscription makes it:
        // deployed subscriptions keep their logical ids. Only a checked address gets here.
        topic.addSubscription(new subscriptions.EmailSubscription(email));
      }
    });

    let slackChannel = props.slackChannel;
    if (slackChannel) {
      if (slackChannel instanceof chatbot.SlackChannelConfiguration) {
        slackChannel.addNotificationTopic(topic);
      } else {
        Annotations.of(props.owner).addWarningV2('cdk-ecs-release:importedSlackChannel',
          `slackChannel ${slackChannel.slackChannelConfigurationName} is imported: subscribe it to the notification topic in AWS Chatbot to receive deployment failures`);
      }
    } else if (props.slackWorkspaceId && props.slackChannelId) {
      slackChannel = new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: Names.uniqueResourceName(this, { maxLength: 128, separator: '-', allowedSpecialCharacters: '-_' }),
        slackWorkspaceId: props.slackWorkspaceId,
        slackChannelId: props.slackChannelId,
        notificationTopics: [topic],
        loggingLevel: chatbot.LoggingLevel.ERROR,
      });
    }
    this.slackChannel = slackChannel;
    this.routeBySeverity(props, subscribed);

    new notifications.NotificationRule(this, 'PipelineExecutions', {
      source: props.pipeline,
      events: [
        'codepipeline-pipeline-pipeline-execution-started',
        'codepipeline-pipeline-pipeline-execution-succeeded',
        'codepipeline-pipeline-pipeline-execution-failed',
      ],
      targets: [topic],
      detailType: notifications.DetailType.FULL,
    });
    const warnings = this.severityTopics.existing(NotificationSeverity.WARNING);
    if (warnings) {
      // A failed release and an approval waiting for a person are WARNING; the approval request
      // itself reaches the pipeline's topic from the approval action.
      new notifications.NotificationRule(this, 'PipelineWarnings', {
        source: props.pipeline,
        events: ['codepipeline-pipeline-pipeline-execution-failed', 'codepipeline-pipeline-manual-approval-needed'],
        targets: [warnings],
        detailType: notifications.DetailType.FULL,
      });
    }

    this.notifiedStates = [...NOTIFIED_FAILURE_STATES, 'READY', ...(props.notifyDeploymentSuccess ? ['SUCCESS'] : []),
      ...(props.notifyDeploymentStart ? ['START'] : [])];
    this.notifiesStart = props.notifyDeploymentStart ?? false;
    const notifierScope = new Construct(this, 'DeploymentNotifier');
    const deadLetters = notifierDeadLetters(notifierScope, ownerPath);
    this.deadLetterQueue = deadLetters.queue;
    this.lostAlarm = deadLetters.alarm;
    // A lost notification is told through the topics themselves (WARNING): the notifier failed,
    // not the topics. Each topic's policy admits this alarm alone: no other account's alarm
    // publishes through the service principal.
    this.severityTopics.alarmTo(this.lostAlarm, NotificationSeverity.WARNING);
    for (const forwarder of this.forwarders) {
      // A page that could not be sent is told to the topics the forwarder does not listen to.
      this.severityTopics.alarmTo(forwarder.lostAlarm, NotificationSeverity.WARNING, forwarder.topic);
    }
    const cloudwatchService = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    key.grant(cloudwatchService, 'kms:Decrypt', 'kms:GenerateDataKey*');
    const config = (): ReleaseNotifierConfig => {
      const ecsServices = [...props.ecsServices?.() ?? []];
      const severityTopics = this.severityTopics.configured;
      return {
        // Only with routes above INFO, or deployment starts: else the configuration stays as it was.
        ...(severityTopics.length > 0 ? { severityTopics } : {}),
        ...(this.notifiesStart ? { notifyDeploymentStart: true } : {}),
        deploymentGroups: notifiedDeploymentGroups(props.owner, [...props.stages(), ...props.notifiedServices?.() ?? []]),
        // Only with services on Amazon ECS: a pipeline without them keeps its configuration as it was.
        ...(ecsServices.length > 0 ? { ecsServices, notifyDeploymentSuccess: this.notifiesSuccess } : {}),
        topicArn: topic.topicArn,
        releaseVersionVariable: props.releaseVersionVariable,
        pipelineConsoleUrl: consoleUrl(props.owner, `codesuite/codepipeline/pipelines/${props.pipeline.pipelineName}/executions`),
        ...(this.incidentReports ? { incidentReports: this.incidentReports() } : {}),
      };
    };
    const { function: fn } = createHookFunction(notifierScope, {
      handler: 'release-notifier',
      hookName: 'release notifier',
      // Its role's description too: IAM's characters, within Lambda's 256.
      description: fitText(iamDescription(`Tells the release notifications of ${ownerPath} which service, stage and version a deployment `
        + 'concerns, and why it failed'), 256),
      timeout: Duration.minutes(1),
      environment: {
        // The stages are listed at synthesis: more may be added after this.
        [RELEASE_NOTIFIER_CONFIG_ENV]: Lazy.uncachedString({ produce: () => Stack.of(this).toJsonString(config()) }),
      },
      logRetention: props.notifierLogRetention,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.notifier = fn;
    // The outcome of a rollback's verification, put on this account's and region's default bus.
    new events.Rule(notifierScope, 'RollbackVerifications', {
      description: fitText(`Rollback verification results, for the release notifications of ${ownerPath}`, 512),
      eventPattern: { source: [RELEASE_EVENT_SOURCE], detailType: [ROLLBACK_VERIFICATION_DETAIL_TYPE] },
      targets: [this.notifierTarget()],
    });
    for (const each of this.severityTopics.all) {
      each.grantPublish(fn);
    }
    Validations.of(defaultPolicyOf(fn.role!)).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: 'sns:Publish to the KMS-encrypted notification topic needs data keys of its key; aws-cdk-lib grants them on that key only.',
    });
    // What every stage's lookup needs; each stage adds its service's task sets.
    grantDeploymentTargetReads(fn.role!);
    grantDescribeTaskDefinitions(fn.role!);
  }

  /**
   * The notifier tells the topic when a deployment of this stage fails or is stopped (and rolled
   * back): EventBridge invokes it with the deployment's state change, and it may read this
   * stage's deployments and green task sets. `scope` holds the stage's rule and policy.
   */
  public notifyDeployments(scope: Construct, stage: StageInfo): void {
    if (isRemoteStage(this.owner, stage)) {
      // The rule and the notifier's grants in the stage's own environment.
      const remote = this.remoteNotifierOf(stage);
      watchCodeDeployDeployments(remote.watch(stage), stage, remote, this.notifiedStates);
      return;
    }
    watchCodeDeployDeployments(scope, stage, this.localNotifier, this.notifiedStates);
  }

  /** The notifier of this account and region, as the target of the rules that watch deployments here. */
  public get localNotifier(): DeploymentNotifier {
    return { fn: this.notifier, target: () => this.notifierTarget() };
  }

  /**
   * The notifier in the stack of a stage's service in another environment, publishing to this
   * topic: one per stack, for every stage's service there.
   */
  public remoteNotifierOf(stage: StageInfo): RemoteNotifier {
    return RemoteNotifier.of(Stack.of(stage.service), {
      owner: this.owner, topic: this.topic, topicKey: this.key,
      releaseVersionVariable: this.releaseVersionVariable, notifyDeploymentSuccess: this.notifiesSuccess, logRetention: this.logRetention,
      notifyDeploymentStart: this.notifiesStart,
      severityTopics: this.severityTopics.configuredTopics,
    });
  }

  /**
   * Subscribes `notificationRoutes`: e-mail and Slack to the topic of their threshold, and a
   * forwarder per PagerDuty route, named by its secret's construct id.
   */
  private routeBySeverity(props: ReleaseNotificationsProps, subscribedToInfo: Set<string>): void {
    const routes = props.notificationRoutes ?? [];
    const info = this.severityTopics.topicOf(NotificationSeverity.INFO);
    subscribeRoutes(props.owner, this.severityTopics, routes, new Map([[info, subscribedToInfo]]), this.slackChannel);
    routes.forEach((route, index) => {
      if (route.kind !== NotificationRouteKind.PAGER_DUTY && route.kind !== NotificationRouteKind.HTTPS) {
        return;
      }
      const https = route.kind === NotificationRouteKind.HTTPS;
      if (https && !Token.isUnresolved(route.url) && !/^https:\/\/[^\s/]+/.test(route.url ?? '')) {
        recordPropProblem(props.owner, 'notificationRoutes', `route ${index} has URL '${route.url}'; give an https:// URL, e.g. https://hooks.example.com/releases`);
        return;
      }
      const id = `${https ? 'Https' : 'PagerDuty'}${route.routingKey!.node.id.replace(/[^A-Za-z0-9]/g, '')}`;
      if (this.node.tryFindChild(id)) {
        recordPropProblem(props.owner, 'notificationRoutes', `route ${index} ${https ? 'posts' : 'pages'} with the secret ${route.routingKey!.node.path} `
          + `a second time; remove the duplicate, or give each ${https ? 'endpoint' : 'PagerDuty service'} its own secret`);
        return;
      }
      this.forwarders.push(new PagerDutyForwarder(this, id, {
        owner: props.owner,
        topic: this.severityTopics.topicOf(route.minimumSeverity),
        routingKey: route.routingKey!,
        ...(https ? { url: route.url } : {}),
        // PagerDuty resolves its incident on a message below its threshold; an endpoint gets its threshold alone.
        ...(https || route.minimumSeverity === NotificationSeverity.INFO ? {} : { resolvesFrom: info }),
        logRetention: props.notifierLogRetention,
      }));
    });
  }

  /** Whether successful deployments are notified too. */
  public get notifiesSuccess(): boolean {
    return this.notifiedStates.includes('SUCCESS');
  }

  /**
   * The notifier as the target of a rule: an event it could not take is retried for six hours,
   * then kept in the dead-letter queue, where the lost-notifications alarm sees it.
   */
  public notifierTarget(): targets.LambdaFunction {
    return new targets.LambdaFunction(this.notifier, this.eventTargetOptions);
  }

  /** How every rule of the notifications delivers: retried for six hours, then to the dead-letter queue. */
  public get eventTargetOptions(): targets.TargetBaseProps {
    return notifierTargetOptions(this.deadLetterQueue);
  }

  /** Links each rollback message of the services and stages of `releaseKeys` (read at synthesis) to its incident report in `bucketName`. */
  public linkIncidentReports(bucketName: string, releaseKeys: () => string[]): void {
    this.incidentReports = () => ({ bucket: bucketName, releaseKeys: releaseKeys() });
  }

  /**
   * Lets EventBridge encrypt what its rules publish to the topic (the topic's policy says which
   * rules may publish): SNS asks the topic's key for a data key on the publisher's behalf.
   */
  public allowEventBridgeToEncrypt(): void {
    if (this.eventBridgeMayEncrypt) {
      return;
    }
    this.eventBridgeMayEncrypt = true;
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }));
  }
}

/**
 * `notifier` tells the topic when a deployment of the stage's CodeDeploy deployment group reaches
 * one of `states`: EventBridge invokes it with the state change, and it may read this stage's
 * deployments and green task sets. `scope` holds the rule and policy.
 */
export function watchCodeDeployDeployments(scope: Construct, stage: StageInfo, notifier: DeploymentNotifier, states: string[]): void {
  const service = stage.service;
  const notifies = `${states.includes('START') ? 'started, ' : ''}${states.includes('SUCCESS') ? 'was deployed, failed or was stopped' : 'failed or was stopped'}`
    + `${states.includes('READY') ? ', or waits for approval' : ''}`;
  new events.Rule(scope, 'DeploymentFailed', {
    description: `${service.serviceName}: a ${stage.stageName} deployment ${notifies}`,
    eventPattern: deploymentEventPattern([stage], states),
    targets: [notifier.target()],
  });
  const role = notifier.fn.role!;
  // GetDeployment authorizes on the deployment group.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['codedeploy:GetDeployment'],
    resources: [service.deploymentGroup!.deploymentGroupArn],
  }));
  // Why green tasks stopped, for a failure no hook or alarm explains.
  grantReadStoppedTasks(scope, role, service.cluster);
  grantDescribeServiceTaskSets(role, service);
}

/** The stages the notifier knows, by deployment group: those EventBridge here can see. */
function notifiedDeploymentGroups(owner: IConstruct, stages: readonly StageInfo[]): NotifiedDeploymentGroup[] {
  const here = Stack.of(owner);
  return stages.filter((s) => sameEnvironment(Stack.of(s.service), here) && s.service.deploymentGroup).map(notifiedDeploymentGroupOf);
}
