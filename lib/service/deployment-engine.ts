/** Which service runs a blue/green deployment of a {@link BlueGreenService}. */
export enum DeploymentEngineKind {
  /** AWS CodeDeploy, with the `CODE_DEPLOY` deployment controller: task sets, AppSpec hooks, deployment groups. */
  CODE_DEPLOY = 'CODE_DEPLOY',
  /** Amazon ECS itself, with the `ECS` deployment controller: service revisions, listener rules, lifecycle hooks. */
  ECS = 'ECS',
}

/**
 * The Amazon ECS lifecycle stages a hook can run at, as the `LifecycleStages` of an ECS service's
 * deployment configuration name them.
 */
export enum EcsLifecycleStage {
  /** Before the new (green) revision's tasks start; blue serves all production traffic. */
  PRE_SCALE_UP = 'PRE_SCALE_UP',
  /** Green's tasks run; no traffic reaches them yet. */
  POST_SCALE_UP = 'POST_SCALE_UP',
  /** Test traffic is moving to green. Runs again when the deployment rolls back. */
  TEST_TRAFFIC_SHIFT = 'TEST_TRAFFIC_SHIFT',
  /** Green serves all test traffic; production still goes to blue. */
  POST_TEST_TRAFFIC_SHIFT = 'POST_TEST_TRAFFIC_SHIFT',
  /** Before production traffic moves to green; before each step of a canary or linear shift. */
  PRE_PRODUCTION_TRAFFIC_SHIFT = 'PRE_PRODUCTION_TRAFFIC_SHIFT',
  /** Production traffic is moving to green, at each step. Runs again when the deployment rolls back. */
  PRODUCTION_TRAFFIC_SHIFT = 'PRODUCTION_TRAFFIC_SHIFT',
  /** Green serves all production traffic; blue still runs during the bake time. */
  POST_PRODUCTION_TRAFFIC_SHIFT = 'POST_PRODUCTION_TRAFFIC_SHIFT',
}

/**
 * The engine that deploys a {@link BlueGreenService}: CodeDeploy, or Amazon ECS's own blue/green,
 * canary and linear deployments. Both run the same hooks and roll back on the same alarms.
 *
 * @exampleMetadata fixture=lib
 * @example
 * new BlueGreenService(this, 'Api', { image, engine: DeploymentEngine.ecs() });
 */
export class DeploymentEngine {
  /**
   * AWS CodeDeploy: a deployment group swaps the listeners' target groups, and a release is a
   * CodeDeploy deployment, started by `ReleasePipeline` (or, with `deployOnStackUpdate`, by
   * `cdk deploy`). Routes by whole listeners, one service per listener.
   */
  public static codeDeploy(): DeploymentEngine {
    return new DeploymentEngine(DeploymentEngineKind.CODE_DEPLOY);
  }

  /**
   * Amazon ECS: the service itself shifts its production and test listener rules between the
   * target groups, so every change of the service in a stack update (`cdk deploy`) is a
   * blue/green release, and CloudFormation fails the update when it rolls back.
   */
  public static ecs(): DeploymentEngine {
    return new DeploymentEngine(DeploymentEngineKind.ECS);
  }

  private constructor(
    /** Which engine this is. */
    public readonly kind: DeploymentEngineKind,
  ) {}

  /** A short name for messages, e.g. `Amazon ECS`. */
  public describe(): string {
    return this.kind === DeploymentEngineKind.ECS ? 'Amazon ECS' : 'CodeDeploy';
  }
}
