import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  TASK_SET_GUARD_CONFIG_ENV, TASK_SET_GUARD_DEFAULTS, TASK_STATE_CHANGE_DETAIL_TYPE, TASK_STATE_CHANGE_SOURCE, TaskSetGuardConfig,
} from '../../contract/task-set-guard';
import { grantDeploymentTargetReads, grantReadStoppedTasks } from '../private/deployment-target-grants';
import { createHookFunction } from '../private/handler-function';
import { integerRangeProblem, valid } from '../private/validation';

/** Properties of a {@link FailedTaskSetGuard}. */
export interface FailedTaskSetGuardProps {
  /** The deployment group whose deployments the guard stops and rolls back. */
  readonly deploymentGroup: codedeploy.IEcsDeploymentGroup;

  /** The ECS service the deployment group deploys; the guard watches its tasks. */
  readonly service: ecs.IBaseService;

  /**
   * The name people read in the function's description and log lines, e.g. `orders-api`.
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
   * How long the guard's log is kept.
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
 */
export class FailedTaskSetGuard extends Construct {
  /** The function that judges the stopped tasks and stops the deployment. */
  public readonly function: lambda.IFunction;

  /** The rule that sends the service's stopped tasks to the function. */
  public readonly rule: events.Rule;

  /** Where the events go that could not be handled after every retry. */
  public readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: FailedTaskSetGuardProps) {
    super(scope, id);
    // Invalid, it is recorded and fails the synthesis; the default stands in.
    const failedTaskThreshold = valid(this, 'failedTaskThreshold', integerRangeProblem(props.failedTaskThreshold, 1, 100,
      'it is the number of failed green tasks at which the deployment stops')) ? props.failedTaskThreshold : undefined;
    const serviceName = props.serviceName ?? scope.node.id;
    const { deploymentGroup, service } = props;

    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the failed-task-set guard (of its EventBridge target and its asynchronous invocations).',
    });
    this.deadLetterQueue = deadLetterQueue;

    const config: TaskSetGuardConfig = {
      applicationName: deploymentGroup.application.applicationName,
      deploymentGroupName: deploymentGroup.deploymentGroupName,
      clusterArn: service.cluster.clusterArn,
      serviceName: service.serviceName,
      displayName: serviceName,
      failedTaskThreshold: failedTaskThreshold ?? TASK_SET_GUARD_DEFAULTS.failedTaskThreshold,
      stopDeployments: props.stopDeployments ?? TASK_SET_GUARD_DEFAULTS.stopDeployments,
    };
    const { function: fn } = createHookFunction(this, {
      handler: 'task-set-guard',
      hookName: 'failed-task-set guard',
      description: `${serviceName}: stops and rolls back a deployment whose green task set keeps failing its tasks`,
      timeout: Duration.minutes(1),
      environment: { [TASK_SET_GUARD_CONFIG_ENV]: Stack.of(this).toJsonString(config) },
      logRetention: props.logRetention,
      deadLetterQueue,
    });
    // A failed invocation is retried after about 1 and 3 minutes: still within the 5 the guard promises.
    fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.minutes(15) });
    this.function = fn;
    this.grantLookups(fn.role!, deploymentGroup, service);

    this.rule = new events.Rule(this, 'StoppedTasks', {
      description: `Sends the stopped tasks of ${serviceName} to its failed-task-set guard`,
      eventPattern: {
        source: [TASK_STATE_CHANGE_SOURCE],
        detailType: [TASK_STATE_CHANGE_DETAIL_TYPE],
        detail: {
          clusterArn: [service.cluster.clusterArn],
          group: [`service:${service.serviceName}`],
          lastStatus: ['STOPPED'],
        },
      },
      targets: [new targets.LambdaFunction(fn, { deadLetterQueue, retryAttempts: 4, maxEventAge: Duration.minutes(15) })],
    });
  }

  /**
   * The deployment group's deployments (list, read, stop), its deployment targets, and the
   * stopped tasks of the service's cluster. A policy of its own, so the acknowledged wildcards
   * cover these statements and nothing added to the role later.
   */
  private grantLookups(role: iam.IRole, deploymentGroup: codedeploy.IEcsDeploymentGroup, service: ecs.IBaseService): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['codedeploy:ListDeployments', 'codedeploy:GetDeployment', 'codedeploy:StopDeployment'],
      resources: [deploymentGroup.deploymentGroupArn],
    }));
    grantDeploymentTargetReads(role);
    grantReadStoppedTasks(this, role, service.cluster);
  }
}
