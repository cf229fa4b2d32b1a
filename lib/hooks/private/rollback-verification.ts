/**
 * The rollback verification of a SmokeTestHook: an EventBridge rule on the rollback's completion
 * event that runs the hook's checks against the production listener on the hook's own function,
 * which puts one `Rollback Verification Result` event on the default bus.
 */
import { ArnFormat, Annotations, CfnResource, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RELEASE_EVENT_SOURCE, ROLLBACK_VERIFICATION_DETAIL_TYPE } from '../../../contract/release-events';
import { ECS_DEPLOYMENT_DETAIL_TYPE, ECS_DEPLOYMENT_EVENT_SOURCE } from '../../../contract/release-notifier';
import {
  ROLLBACK_VERIFICATION_EVENT_FIELD, ROLLBACK_VERIFICATION_FIELD, ROLLBACK_VERIFICATION_VERSION, RollbackVerificationSettings,
} from '../../../contract/rollback-verification';
import { SMOKE_TEST_BASE_URL_ENV } from '../../../contract/smoke-test';
import { createDeadLetterQueue } from '../../private/dead-letter-queue';
import { recordPropProblem } from '../../private/validation';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import { resolvedSize } from '../../private/resolved-size';
import type { HookFunctionBinding } from './hook-function';
import { CODEDEPLOY_ENDPOINT, ECS_ENDPOINT, EndpointRequirements, HookNetwork, RequiredEndpoint, allowListenerPort } from './network';

/** The detail type of CodeDeploy's deployment state changes. */
const CODEDEPLOY_DETAIL_TYPE = 'CodeDeploy Deployment State-change Notification';

export const EVENTBRIDGE_ENDPOINT: RequiredEndpoint = {
  id: 'EventBridgeEndpoint',
  shortName: 'events',
  expression: 'ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE',
  service: ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE,
};

/** What the verification needs of its hook. */
export interface RollbackVerificationRequest {
  readonly service: IBlueGreenService;
  readonly binding: HookFunctionBinding;
  readonly network: HookNetwork;
  readonly endpoints: EndpointRequirements;
  /** The hook's configuration by variable name; values added later count. */
  readonly config: Record<string, string>;
  /** The host name the checks send, when it is not the load balancer's DNS name. */
  readonly hostName?: string;
  /** Whether the user asked for it (an error when it cannot be had) or has it by default (a warning). */
  readonly explicit: boolean;
}

/**
 * Adds the verification of `hook`'s service, a target on a rule of its function (see
 * {@link verificationRuleFor}); returns the rule, or undefined
 * when the production listener's port is not known (recorded as a problem when asked for, else a warning).
 */
export function addRollbackVerification(hook: Construct, request: RollbackVerificationRequest): events.Rule | undefined {
  const { service, binding } = request;
  const port = productionListenerPort(service);
  if (port === undefined) {
    const detail = 'the production listener\'s port of the service is not known (an imported service gives it in its url), so the checks '
      + 'cannot reach production after a rollback; give the imported service url: \'https://orders.example.com\', or set verifyRollbacks: false';
    if (request.explicit) {
      recordPropProblem(hook, 'verifyRollbacks', detail);
    } else {
      Annotations.of(hook).addWarningV2('cdk-ecs-release:rollbackVerificationSkipped', `rollbacks are not verified: ${detail}`);
    }
    return undefined;
  }
  const stack = Stack.of(hook);
  const onEcs = service.engine.kind === DeploymentEngineKind.ECS;
  const group = onEcs ? undefined : service.deploymentGroup;
  const scheme = service.https ? 'https' : 'http';
  const productionUrl = `${scheme}://${request.hostName ?? service.loadBalancer.loadBalancerDnsName}:${port}`;

  const settings: RollbackVerificationSettings = {
    version: ROLLBACK_VERIFICATION_VERSION,
    engine: onEcs ? 'ECS' : 'CODE_DEPLOY',
    serviceName: service.serviceName,
    // A rule serves up to five services, and each target receives the events of all of them: the
    // function acts on those of the deployment group, or on Amazon ECS the service, named here.
    ...(onEcs ? { serviceArn: service.service.serviceArn } : {}),
    ...(group ? { applicationName: group.application.applicationName, deploymentGroupName: group.deploymentGroupName } : {}),
    config: Lazy.any({ produce: () => ({ ...request.config, [SMOKE_TEST_BASE_URL_ENV]: productionUrl }) }) as unknown as Record<string, string>,
  };
  const rule = group
    ? verificationRuleFor(hook, binding.function, 'CODE_DEPLOY', service.serviceName, {
      detail: { application: [group.application.applicationName], deploymentGroup: [group.deploymentGroupName] },
    }, [group.application.applicationName, group.deploymentGroupName].map((name) => quotedSize(stack, name)))
    : verificationRuleFor(hook, binding.function, 'ECS', service.serviceName, { resources: [service.service.serviceArn] }, [
      SERVICE_ARN_PREFIX_LENGTH + quotedSize(stack, givenName(service.cluster, ecs.CfnCluster, 'clusterName') ?? service.cluster.clusterName)
        + quotedSize(stack, givenName(service.service, ecs.CfnService, 'serviceName') ?? service.service.serviceName),
    ]);
  const input = new RollbackVerificationInput(settings);
  const deadLetterQueue = deadLettersOf(hook, binding.function, rule);
  rule.addTarget(new targets.LambdaFunction(binding.function, {
    event: input,
    retryAttempts: 4,
    maxEventAge: Duration.hours(1),
    deadLetterQueue,
  }));

  // The one event it puts: this library's source and detail type, on the default bus.
  binding.addStatement(new iam.PolicyStatement({
    actions: ['events:PutEvents'],
    resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
    conditions: { StringEquals: { 'events:source': RELEASE_EVENT_SOURCE, 'events:detail-type': ROLLBACK_VERIFICATION_DETAIL_TYPE } },
  }));
  request.endpoints.require(EVENTBRIDGE_ENDPOINT);
  if (group) {
    // Whether the deployment rolled back, and by which deployment: read-only, this deployment group's.
    binding.addStatement(new iam.PolicyStatement({ actions: ['codedeploy:GetDeployment'], resources: [group.deploymentGroupArn] }));
    request.endpoints.require(CODEDEPLOY_ENDPOINT);
  } else {
    // The deployment an event names by its `ecs-svc/…` id only; the cluster's services, since the
    // service lists the hook and cannot be named by its role.
    binding.addScopedStatement(new iam.PolicyStatement({
      actions: ['ecs:ListServiceDeployments'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${service.cluster.clusterName}/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
    }), 'ecs:ListServiceDeployments, read-only, on the services of the service\'s cluster: the service lists the hook, '
      + 'so its role cannot name it.');
    request.endpoints.require(ECS_ENDPOINT);
  }
  // The production listener, from the function's security group (the rules live on its side).
  allowListenerPort(request.network, service.loadBalancer, port, `rollback verification of ${service.serviceName}: production listener`);
  hook.node.addValidation({
    validate: () => {
      // EventBridge refuses a target's input template over 8192 characters at deployment.
      const size = resolvedSize(stack.resolve(input.bind(rule).inputTemplate));
      return size <= MAX_INPUT_TEMPLATE_LENGTH ? [] : [`${hook.node.path}: invalid checks: with them the input of the rollback verification's `
        + `rule takes about ${size} characters, over EventBridge's ${MAX_INPUT_TEMPLATE_LENGTH}-character limit; shorten names and bodies, `
        + 'leave defaults unset, drop checks, or set verifyRollbacks: false'];
    },
  });
  return rule;
}

/** Construct id, under the stack, of the dead-letter queue of the stack's rollback verifications. */
const DEAD_LETTERS_ID = 'CdkEcsReleaseRollbackVerificationDeadLetters';

/** The queue as the rules' targets name it, and the rules its policy admits. */
interface DeadLetterTargets {
  readonly ofTargets: sqs.IQueue;
  readonly ruleArns: string[];
}

const TARGETS_OF_QUEUE = new WeakMap<sqs.IQueue, DeadLetterTargets>();

/**
 * The stack's one queue for rollback verifications that did not end with their event: what the
 * rules could not deliver, and what the function failed on after Lambda's asynchronous retries
 * (the event refused until its time ran out). Nothing is lost: the queue holds the rule's input.
 *
 * Returned as the rules' targets name it: through this reference aws-cdk-lib adds no statement
 * per rule to the queue's policy (SQS allows 20 a policy, fewer than the services a stack holds);
 * one statement lists every rule instead.
 */
function deadLettersOf(hook: Construct, fn: lambda.Function, rule: events.Rule): sqs.IQueue {
  const stack = Stack.of(hook);
  const holder = (stack.node.tryFindChild(DEAD_LETTERS_ID) as Construct | undefined) ?? new Construct(stack, DEAD_LETTERS_ID);
  const queue = (holder.node.tryFindChild('DeadLetterQueue') as sqs.Queue | undefined)
    ?? createDeadLetterQueue(holder, 'the rollback verifications (their rules\' deliveries and the smoke-test functions\' failed asynchronous invocations)');
  // A function's asynchronous invocations have one configuration: one set before, by the user, stays.
  if (!fn.node.tryFindChild('EventInvokeConfig')) {
    fn.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(queue) });
  }
  let admitted = TARGETS_OF_QUEUE.get(queue);
  if (!admitted) {
    const ruleArns: string[] = [];
    queue.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: { ArnEquals: { 'aws:SourceArn': Lazy.list({ produce: () => ruleArns }) } },
    }));
    admitted = { ofTargets: sqs.Queue.fromQueueArn(holder, 'DeadLetterQueueOfTargets', queue.queueArn), ruleArns };
    TARGETS_OF_QUEUE.set(queue, admitted);
  }
  if (!admitted.ruleArns.includes(rule.ruleArn)) {
    admitted.ruleArns.push(rule.ruleArn);
  }
  return admitted.ofTargets;
}

/** EventBridge's limit of targets per rule. */
const TARGETS_PER_RULE = 5;

/** EventBridge's default limit on the characters of a rule's event pattern (adjustable to 4096, not assumed). */
const MAX_EVENT_PATTERN_LENGTH = 2048;

/** `arn:aws-us-gov:ecs:us-gov-west-1:123456789012:service/` and the `/` between cluster and service, at most. */
const SERVICE_ARN_PREFIX_LENGTH = 56;

/** What each engine's rules match before any service is added. */
const BASE_PATTERNS: Record<RollbackVerificationSettings['engine'], events.EventPattern> = {
  CODE_DEPLOY: {
    source: ['aws.codedeploy'],
    detailType: [CODEDEPLOY_DETAIL_TYPE],
    // A rollback deployment's end, or a failed deployment's that rolled back within itself;
    // the function tells them from other deployments by CodeDeploy's record.
    detail: { state: ['SUCCESS', 'FAILURE', 'STOP'] },
  },
  ECS: {
    source: [ECS_DEPLOYMENT_EVENT_SOURCE],
    detailType: [ECS_DEPLOYMENT_DETAIL_TYPE],
    detail: { eventName: ['SERVICE_DEPLOYMENT_COMPLETED', 'SERVICE_DEPLOYMENT_FAILED'] },
  },
};

/** A verification rule of a function and what it holds so far. */
interface VerificationRule {
  readonly engine: RollbackVerificationSettings['engine'];
  readonly rule: events.Rule;
  readonly serviceNames: string[];
  patternLength: number;
}

const RULES_OF_FUNCTION = new WeakMap<lambda.IFunction, VerificationRule[]>();

/**
 * The rule that sends the rollbacks of `serviceName` to `fn`, with `pattern` added: one shared
 * with up to four other services verified by the same function (a rule and its permission to
 * invoke the function for five services, not for each), or a new one once a rule has five
 * targets or its pattern would pass EventBridge's 2048 characters. A function of the hook's own
 * gets a rule under the hook, id `RollbackVerification`; the stack's shared function, rules beside it.
 */
function verificationRuleFor(
  hook: Construct,
  fn: lambda.Function,
  engine: RollbackVerificationSettings['engine'],
  serviceName: string,
  pattern: events.EventPattern,
  valueSizes: number[],
): events.Rule {
  const added = valueSizes.reduce((sum, size) => sum + size, 0);
  const rules = RULES_OF_FUNCTION.get(fn) ?? [];
  RULES_OF_FUNCTION.set(fn, rules);
  let entry = rules.find((candidate) => candidate.engine === engine && candidate.serviceNames.length < TARGETS_PER_RULE
    && candidate.patternLength + added <= MAX_EVENT_PATTERN_LENGTH);
  if (!entry) {
    const holder = fn.node.scope && Stack.of(fn.node.scope) === Stack.of(hook) ? fn.node.scope : hook;
    const ofEngine = rules.filter((candidate) => candidate.engine === engine).length;
    const base = holder === hook || engine === 'CODE_DEPLOY' ? 'RollbackVerification' : 'EcsRollbackVerification';
    const id = ofEngine === 0 ? base : `${base}${ofEngine + 1}`;
    const serviceNames: string[] = [];
    const rule = new events.Rule(holder, id, {
      description: Lazy.string({ produce: () => `Verifies ${serviceNames.join(', ')} with ${serviceNames.length === 1 ? 'its' : 'their'} `
        + 'smoke checks against the production listener once a rollback completed' }),
      // A copy: the rule merges later services' lists into its pattern.
      eventPattern: JSON.parse(JSON.stringify(BASE_PATTERNS[engine])) as events.EventPattern,
    });
    entry = { engine, rule, serviceNames, patternLength: JSON.stringify(BASE_PATTERNS[engine]).length + 40 };
    rules.push(entry);
  }
  entry.serviceNames.push(serviceName);
  entry.patternLength += added;
  // Lists merge without repeats: services of one CodeDeploy application name it once.
  entry.rule.addEventPattern(pattern);
  return entry.rule;
}

/** The name given to `resource`'s CloudFormation resource of type `type` (the construct's `Ref` hides it), if any. */
function givenName<T extends CfnResource>(resource: Construct, type: new (...args: never[]) => T, property: keyof T): string | undefined {
  const child = resource.node.defaultChild;
  const name = child instanceof type ? child[property] : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** The characters `value` takes in a pattern once deployed, quotes and comma included. */
function quotedSize(stack: Stack, value: string): number {
  return resolvedSize(stack.resolve(value)) + 3;
}

/** The longest input template EventBridge takes for a target. */
const MAX_INPUT_TEMPLATE_LENGTH = 8192;

/**
 * The rule's input, `{"cdkEcsReleaseRollbackVerification":<settings>,"event":<the event>}`: a
 * template only, with EventBridge's variable for the whole event, `detail` included, as JSON.
 */
class RollbackVerificationInput extends events.RuleTargetInput {
  constructor(private readonly settings: RollbackVerificationSettings) {
    super();
  }

  public bind(rule: events.IRule): events.RuleTargetInputProperties {
    return { inputTemplate: `{"${ROLLBACK_VERIFICATION_FIELD}":${Stack.of(rule).toJsonString(this.settings)},`
      + `"${ROLLBACK_VERIFICATION_EVENT_FIELD}":<aws.events.event.json>}` };
  }
}

/** The port of the production listener: the service's own, or the one its URL names. */
function productionListenerPort(service: IBlueGreenService): number | undefined {
  const own = (service as { readonly listenerPort?: unknown }).listenerPort;
  if (typeof own === 'number' && !Token.isUnresolved(own)) {
    return own;
  }
  const url = service.url;
  if (url === undefined) {
    return undefined;
  }
  const match = /^(https?):\/\/[^/]*?(?::(\d+))?(?:\/|$)/.exec(url);
  if (!match) {
    return undefined;
  }
  return match[2] !== undefined ? Number(match[2]) : match[1] === 'https' ? 443 : 80;
}
