/**
 * Notifications of the services a release pipeline does not deploy: those Amazon ECS deploys
 * itself when `cdk deploy` updates them, and CodeDeploy services released another way. Their
 * deployments, and on Amazon ECS the pauses that wait for a person's approval, go to the
 * pipeline's topic.
 */
import { serviceArnPatternOf } from '../../private/ecs-arns';
import { Annotations, Lazy, Names, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import {
  ECS_DEPLOYMENT_DETAIL_TYPE, ECS_DEPLOYMENT_EVENT_SOURCE, NOTIFIED_ECS_DEPLOYMENT_EVENTS, NotifiedEcsService,
} from '../../../contract/release-notifier';
import { addAcknowledgedScopedStatement } from '../../private/acknowledgements';
import { describeEnvironment, hasExplicitEnvironment, sameEnvironment } from '../../private/environment';
import { isRemoteStage } from './remote-stage';
import { fitText } from '../../private/text-limits';
import { propMessage, recordPropProblem, reportAtSynthesis } from '../../private/validation';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import { NotificationSeverity } from '../notification-route';
import type { DeploymentNotifier } from './notifier-parts';
import { notifiedEcsServiceOf } from './notifier-parts';
import type { ReleaseNotifications } from './release-notifications';
import type { StageInfo } from './stage-naming';

/** EventBridge caps a rule's description at 512 characters. */
const MAX_RULE_DESCRIPTION = 512;

/** Amazon ECS's EventBridge `detail-type` of lifecycle hook state changes, a pause hook's among them. */
const ECS_HOOK_DETAIL_TYPE = 'ECS Hook State Change';
/** A pause hook holds a deployment until ContinueServiceDeployment continues or rolls it back. */
const HOOK_AWAITING_ACTION = 'HOOK_AWAITING_ACTION';
/** How a pause ends: continued, rolled back, or run out (its timeout action then applies). */
const PAUSE_ENDED_EVENTS = ['HOOK_SUCCEEDED', 'HOOK_FAILED', 'HOOK_TIMED_OUT'];

/** A deployment's start (or a rollback's): notified, when asked, unless it is a rollback's. */
const ECS_DEPLOYMENT_IN_PROGRESS = 'SERVICE_DEPLOYMENT_IN_PROGRESS';

/** Properties of {@link NotifiedServices}. */
export interface NotifiedServicesProps {
  /** The release pipeline: its problems and warnings go on it. */
  readonly owner: IConstruct;
  /** The pipeline's notifications, whose topic and notifier the services' deployments go to. */
  readonly notifications: ReleaseNotifications;
  /** The services to notify, as given. */
  readonly services: readonly IBlueGreenService[];
  /** The pipeline's stages so far; a service deployed by one of them is refused. */
  readonly stages: () => readonly StageInfo[];
}

/**
 * The label a notified service's deployments carry where a stage's carry its stage name: the
 * service construct's id, e.g. `Preview`, as people name the environment (the service's name is
 * in every notification already).
 */
export function notifiedServiceLabel(service: IBlueGreenService): string {
  return service.node.id;
}

/**
 * The notifications of the services a release pipeline does not deploy. A service on Amazon ECS
 * gets a rule that gives its failed and completed deployments to the notifier (with what the
 * notifier reads of them), and its cluster two rules that publish to the topic the deployments
 * waiting at a pause hook (`approvalWait`) and how each wait ended. A CodeDeploy service is
 * notified as a stage is.
 */
export class NotifiedServices extends Construct {
  /** The services notified here, those in the pipeline's account and region, each as a stage named by its label. */
  private readonly notified: StageInfo[] = [];
  private readonly notifications: ReleaseNotifications;
  /** The names of the notified services of each cluster whose pauses are announced, by the cluster's ARN. */
  private readonly pauseAnnouncements = new Map<string, string[]>();
  private pausesScope?: Construct;

  constructor(scope: Construct, id: string, props: NotifiedServicesProps) {
    super(scope, id);
    this.notifications = props.notifications;
    const owner = props.owner;
    const here = Stack.of(owner);
    const seen = new Set<IBlueGreenService>();
    for (const service of props.services) {
      if (seen.has(service)) {
        recordPropProblem(owner, 'notifiedServices', `lists ${service.node.path} twice; each service is notified once, remove the duplicate`);
        continue;
      }
      seen.add(service);
      // A stage's service is reported at synthesis (a stage may still be added), and not built twice.
      if (props.stages().some((stage) => stage.service === service)) {
        continue;
      }
      const serviceStack = Stack.of(service);
      const stage: StageInfo = { stageName: notifiedServiceLabel(service), service };
      if (!sameEnvironment(serviceStack, here)) {
        if (hasExplicitEnvironment(serviceStack) && hasExplicitEnvironment(here)) {
          // Notified from its own environment, as a stage there is.
          this.notifyRemote(stage);
          continue;
        }
        Annotations.of(owner).addWarningV2('cdk-ecs-release:remoteDeploymentEvents',
          `notified service ${service.node.path} is in ${describeEnvironment(serviceStack)}, the pipeline in ${describeEnvironment(here)}: `
          + 'its deployments are notified from its own environment only between stacks with an explicit account and region; give both stacks '
          + 'env: { account, region }, or define the service in a stack of the pipeline\'s environment');
        continue;
      }
      this.notified.push(stage);
      const serviceScope = new Construct(this, scopeIdOf(this, service));
      if (service.engine.kind === DeploymentEngineKind.ECS) {
        this.notifyEcsDeployments(serviceScope, stage);
        this.announcePauses(stage);
      } else {
        props.notifications.notifyDeployments(serviceScope, stage);
      }
    }
    reportAtSynthesis(owner, () => props.stages().flatMap((stage) => seen.has(stage.service)
      ? [propMessage(owner, 'notifiedServices', `lists ${stage.service.node.path}, which stage '${stage.stageName}' deploys; that stage's `
        + 'deployments are notified already, remove the service from notifiedServices')]
      : []));
  }

  /**
   * Notifies the deployments of a stage whose service Amazon ECS deploys (the stage updates its
   * stack), as those of a notified service, under the stage's name. `scope` holds its rule.
   */
  public notifyEcsStage(scope: Construct, owner: IConstruct, stage: StageInfo): void {
    if (isRemoteStage(owner, stage)) {
      // Its pauses are not announced: EventBridge there cannot publish to the pipeline's topic.
      const remote = this.notifications.remoteNotifierOf(stage);
      watchEcsDeployments(remote.watch(stage), stage, remote, this.notifications.notifiesSuccess, this.notifications.notifiesStart);
      return;
    }
    this.notified.push(stage);
    this.notifyEcsDeployments(scope, stage);
    this.announcePauses(stage);
  }

  /** Notifies a service in another environment from the pipeline's notifier there. */
  private notifyRemote(stage: StageInfo): void {
    if (stage.service.engine.kind === DeploymentEngineKind.ECS) {
      const remote = this.notifications.remoteNotifierOf(stage);
      watchEcsDeployments(remote.watch(stage), stage, remote, this.notifications.notifiesSuccess, this.notifications.notifiesStart);
    } else {
      // The notifications put a stage of another environment in its own stack.
      this.notifications.notifyDeployments(this, stage);
    }
  }

  /** The notified services CodeDeploy deploys, each as a stage named by its label. */
  public get codeDeployStages(): StageInfo[] {
    return this.notified.filter((stage) => stage.service.engine.kind !== DeploymentEngineKind.ECS);
  }

  /** The notified services Amazon ECS deploys, as the notifier's configuration lists them. */
  public get ecsServices(): NotifiedEcsService[] {
    return this.notified.filter((stage) => stage.service.engine.kind === DeploymentEngineKind.ECS).map(notifiedEcsServiceOf);
  }

  /** EventBridge gives the service's failed and completed deployments to the notifier. */
  private notifyEcsDeployments(scope: Construct, stage: StageInfo): void {
    watchEcsDeployments(scope, stage, this.notifications.localNotifier, this.notifications.notifiesSuccess, this.notifications.notifiesStart);
  }

  /**
   * A deployment held by a pause hook (the service's `approvalWait`, or a user's own) is announced
   * on the topic with the commands that continue or roll it back, and so is how the hold ended.
   * One pair of rules per cluster, matched on the cluster rather than the service: a rule naming
   * the service would be created only once the service's own update (or creation) is done, after
   * the pause it ought to announce; the cluster is there before. So every pause of the cluster's
   * services is announced, each by the service ARN the event carries.
   */
  private announcePauses(stage: StageInfo): void {
    const cluster = stage.service.cluster;
    const key = JSON.stringify(Stack.of(this).resolve(cluster.clusterArn));
    const known = this.pauseAnnouncements.get(key);
    if (known) {
      known.push(stage.service.serviceName);
      return;
    }
    const services = [stage.service.serviceName];
    this.pauseAnnouncements.set(key, services);
    this.pausesScope ??= new Construct(this, 'Pauses');
    const scopeId = scopeIdOf(this.pausesScope, cluster);
    const scope = new Construct(this.pausesScope, scopeId);
    const topic = this.notifications.topic;
    // A pause awaiting a person is WARNING: it goes to the WARNING topic too, when a route asked for one.
    const warnings = this.notifications.severityTopics.higherTopicsReachedBy(NotificationSeverity.WARNING);
    // SnsTopic would let events.amazonaws.com publish for any rule; given the topic as a reference,
    // it grants nothing, and the topic's policy below admits these two rules alone. The target is
    // still the topic here, in the rule's own environment.
    const topicReference = sns.Topic.fromTopicArn(scope, 'NotificationTopic', topic.topicArn);
    const target = (message: events.RuleTargetInput, to: sns.ITopic = topic, reference: sns.ITopic = topicReference): events.IRuleTarget => {
      const publish = new targets.SnsTopic(reference, { message, ...this.notifications.eventTargetOptions });
      return { bind: (rule, id) => ({ ...publish.bind(rule, id), targetResource: to }) };
    };
    const warningTargets = warnings.map((warning) => target(pauseRequestMessage(), warning,
      sns.Topic.fromTopicArn(scope, `${warning.node.id}Reference`, warning.topicArn)));
    const pattern = (eventNames: string[]): events.EventPattern => ({
      source: [ECS_DEPLOYMENT_EVENT_SOURCE],
      detailType: [ECS_HOOK_DETAIL_TYPE],
      detail: { eventName: eventNames, hookType: ['PAUSE'], clusterArn: [cluster.clusterArn] },
    });
    const of = Lazy.string({ produce: () => fitText(services.join(', '), 300) });
    const requests = new events.Rule(scope, 'ApprovalRequests', {
      description: `Deployments that wait at a pause hook, of ${of} or another service of its cluster`,
      eventPattern: pattern([HOOK_AWAITING_ACTION]),
      targets: [target(pauseRequestMessage()), ...warningTargets],
    });
    const decisions = new events.Rule(scope, 'ApprovalDecisions', {
      description: `Pause hooks that were continued, rolled back or ran out, of ${of} or another service of its cluster`,
      eventPattern: pattern(PAUSE_ENDED_EVENTS),
      targets: [target(pauseEndedMessage())],
    });
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: `AnnouncePauses${scopeId}`,
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { ArnEquals: { 'aws:SourceArn': [requests.ruleArn, decisions.ruleArn] } },
    }));
    for (const warning of warnings) {
      warning.addToResourcePolicy(new iam.PolicyStatement({
        sid: `AnnouncePauses${scopeId}`,
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [warning.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': requests.ruleArn } },
      }));
    }
    this.notifications.allowEventBridgeToEncrypt();
  }
}

/**
 * The id, under `parent`, of the constructs notifying `subject` (a service, a cluster): its path,
 * from its stack when that is the pipeline's, else from the app (e.g. `Preview`, `ServicesPreview`).
 * Not its place in a list, so that reordering the list keeps every rule.
 */
function scopeIdOf(parent: Construct, subject: IConstruct): string {
  const scopes = subject.node.scopes;
  const start = Stack.of(subject) === Stack.of(parent) ? scopes.indexOf(Stack.of(subject)) + 1 : 1;
  const id = scopes.slice(start).map((s) => s.node.id.replace(/[^A-Za-z0-9]/g, '')).join('');
  // Two paths may join alike ('A/BC', 'AB/C'): the second then has the unique id of its path.
  return id !== '' && !parent.node.tryFindChild(id) ? id : Names.nodeUniqueId(subject.node);
}

/** A field of a hook event's detail, as the rule's input fills it in. */
function detail(field: string): string {
  return events.EventField.fromPath(`$.detail.${field}`);
}

/** The command that ends a pause with `action`, for the deployment and hook the event names. */
function continueCommand(action: 'CONTINUE' | 'ROLLBACK'): string {
  return `aws ecs continue-service-deployment --service-deployment-arn ${detail('serviceDeploymentArn')} --hook-id ${detail('hookId')} --action ${action}`;
}

/**
 * What the team reads when a deployment waits: which service and deployment, the exact commands
 * that continue or roll it back, and when the hook's timeout action (a rollback, with
 * `approvalWait`) applies.
 */
export function pauseRequestMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText([
    `${detail('serviceArn')} waits for approval at ${detail('lifecycleStage')}: the new version serves test traffic, `
      + 'production traffic still reaches the previous one.',
    '',
    'Release it to production traffic:',
    continueCommand('CONTINUE'),
    'Roll it back:',
    continueCommand('ROLLBACK'),
    '',
    `Without a decision by ${detail('expiresAt')} the hook's timeout action applies (a rollback, for an approvalWait). `
      + 'The service\'s deployments in the Amazon ECS console offer both choices too.',
  ].join('\n'));
}

/** What the team reads when a pause ends: continued, rolled back, or run out. */
export function pauseEndedMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText([
    `${detail('serviceArn')}: the pause at ${detail('lifecycleStage')} ended, ${detail('eventName')}.`,
    '',
    'HOOK_SUCCEEDED: the deployment was continued to production traffic. HOOK_FAILED: it was rolled back. '
      + 'HOOK_TIMED_OUT: nobody decided in time, and the hook\'s timeout action applied (a rollback, for an approvalWait).',
    `Deployment: ${detail('serviceDeploymentArn')}`,
  ].join('\n'));
}

/**
 * EventBridge gives the service's failed and completed Amazon ECS deployments to `notifier`, which
 * reads the deployment, the revisions it went from and to, and their task definitions.
 */
export function watchEcsDeployments(scope: Construct, stage: StageInfo, notifier: DeploymentNotifier, notifiesSuccess: boolean,
  notifiesStart = false): void {
  const { service, stageName } = stage;
  const notifies = `${notifiesStart ? 'started, ' : ''}${notifiesSuccess ? 'was deployed, failed or rolled back' : 'failed or rolled back'}`;
  new events.Rule(scope, 'Deployments', {
    description: fitText(`${service.serviceName}: a ${stageName} deployment by Amazon ECS ${notifies}`, MAX_RULE_DESCRIPTION),
    eventPattern: {
      source: [ECS_DEPLOYMENT_EVENT_SOURCE],
      detailType: [ECS_DEPLOYMENT_DETAIL_TYPE],
      // The service's ARN: CloudFormation creates the rule after the service's update, so the
      // update that adds the rule is reported by CloudFormation alone.
      resources: [service.service.serviceArn],
      // Completions always: one may be the end of a rollback, which the notifier tells apart.
      detail: { eventName: [...NOTIFIED_ECS_DEPLOYMENT_EVENTS, ...(notifiesStart ? [ECS_DEPLOYMENT_IN_PROGRESS] : [])] },
    },
    targets: [notifier.target()],
  });
  const role = notifier.fn.role!;
  // The notifier is no part of the service, so naming the service here makes no cycle.
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:ListServiceDeployments'], resources: [service.service.serviceArn] }));
  const ofService = (resource: 'service-deployment' | 'service-revision') => serviceArnPatternOf(role, resource, service.cluster, service.service);
  addAcknowledgedScopedStatement(role, new iam.PolicyStatement({
    actions: ['ecs:DescribeServiceDeployments'],
    resources: [ofService('service-deployment')],
  }), 'ecs:DescribeServiceDeployments, read-only, on this service\'s deployments, which Amazon ECS creates and names at deployment time: '
    + 'the notifier reads the one an event concerns.');
  addAcknowledgedScopedStatement(role, new iam.PolicyStatement({
    actions: ['ecs:DescribeServiceRevisions'],
    resources: [ofService('service-revision')],
  }), 'ecs:DescribeServiceRevisions, read-only, on this service\'s revisions, which Amazon ECS creates at deployment time: the notifier '
    + 'reads the task definitions a deployment went from and to.');
}
