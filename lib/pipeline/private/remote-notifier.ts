/**
 * The deployment notifier of a stage in another account or region than its pipeline: EventBridge
 * sees deployments only in their own account and region, so the notifier runs there, in the
 * service's stack, reads the deployment there, and publishes to the pipeline's topic, which admits
 * its role alone.
 */
import { Duration, Lazy, Names, PhysicalName, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { RELEASE_NOTIFIER_CONFIG_ENV, ReleaseNotifierConfig } from '../../../contract/release-notifier';
import { RELEASE_EVENT_SOURCE, ROLLBACK_VERIFICATION_DETAIL_TYPE } from '../../../contract/release-events';
import { acknowledgeWildcardResources, defaultPolicyOf } from '../../private/acknowledgements';
import { grantDeploymentTargetReads, grantDescribeTaskDefinitions } from '../../private/deployment-target-grants';
import { createHookFunction } from '../../private/handler-function';
import { fitName, fitText, iamDescription } from '../../private/text-limits';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import {
  DeploymentNotifier, notifiedDeploymentGroupOf, notifiedEcsServiceOf, notifierDeadLetters, notifierTargetOptions,
} from './notifier-parts';
import { grantKeyByAlias, onlyRole } from './remote-stage';
import type { StageInfo } from './stage-naming';

/** Properties of a {@link RemoteNotifier}. */
export interface RemoteNotifierProps {
  /** The release pipeline. */
  readonly owner: IConstruct;
  /** The pipeline's notification topic, and the key it is encrypted with. */
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly releaseVersionVariable: string;
  readonly notifyDeploymentSuccess: boolean;
  readonly notifyDeploymentStart?: boolean;
  /** The topics above INFO that routes asked for, with their thresholds; encrypted by `topicKey` too. */
  readonly severityTopics?: readonly { readonly topic: sns.Topic; readonly minimumSeverity: 'INFO' | 'WARNING' | 'CRITICAL' }[];
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The notifier, in one stack of another environment, of the pipeline's services there, with its
 * dead-letter queue and lost-notifications alarm; {@link watch} adds a service.
 */
export class RemoteNotifier extends Construct implements DeploymentNotifier {
  /** The pipeline's notifier in `stack`, made on first use. */
  public static of(stack: Stack, props: RemoteNotifierProps): RemoteNotifier {
    const id = `${Names.uniqueId(props.owner)}Notifier`;
    return stack.node.tryFindChild(id) as RemoteNotifier | undefined ?? new RemoteNotifier(stack, id, props);
  }

  public readonly fn: lambda.Function;
  private readonly deadLetterQueue;
  private readonly stages: StageInfo[] = [];

  private constructor(scope: Construct, id: string, props: RemoteNotifierProps) {
    super(scope, id);
    const { topic } = props;
    const ownerPath = props.owner.node.path;
    this.deadLetterQueue = notifierDeadLetters(this, ownerPath).queue;
    const description = fitText(iamDescription(`Tells the release notifications of ${ownerPath} which version a deployment of its stages in `
      + `stack ${Stack.of(this).stackName} installed, and why it failed`), 256);
    const role = new iam.Role(this, 'ServiceRole', {
      // The topic's policy, in the pipeline's account, names it.
      roleName: PhysicalName.GENERATE_IF_NEEDED,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description,
    });
    const severityTopics = props.severityTopics ?? [];
    const onEcs = (stage: StageInfo) => stage.service.engine.kind === DeploymentEngineKind.ECS;
    const config = (): ReleaseNotifierConfig => {
      const ecsServices = this.stages.filter(onEcs).map(notifiedEcsServiceOf);
      return {
        deploymentGroups: this.stages.filter((stage) => !onEcs(stage)).map(notifiedDeploymentGroupOf),
        ...(ecsServices.length > 0 ? { ecsServices, notifyDeploymentSuccess: props.notifyDeploymentSuccess } : {}),
        ...(props.notifyDeploymentStart ? { notifyDeploymentStart: true } : {}),
        ...(severityTopics.length > 0
          ? { severityTopics: severityTopics.map((each) => ({ topicArn: each.topic.topicArn, minimumSeverity: each.minimumSeverity })) } : {}),
        topicArn: topic.topicArn,
        releaseVersionVariable: props.releaseVersionVariable,
      };
    };
    const { function: fn } = createHookFunction(this, {
      handler: 'release-notifier',
      hookName: 'release notifier',
      description,
      role,
      timeout: Duration.minutes(1),
      environment: { [RELEASE_NOTIFIER_CONFIG_ENV]: Lazy.uncachedString({ produce: () => Stack.of(this).toJsonString(config()) }) },
      logRetention: props.logRetention,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.fn = fn;
    grantPublishFromAfar(props.topic, props.topicKey, role, props.owner);
    for (const { topic: higher } of severityTopics) {
      // The same key: the grants on it above cover these topics too.
      higher.addToResourcePolicy(new iam.PolicyStatement({ principals: [onlyRole(role)], actions: ['sns:Publish'], resources: [higher.topicArn] }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [higher.topicArn] }));
    }
    // The outcome of a rollback's verification there, put on that account's and region's default bus.
    new events.Rule(this, 'RollbackVerifications', {
      description: fitText(`Rollback verification results, for the release notifications of ${ownerPath}`, 512),
      eventPattern: { source: [RELEASE_EVENT_SOURCE], detailType: [ROLLBACK_VERIFICATION_DETAIL_TYPE] },
      targets: [this.target()],
    });
    grantDeploymentTargetReads(role);
    grantDescribeTaskDefinitions(role);
  }

  /** Notifies the deployments of `stage` too: returns the scope, in this stack, of the rule that watches them. */
  public watch(stage: StageInfo): Construct {
    this.stages.push(stage);
    return new Construct(this, Names.uniqueId(stage.service));
  }

  /** The notifier as the target of a rule: retried for six hours, then kept in the dead-letter queue. */
  public target(): events.IRuleTarget {
    return new targets.LambdaFunction(this.fn, notifierTargetOptions(this.deadLetterQueue));
  }
}

/**
 * Lets `role`, in another account or region, publish to the encrypted `topic`: the topic's and
 * key's policies admit it by an ARN condition, its own policy names the topic and, by an alias
 * made for it, the key.
 */
function grantPublishFromAfar(topic: sns.Topic, key: kms.Key, role: iam.Role, owner: IConstruct): void {
  const admitted = onlyRole(role);
  topic.addToResourcePolicy(new iam.PolicyStatement({ principals: [admitted], actions: ['sns:Publish'], resources: [topic.topicArn] }));
  key.addToResourcePolicy(new iam.PolicyStatement({ principals: [admitted], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
  const keys = grantKeyByAlias(role, Stack.of(topic), topicKeyAlias(key, owner).aliasName, ['kms:Decrypt', 'kms:GenerateDataKey*']);
  Validations.of(defaultPolicyOf(role)).acknowledge({
    id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason: 'sns:Publish to the KMS-encrypted notification topic needs data keys of its key, chosen by its alias: no other key.',
  });
  acknowledgeWildcardResources(defaultPolicyOf(role), [keys],
    'The key of the pipeline\'s notification topic alone, chosen by its alias because only its stack knows its id.');
}

/** An alias of the topic's key, made once, that a role in another environment is granted the key by. */
function topicKeyAlias(key: kms.Key, owner: IConstruct): kms.Alias {
  const existing = key.node.tryFindChild('RemotePublishers');
  return existing as kms.Alias | undefined ?? new kms.Alias(key, 'RemotePublishers', {
    aliasName: `alias/${fitName(`release-notifications-${Names.uniqueId(owner)}`, 250)}`,
    targetKey: key,
  });
}
