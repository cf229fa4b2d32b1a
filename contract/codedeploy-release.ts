/**
 * What the CodeDeploy release custom resource passes to its handler. With the `CODE_DEPLOY`
 * deployment controller, a stack update that changes the task definition only registers a new
 * revision; this resource releases it: on each create or update it starts a CodeDeploy blue/green
 * deployment with the rendered AppSpec, waits for it, and fails (so the stack update rolls back)
 * when the deployment fails, is stopped or rolls back.
 *
 * CloudFormation delivers every property as a string, numbers included; the handler parses them.
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Type of the custom resource in the template. */
export const CODEDEPLOY_RELEASE_RESOURCE_TYPE = 'Custom::CodeDeployRelease';

/** The resource's properties, as the construct writes them. */
export interface CodeDeployReleaseProperties {
  /** The CodeDeploy application. */
  readonly ApplicationName: string;
  /** The service's deployment group. */
  readonly DeploymentGroupName: string;
  /** Name (or ARN) of the service's cluster. */
  readonly ClusterName: string;
  /** Name (or ARN) of the ECS service. */
  readonly ServiceName: string;
  /**
   * The task definition to release. A change of it is what makes CloudFormation update the
   * resource, and so what starts a deployment.
   */
  readonly TaskDefinitionArn: string;
  /** The AppSpec (YAML or JSON), hooks included, naming {@link TaskDefinitionArn}. */
  readonly AppSpecContent: string;
  /**
   * Longest the release may take, counted from the first invocation, approval wait and termination
   * wait included; then the deployment is stopped with rollback and the resource fails. At most
   * {@link MAX_CODEDEPLOY_RELEASE_TIMEOUT_SECONDS}.
   */
  readonly TimeoutSeconds: number;
  /** Seconds between two GetDeployment polls. Default {@link CODEDEPLOY_RELEASE_DEFAULTS}.pollSeconds. */
  readonly PollSeconds?: number;
}

/** The property names, for code that reads or writes them by name. */
export const CODEDEPLOY_RELEASE_PROPERTY_NAMES = [
  'ApplicationName',
  'DeploymentGroupName',
  'ClusterName',
  'ServiceName',
  'TaskDefinitionArn',
  'AppSpecContent',
  'TimeoutSeconds',
  'PollSeconds',
] as const satisfies readonly (keyof CodeDeployReleaseProperties)[];

/** CloudFormation waits at most one hour for a custom resource's answer. */
export const CUSTOM_RESOURCE_TIMEOUT_SECONDS = 3600;

/**
 * Longest `TimeoutSeconds`: five minutes under CloudFormation's hour, for the stop with rollback,
 * the answer, and a hand-over that starts late.
 */
export const MAX_CODEDEPLOY_RELEASE_TIMEOUT_SECONDS = 3300;

export const CODEDEPLOY_RELEASE_DEFAULTS = {
  /** What a release without `TimeoutSeconds` may take. */
  timeoutSeconds: MAX_CODEDEPLOY_RELEASE_TIMEOUT_SECONDS,
  pollSeconds: 15,
  /**
   * The function's timeout the construct should set: Lambda's longest, so that a release of up to
   * 55 minutes needs four hand-overs at most.
   */
  functionTimeoutSeconds: 900,
} as const;

/** `Fn::GetAtt` attribute: the deployment that released the task definition, empty when none was needed. */
export const CODEDEPLOY_RELEASE_DEPLOYMENT_ID_ATTRIBUTE = 'DeploymentId';

/**
 * IAM actions the handler needs, by the resource each is authorised on. `CreateDeployment` is
 * authorised on the deployment group and, for the revision it registers and the configuration it
 * reads, needs `RegisterApplicationRevision` on the application and `GetDeploymentConfig` on the
 * group's deployment configuration.
 */
export const CODEDEPLOY_RELEASE_ACTIONS = {
  /** `arn:…:codedeploy:<region>:<account>:deploymentgroup:<application>/<group>` */
  deploymentGroup: [
    'codedeploy:CreateDeployment',
    'codedeploy:GetDeployment',
    'codedeploy:ListDeployments',
    'codedeploy:StopDeployment',
  ],
  /** `arn:…:codedeploy:<region>:<account>:application:<application>` */
  application: ['codedeploy:RegisterApplicationRevision'],
  /** `arn:…:codedeploy:<region>:<account>:deploymentconfig:<config>` */
  deploymentConfig: ['codedeploy:GetDeploymentConfig'],
  /** `arn:…:ecs:<region>:<account>:service/<cluster>/<service>` */
  service: ['ecs:DescribeServices'],
  /** The function itself, to hand a long wait over to a fresh invocation. */
  self: ['lambda:InvokeFunction'],
} as const;
