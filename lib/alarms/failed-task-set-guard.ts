import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TASK_SET_GUARD_DEFAULTS, TaskSetGuardConfig } from '../../contract/task-set-guard';
import { checkedServiceName } from '../private/service-name';
import { integerRangeProblem, literalNumberProblem, valid } from '../private/validation';
import { SharedTaskSetGuard } from './private/shared-task-set-guard';

/** Properties of a {@link FailedTaskSetGuard}. */
export interface FailedTaskSetGuardProps {
  /** The deployment group whose deployments the guard stops and rolls back. */
  readonly deploymentGroup: codedeploy.IEcsDeploymentGroup;

  /** The ECS service the deployment group deploys; the guard watches its tasks. */
  readonly service: ecs.IBaseService;

  /**
   * The name people read in the rule's description and the guard's log lines, e.g. `orders-api`:
   * 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, known at synthesis.
   *
   * @default - the id of this construct's parent
   */
  readonly serviceName?: string;

  /**
   * How many tasks of the green task set must fail (crash, fail to start, or fail a health check)
   * before the deployment is stopped. Two by default: one task can fail for a reason of the
   * moment, such as a throttled image pull, and ECS starts another at once.
   *
   * @default 2
   */
  readonly failedTaskThreshold?: number;

  /**
   * Whether to stop deployments. Set it to false to log, for a while, what the guard would stop.
   *
   * @default true
   */
  readonly stopDeployments?: boolean;

  /**
   * How long the guard's log is kept. The log is the shared function's: guards of the stack
   * with another retention share another function (and log group) of their own.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Stops and rolls back a blue/green deployment whose green task set keeps failing: its tasks
 * crash, cannot start (an image that cannot be pulled, a secret that cannot be read), or fail
 * their load balancer or container health checks.
 *
 * A service-level metric cannot see this: blue keeps running its tasks throughout the
 * deployment, so the service never runs short, and CodeDeploy waits at Install for a green task
 * set that never becomes stable. The guard reacts to ECS's task state-change events instead: an
 * EventBridge rule sends each stopped task of the service to a function that counts the failed
 * tasks of the deployment's green task set and, at `failedTaskThreshold`, calls
 * `StopDeployment` with rollback. EventBridge delivers the events within seconds.
 *
 * One function guards every service of a stack: it is created with the stack's first guard, as
 * a child of the stack with the id `CdkEcsReleaseFailedTaskSetGuard`, with its role, log group
 * and dead-letter queue. Each guard adds its target, which passes the service's configuration to
 * the function with each event, to a stopped-task rule the guard shares with up to four other
 * services (EventBridge's limit of five targets a rule; the function ignores the tasks of the
 * others), and grants the function's role what the service needs: the deployments of its
 * deployment group and the stopped tasks of its cluster, no more.
 */
export class FailedTaskSetGuard extends Construct {
  /**
   * The function that judges the stopped tasks and stops the deployment: the stack's shared
   * guard function, the same for every guard of the stack (with the same log retention).
   */
  public readonly function: lambda.IFunction;

  /** The log group of the shared function, where this service's decisions are logged with the others'. */
  public readonly logGroup: logs.ILogGroup;

  /**
   * The rule that sends the service's stopped tasks, with the service's configuration, to the
   * function: a rule of the shared guard, with a target for each of up to five services of the stack.
   */
  public readonly rule: events.Rule;

  /** Where the events go that could not be handled after every retry: the shared function's queue. */
  public readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: FailedTaskSetGuardProps) {
    super(scope, id);
    // Invalid, it is recorded and fails the synthesis; the default stands in.
    // It goes into the guard's configuration, which nothing but this check guards.
    const failedTaskThreshold = valid(this, 'failedTaskThreshold', literalNumberProblem(props.failedTaskThreshold, 'it goes into the '
      + 'configuration of the guard\'s function, where nothing else would check it before a deployment relies on it', '2')
      ?? integerRangeProblem(props.failedTaskThreshold, 1, 100,
        'it is the number of failed green tasks at which the deployment stops')) ? props.failedTaskThreshold : undefined;
    const serviceName = checkedServiceName(this, props.serviceName, scope.node.id, 'the id of its parent');
    const { deploymentGroup, service } = props;

    const shared = SharedTaskSetGuard.of(this, props.logRetention);
    this.function = shared.function;
    this.logGroup = shared.logGroup;
    this.deadLetterQueue = shared.deadLetterQueue;
    shared.grantGuard(deploymentGroup, service.cluster);

    const config: TaskSetGuardConfig = {
      applicationName: deploymentGroup.application.applicationName,
      deploymentGroupName: deploymentGroup.deploymentGroupName,
      clusterArn: service.cluster.clusterArn,
      serviceName: service.serviceName,
      displayName: serviceName,
      failedTaskThreshold: failedTaskThreshold ?? TASK_SET_GUARD_DEFAULTS.failedTaskThreshold,
      stopDeployments: props.stopDeployments ?? TASK_SET_GUARD_DEFAULTS.stopDeployments,
    };
    this.rule = shared.addStoppedTaskTarget(config);
  }
}
