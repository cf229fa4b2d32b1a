/**
 * The failed-task-set guard's function, one per stack for all of the stack's services: its role,
 * log group, dead-letter queue and asynchronous retries. Each service adds its target to one of
 * the stack's stopped-task rules and the grants it needs (its deployment group, its cluster's
 * stopped tasks); those grants grow the resource lists of a few statements, not the number of
 * statements or policies, so that twenty services fit the size limits of an IAM role's policies
 * and of the queue's policy.
 */
import { ArnFormat, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { createDeadLetterQueue } from '../../private/dead-letter-queue';
import {
  SHARED_TASK_SET_GUARD_ID, TASK_STATE_CHANGE_DETAIL_TYPE, TASK_STATE_CHANGE_SOURCE, TaskSetGuardConfig,
} from '../../../contract/task-set-guard';
import { acknowledgeWildcardResources } from '../../private/acknowledgements';
import { grantDeploymentTargetReads } from '../../private/deployment-target-grants';
import { createHookFunction } from '../../private/handler-function';
import { minimizePoliciesUnder } from '../../private/minimized-policies';

const DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * The construct id of the shared guard for `logRetention`: the log group is the only part of
 * the function a service's props shape, so only another retention needs another function.
 */
export function sharedTaskSetGuardId(logRetention: logs.RetentionDays = DEFAULT_LOG_RETENTION): string {
  return logRetention === DEFAULT_LOG_RETENTION ? SHARED_TASK_SET_GUARD_ID : `${SHARED_TASK_SET_GUARD_ID}LogRetention${logRetention}`;
}

/**
 * A statement that grows with each service: `make` renders it for the values so far, `grow` adds
 * one value to it in place. Once rendered (a synthesis before this service was added), it can no
 * longer change; a new one, for all the values, takes its place beside it.
 */
class GrowingStatement {
  private statement?: iam.PolicyStatement;
  private readonly values = new Map<string, string>();

  constructor(private readonly options: {
    readonly stack: Stack;
    readonly make: (values: string[]) => iam.PolicyStatement;
    readonly grow: (statement: iam.PolicyStatement, value: string, values: string[]) => void;
    readonly attach: (statement: iam.PolicyStatement) => void;
  }) {}

  /** Adds `value`, a resource or a condition value; one equal to a value already there is not added twice. */
  public add(value: string): void {
    const key = JSON.stringify(this.options.stack.resolve(value));
    if (this.values.has(key)) {
      return;
    }
    this.values.set(key, value);
    const values = [...this.values.values()];
    if (this.statement && !this.statement.frozen) {
      this.options.grow(this.statement, value, values);
    } else {
      this.statement = this.options.make(values);
      this.options.attach(this.statement);
    }
  }
}

/**
 * EventBridge's variable for the whole event, `detail` included, as JSON: placed unquoted, as a
 * JSON value (`<aws.events.event>` would leave `detail` out).
 */
export const WHOLE_EVENT_VARIABLE = '<aws.events.event.json>';

/**
 * The input of a service's rule, a `TaskSetGuardInput` of the contract: `{"guard":<config>,"event":<the event>}`.
 * An input transformer with a template only; the event needs no path of its own.
 */
export class TaskSetGuardRuleInput extends events.RuleTargetInput {
  constructor(private readonly config: TaskSetGuardConfig) {
    super();
  }

  public bind(rule: events.IRule): events.RuleTargetInputProperties {
    return { inputTemplate: `{"guard":${Stack.of(rule).toJsonString(this.config)},"event":${WHOLE_EVENT_VARIABLE}}` };
  }
}

/** One value as a string, several as a list: a single service renders as a single-service guard always has. */
function oneOrList(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : values;
}

/** EventBridge's limit of targets per rule. */
export const TARGETS_PER_RULE = 5;

/** A stopped-task rule of the stack and the display names of the services it has a target for. */
interface StoppedTaskRule {
  readonly rule: events.Rule;
  readonly serviceNames: string[];
}

/** The guard function of a stack, created on first use as a child of the stack. */
export class SharedTaskSetGuard extends Construct {
  /** The guard of `scope`'s stack for `logRetention`, created on first use. */
  public static of(scope: Construct, logRetention?: logs.RetentionDays): SharedTaskSetGuard {
    const stack = Stack.of(scope);
    const id = sharedTaskSetGuardId(logRetention);
    const existing = stack.node.tryFindChild(id);
    if (existing instanceof SharedTaskSetGuard) {
      return existing;
    }
    if (existing) {
      throw new Error(`${stack.node.path}/${id} is taken by a construct that is not the failed-task-set guard`);
    }
    return new SharedTaskSetGuard(stack, id, logRetention ?? DEFAULT_LOG_RETENTION);
  }

  public readonly function: lambda.Function;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.IRole;
  public readonly deadLetterQueue: sqs.Queue;

  /**
   * The dead-letter queue as the rules' targets name it. Through this reference aws-cdk-lib adds
   * no statement per rule to the queue's policy (SQS allows 20); {@link allowRule} lists each rule
   * in one statement instead.
   */
  public readonly deadLetterQueueOfTargets: sqs.IQueue;

  private readonly deploymentGroups: GrowingStatement;
  private readonly clusters: GrowingStatement;
  private readonly describeTasks: GrowingStatement;
  private readonly rules: GrowingStatement;
  private readonly stoppedTaskReads: iam.Policy;
  /** The guarded clusters so far, the condition of both stopped-task statements. */
  private clusterArns: string[] = [];
  private describeTasksStatement?: iam.PolicyStatement;
  private readonly stoppedTaskRules: StoppedTaskRule[] = [];

  private constructor(scope: Stack, id: string, logRetention: logs.RetentionDays) {
    super(scope, id);
    minimizePoliciesUnder(this);
    const stack = scope;

    const deadLetterQueue = createDeadLetterQueue(this, 'the failed-task-set guard (of its EventBridge targets and its asynchronous invocations)');
    this.deadLetterQueue = deadLetterQueue;
    this.deadLetterQueueOfTargets = sqs.Queue.fromQueueArn(this, 'DeadLetterQueueOfTargets', deadLetterQueue.queueArn);

    const { function: fn, logGroup } = createHookFunction(this, {
      handler: 'task-set-guard',
      hookName: 'failed-task-set guard',
      description: 'Stops and rolls back a deployment whose green task set keeps failing its tasks, for each service of the stack',
      timeout: Duration.minutes(1),
      logRetention,
      deadLetterQueue,
    });
    // A failed invocation is retried after about 1 and 3 minutes: still within the 5 the guard promises.
    fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.minutes(15) });
    this.function = fn;
    this.logGroup = logGroup;
    this.role = fn.role!;
    grantDeploymentTargetReads(this.role);

    const addResource = (statement: iam.PolicyStatement, resource: string) => statement.addResources(resource);
    this.deploymentGroups = new GrowingStatement({
      stack,
      make: (groups) => new iam.PolicyStatement({
        actions: ['codedeploy:ListDeployments', 'codedeploy:GetDeployment', 'codedeploy:StopDeployment'],
        resources: groups,
      }),
      grow: addResource,
      attach: (statement) => this.role.addToPrincipalPolicy(statement),
    });

    // A policy of its own, so the acknowledged wildcards cover these statements and nothing added to the role later.
    this.stoppedTaskReads = new iam.Policy(this, 'StoppedTaskReads', { roles: [this.role] });
    const attachToReads = (statement: iam.PolicyStatement) => this.stoppedTaskReads.addStatements(statement);
    const onClusters = (clusters: string[]) => ({ 'ecs:cluster': oneOrList(clusters) });
    // ListTasks grows by cluster (its condition), DescribeTasks by the clusters' tasks (its resources) and by cluster.
    this.clusters = new GrowingStatement({
      stack,
      make: (clusters) => {
        this.clusterArns = clusters;
        return new iam.PolicyStatement({ actions: ['ecs:ListTasks'], resources: ['*'], conditions: { ArnEquals: onClusters(clusters) } });
      },
      grow: (statement, _cluster, clusters) => {
        this.clusterArns = clusters;
        statement.addCondition('ArnEquals', onClusters(clusters));
        if (this.describeTasksStatement && !this.describeTasksStatement.frozen) {
          this.describeTasksStatement.addCondition('ArnEquals', onClusters(clusters));
        }
      },
      attach: attachToReads,
    });
    this.describeTasks = new GrowingStatement({
      stack,
      make: (tasks) => {
        this.describeTasksStatement = new iam.PolicyStatement({ actions: ['ecs:DescribeTasks'], resources: tasks, conditions: { ArnEquals: onClusters(this.clusterArns) } });
        return this.describeTasksStatement;
      },
      grow: addResource,
      attach: attachToReads,
    });
    acknowledgeWildcardResources(this.stoppedTaskReads, ['*'],
      'ecs:ListTasks, read-only, finds the stopped tasks of a deployment\'s green task set; it authorizes on container instances, which Fargate '
      + 'tasks lack, so AWS documents * limited to the clusters by the ecs:cluster condition, as here.');

    this.rules = new GrowingStatement({
      stack,
      make: (ruleArns) => new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': oneOrList(ruleArns) } },
      }),
      grow: (statement, _rule, ruleArns) => statement.addCondition('ArnEquals', { 'aws:SourceArn': oneOrList(ruleArns) }),
      attach: (statement) => deadLetterQueue.addToResourcePolicy(statement),
    });
  }

  /**
   * Lets the function list, read and stop the deployments of `deploymentGroup`, and read the
   * stopped tasks of `cluster`: each service's own, nothing wider.
   */
  public grantGuard(deploymentGroup: codedeploy.IEcsDeploymentGroup, cluster: ecs.ICluster): void {
    this.deploymentGroups.add(deploymentGroup.deploymentGroupArn);
    const tasks = Stack.of(this).formatArn({
      service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    // The cluster first: DescribeTasks, when it is made, takes its condition from the clusters so far.
    this.clusters.add(cluster.clusterArn);
    this.describeTasks.add(tasks);
    acknowledgeWildcardResources(this.stoppedTaskReads, [tasks],
      'ecs:DescribeTasks, read-only, on the tasks of a guarded service\'s cluster: the stopped green tasks exist only once a deployment has run them.');
  }

  /**
   * Sends the stopped tasks of the service `config` names to the function, with `config`: a target
   * on a rule shared with up to four other services of the stack (a rule and its permission to
   * invoke the function for five services, not for each). Every target of a rule receives the
   * stopped tasks of all its services; the function ignores those of a cluster and service other
   * than its configuration's. Returns the rule.
   */
  public addStoppedTaskTarget(config: TaskSetGuardConfig): events.Rule {
    let entry = this.stoppedTaskRules.find((candidate) => candidate.serviceNames.length < TARGETS_PER_RULE);
    if (!entry) {
      const id = this.stoppedTaskRules.length === 0 ? 'StoppedTasks' : `StoppedTasks${this.stoppedTaskRules.length + 1}`;
      const serviceNames: string[] = [];
      const rule = new events.Rule(this, id, {
        description: Lazy.string({ produce: () => `Sends the stopped tasks of ${serviceNames.join(', ')} to the failed-task-set guard` }),
        eventPattern: { source: [TASK_STATE_CHANGE_SOURCE], detailType: [TASK_STATE_CHANGE_DETAIL_TYPE], detail: { lastStatus: ['STOPPED'] } },
      });
      this.rules.add(rule.ruleArn);
      entry = { rule, serviceNames };
      this.stoppedTaskRules.push(entry);
    }
    const { rule, serviceNames } = entry;
    serviceNames.push(config.displayName ?? config.serviceName);
    // Lists merge without repeats: services of one cluster name it once.
    rule.addEventPattern({ detail: { clusterArn: [config.clusterArn], group: [`service:${config.serviceName}`] } });
    rule.addTarget(new targets.LambdaFunction(this.function, {
      // This service's configuration under `guard`, the whole event under `event`.
      event: new TaskSetGuardRuleInput(config),
      deadLetterQueue: this.deadLetterQueueOfTargets,
      retryAttempts: 4,
      maxEventAge: Duration.minutes(15),
    }));
    return rule;
  }
}
