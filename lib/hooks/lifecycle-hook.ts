import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { BlueGreenService } from '../service/blue-green-service';
import { LifecycleEvent } from './lifecycle-event';

/**
 * A Lambda function CodeDeploy runs at one lifecycle event of a blue/green deployment.
 *
 * Register it with `BlueGreenService.addHook()`; the hooks of this library do so themselves.
 * The service then lets CodeDeploy invoke the function, lets the function report its status on
 * the service's deployment group, and lists it in the AppSpec file.
 */
export interface ILifecycleHook {
  /** The event at which CodeDeploy invokes the function. */
  readonly lifecycleEvent: LifecycleEvent;
  /** The function CodeDeploy invokes. */
  readonly function: lambda.IFunction;
}

/** Options of `BlueGreenService.renderAppSpec()`. */
export interface AppSpecOptions {
  /**
   * The task definition to deploy.
   * @default - the `<TASK_DEFINITION>` placeholder, which CodePipeline's Amazon ECS (blue/green)
   * deploy action replaces with the task definition it registers from `taskdef.json`
   */
  readonly taskDefinition?: ecs.ITaskDefinition;

  /**
   * The Fargate platform version of the new task set.
   * @default - not set: the service's platform version (LATEST)
   */
  readonly platformVersion?: ecs.FargatePlatformVersion;
}

/** Properties of a {@link CustomHook}. */
export interface CustomHookProps {
  /** The service whose deployments run the hook. */
  readonly service: BlueGreenService;

  /**
   * Your function. CodeDeploy invokes it with `{ DeploymentId, LifecycleEventHookExecutionId }`;
   * it must call `codedeploy:PutLifecycleEventHookExecutionStatus` with `Succeeded` or `Failed`
   * within one hour, or the deployment fails when that hour is out.
   */
  readonly function: lambda.IFunction;

  /** The event at which CodeDeploy invokes the function. */
  readonly lifecycleEvent: LifecycleEvent;
}

/**
 * Runs your own Lambda function as a lifecycle hook of a {@link BlueGreenService}.
 *
 * The function is allowed to report its status on this service's deployment group only, and
 * CodeDeploy is allowed to invoke it.
 *
 * @example
 * new CustomHook(this, 'WarmCaches', {
 *   service,
 *   function: warmCachesFunction,
 *   lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
 * });
 */
export class CustomHook extends Construct implements ILifecycleHook {
  public readonly lifecycleEvent: LifecycleEvent;
  public readonly function: lambda.IFunction;

  constructor(scope: Construct, id: string, props: CustomHookProps) {
    super(scope, id);
    this.lifecycleEvent = props.lifecycleEvent;
    this.function = props.function;
    props.service.addHook(this);
  }
}
