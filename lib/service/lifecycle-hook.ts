import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
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

/** Options of `BlueGreenService.previewAppSpec()`. */
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
