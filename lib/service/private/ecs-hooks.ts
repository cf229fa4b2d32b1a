/**
 * Lifecycle hooks on the Amazon ECS engine: each runs at the ECS stage matching its CodeDeploy
 * lifecycle event, ECS invokes it with the service's deployment role, and the hook's details
 * (its configuration, for a library hook) go into the service definition.
 */
import { Lazy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { ecsHookDetailsOf } from '../../private/hook-details';
import { EcsLifecycleStage } from '../deployment-engine';
import { LifecycleEvent } from '../lifecycle-event';
import type { ILifecycleHook } from '../lifecycle-hook';

/**
 * The ECS lifecycle stage a hook written for a CodeDeploy lifecycle event runs at: the point of
 * an ECS deployment that sees the same state of blue, green and their traffic.
 */
export function ecsLifecycleStageOf(event: LifecycleEvent): EcsLifecycleStage {
  switch (event) {
    case LifecycleEvent.BEFORE_INSTALL:
      return EcsLifecycleStage.PRE_SCALE_UP;
    case LifecycleEvent.AFTER_INSTALL:
      return EcsLifecycleStage.POST_SCALE_UP;
    case LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC:
      return EcsLifecycleStage.POST_TEST_TRAFFIC_SHIFT;
    case LifecycleEvent.BEFORE_ALLOW_TRAFFIC:
      return EcsLifecycleStage.PRODUCTION_TRAFFIC_SHIFT;
    case LifecycleEvent.AFTER_ALLOW_TRAFFIC:
      return EcsLifecycleStage.POST_PRODUCTION_TRAFFIC_SHIFT;
  }
}

/** A hook function as ECS sees it: its ARN, the stages, and the role ECS invokes it with. */
class EcsHookTarget implements ecs.IDeploymentLifecycleHookTarget {
  constructor(
    private readonly hook: ILifecycleHook,
    private readonly stages: EcsLifecycleStage[],
    private readonly role: iam.IRole,
  ) {}

  public bind(_scope: IConstruct): ecs.DeploymentLifecycleHookTargetConfig {
    return {
      targetArn: this.hook.function.functionArn,
      role: this.role,
      lifecycleStages: this.stages.map((stage) => stage as string as ecs.DeploymentLifecycleStage),
    };
  }
}

/**
 * Adds `hook` to the service's lifecycle hooks at `stages` (default: the stage of its lifecycle
 * event) and lets `role` invoke its function. `index` is its place in the list, which the hook
 * details are written at.
 */
export function addEcsLifecycleHook(service: ecs.FargateService, role: iam.IRole, hook: ILifecycleHook, index: number,
  stages: EcsLifecycleStage[] = [ecsLifecycleStageOf(hook.lifecycleEvent)], timeoutMinutes?: number): void {
  service.addLifecycleHook(new EcsHookTarget(hook, stages, role));
  // ECS invokes the name it is given, so the unqualified ARN is enough.
  iam.Grant.addToPrincipal({ grantee: role, actions: ['lambda:InvokeFunction'], resourceArns: [hook.function.functionArn] });
  const resource = service.node.defaultChild as ecs.CfnService;
  if (timeoutMinutes !== undefined) {
    resource.addPropertyOverride(`DeploymentConfiguration.LifecycleHooks.${index}.TimeoutConfiguration.TimeoutInMinutes`, timeoutMinutes);
  }
  const details = ecsHookDetailsOf(hook);
  if (details) {
    resource.addPropertyOverride(`DeploymentConfiguration.LifecycleHooks.${index}.HookDetails`, Lazy.any({ produce: details }));
  }
}
