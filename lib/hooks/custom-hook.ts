import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { IBlueGreenService } from '../service/blue-green-service-base';
import { LifecycleEvent } from '../service/lifecycle-event';
import type { ILifecycleHook } from '../service/lifecycle-hook';

/** Properties of a {@link CustomHook}. */
export interface CustomHookProps {
  /** The service whose deployments run the hook. */
  readonly service: IBlueGreenService;

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
 * @exampleMetadata fixture=lib
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
