/**
 * Lifecycle hooks on the Amazon ECS engine: each runs at the ECS stage matching its CodeDeploy
 * lifecycle event, ECS invokes it with the service's deployment role, and the hook's details
 * (its configuration, for a library hook) go into the service definition. The approval wait is
 * a PAUSE hook beside them.
 */
import { Duration, Lazy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ecsHookDetailsOf } from '../../private/hook-details';
import { wholeDurationIn } from '../../private/validation';
import { EcsLifecycleStage } from '../deployment-engine';
import type { ILifecycleHook } from '../lifecycle-hook';
import { ecsLifecycleStageOf } from '../ecs-lifecycle-stage';


type Entry =
  | { readonly hook: ILifecycleHook; readonly stages: EcsLifecycleStage[] }
  | { readonly pause: Duration };

/**
 * The service's `DeploymentConfiguration.LifecycleHooks`, rendered at synthesis in the order the
 * hooks were added, so that hooks added after the service count.
 */
export class EcsLifecycleHooks {
  private readonly entries: Entry[] = [];

  constructor(service: ecs.FargateService, private readonly role: iam.IRole) {
    const resource = service.node.defaultChild as ecs.CfnService;
    resource.addPropertyOverride('DeploymentConfiguration.LifecycleHooks', Lazy.any({
      produce: () => (this.entries.length === 0 ? undefined : this.entries.map((entry) => this.render(entry))),
    }));
  }

  /** Runs `hook`'s function at `stages` (default: the stage of its lifecycle event), invoked with the deployment role. */
  public addFunction(hook: ILifecycleHook, stages: EcsLifecycleStage[] = [ecsLifecycleStageOf(hook.lifecycleEvent)]): void {
    // ECS invokes the name it is given, so the unqualified ARN is enough.
    iam.Grant.addToPrincipal({ grantee: this.role, actions: ['lambda:InvokeFunction'], resourceArns: [hook.function.functionArn] });
    this.entries.push({ hook, stages });
  }

  /**
   * Holds each deployment at POST_TEST_TRAFFIC_SHIFT until someone continues or rolls it back,
   * rolling back by itself after `wait` (a literal duration of whole minutes).
   */
  public addPause(wait: Duration): void {
    this.entries.push({ pause: wait });
  }

  private render(entry: Entry): Record<string, unknown> {
    if ('pause' in entry) {
      return {
        TargetType: 'PAUSE',
        LifecycleStages: [EcsLifecycleStage.POST_TEST_TRAFFIC_SHIFT],
        TimeoutConfiguration: { TimeoutInMinutes: wholeDurationIn(entry.pause, 'minutes'), Action: 'ROLLBACK' },
      };
    }
    const details = ecsHookDetailsOf(entry.hook);
    return {
      HookTargetArn: entry.hook.function.functionArn,
      RoleArn: this.role.roleArn,
      LifecycleStages: entry.stages,
      ...(details ? { HookDetails: details() } : {}),
    };
  }
}
