// Not exported from the package: where the service registers a hook on the Amazon ECS engine,
// read by the service and by the runbook that describes it.
import { EcsLifecycleStage } from './deployment-engine';
import { LifecycleEvent } from './lifecycle-event';

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
      return EcsLifecycleStage.PRE_PRODUCTION_TRAFFIC_SHIFT;
    case LifecycleEvent.AFTER_ALLOW_TRAFFIC:
      return EcsLifecycleStage.POST_PRODUCTION_TRAFFIC_SHIFT;
  }
}
