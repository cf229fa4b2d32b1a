/**
 * The hooks of one BlueGreenService: registration rules, the permissions each hook needs to take
 * part in a deployment, and the AppSpec that lists them.
 */
import { Annotations, Duration, Lazy, Resource, Stack, Tokenization } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import type { AppSpecOptions, ILifecycleHook } from '../lifecycle-hook';
import { TASK_DEFINITION_PLACEHOLDER, renderAppSpecYaml, sortHooks } from './appspec';
import { ReadableText } from '../../private/readable-text';
import { recordPropProblem } from '../../private/validation';
import { EcsLifecycleHooks } from './ecs-hooks';

/** The call a hook makes to tell CodeDeploy how it went. */
export const REPORT_HOOK_STATUS_ACTION = 'codedeploy:PutLifecycleEventHookExecutionStatus';

/** What the registry needs of the service it keeps the hooks of; the service code never imports a hook. */
export interface HookHost extends IConstruct {
  /** Absent on the Amazon ECS engine. */
  readonly deploymentGroup?: codedeploy.IEcsDeploymentGroup;
  readonly containerName: string;
  readonly containerPort: number;
}

/** On the Amazon ECS engine: the service whose lifecycle hooks list the hooks, and the role ECS invokes them with. */
export interface EcsHookHost {
  readonly service: ecs.FargateService;
  readonly role: iam.IRole;
}

export class HookRegistry {
  private readonly registered: ILifecycleHook[] = [];
  private readonly ecsHooks?: EcsLifecycleHooks;

  /**
   * @param deploymentGroupRole the role CodeDeploy deploys with, which must be allowed to invoke
   *   each hook; undefined when it is not known here (an imported deployment group)
   * @param roleInvokesAnyFunction true when that role carries AWSCodeDeployRoleForECS, which
   *   allows lambda:InvokeFunction on every function already, so a grant per hook adds nothing
   */
  constructor(
    private readonly service: HookHost,
    private readonly deploymentGroupRole: iam.IRole | undefined,
    private readonly roleInvokesAnyFunction = false,
    private readonly ecsHost?: EcsHookHost,
  ) {
    this.ecsHooks = ecsHost ? new EcsLifecycleHooks(ecsHost.service, ecsHost.role) : undefined;
  }

  /** The hooks in lifecycle order. */
  public get hooks(): ILifecycleHook[] {
    return sortHooks(this.registered);
  }

  public add(hook: ILifecycleHook): void {
    if (this.registered.includes(hook)) {
      return;
    }
    const service = this.service;
    const taken = this.registered.find((other) => other.lifecycleEvent === hook.lifecycleEvent);
    if (taken) {
      // Recorded on the service and left out: synthesis reports every problem of the app at once.
      recordPropProblem(service, 'hook', `${hook.lifecycleEvent} already runs ${describeHook(taken)}, cannot also run ${describeHook(hook)}; `
        + 'a service runs one hook per lifecycle event (CodeDeploy\'s rule, kept on the Amazon ECS engine too, so hooks work on both): combine the two in one function, or set another lifecycleEvent on one of them');
      return;
    }
    if (Resource.isOwnedResource(hook.function) && Stack.of(hook.function) !== Stack.of(service)) {
      recordPropProblem(service, 'hook', `${describeHook(hook)} has its function in stack ${Stack.of(hook.function).stackName} `
        + `but the service is in stack ${Stack.of(service).stackName}; the deployment group and the function refer to each other, `
        + 'so define the function in the service\'s stack (or import it there by ARN)');
      return;
    }
    if (this.ecsHooks) {
      this.ecsHooks.addFunction(hook);
    } else if (service.deploymentGroup) {
      grantReportHookStatus(hook.function, service.deploymentGroup);
      this.allowInvoke(hook);
    }
    this.registered.push(hook);
  }

  /**
   * Holds each deployment at POST_TEST_TRAFFIC_SHIFT for `wait`, until someone continues or rolls
   * it back (a PAUSE hook, listed after the hooks added so far and before those added later).
   */
  public addEcsPause(wait: Duration): void {
    this.ecsHooks?.addPause(wait);
  }

  /**
   * Lets CodeDeploy invoke `hook`'s function. A role of unknown policies (AWSCodeDeployRoleForECSLimited,
   * say, covers functions named CodeDeployHook_* only) gets an identity-based grant, which covers any
   * name and imported functions too. CodeDeploy invokes the name the AppSpec gives, so the unqualified
   * ARN is enough.
   */
  private allowInvoke(hook: ILifecycleHook): void {
    if (this.roleInvokesAnyFunction) {
      return;
    }
    if (!this.deploymentGroupRole) {
      Annotations.of(this.service).addWarningV2('cdk-ecs-release:deploymentGroupRole',
        `the role of the deployment group ${this.service.deploymentGroup?.deploymentGroupName} is not known here, so nothing lets CodeDeploy `
        + `invoke ${describeHook(hook)}; pass deploymentGroupRole to fromBlueGreenServiceAttributes, or allow lambda:InvokeFunction `
        + 'on the function to that role where it is defined (AWSCodeDeployRoleForECSLimited covers functions named CodeDeployHook_* only)');
      return;
    }
    iam.Grant.addToPrincipal({
      grantee: this.deploymentGroupRole,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [hook.function.functionArn],
    });
  }

  /** `appspec.yaml` as a person reads it, now: the hooks registered so far, deploy-time names as `<construct path>` placeholders. */
  public previewAppSpec(options: AppSpecOptions): string {
    return new ReadableText(this.service).of(this.renderAppSpec(options, 'previewAppSpec()'));
  }

  /** `appspec.yaml`, rendered at synthesis so that hooks added later are listed too; the function names resolve at deployment. */
  public renderAppSpec(options: AppSpecOptions, method = '_renderAppSpec()'): string {
    const service = this.service;
    if (this.ecsHost) {
      throw new Error(`${service.node.path}: ${method} has no AppSpec to render on the Amazon ECS engine, which takes its hooks `
        + 'from the service definition; a release there is a stack update');
    }
    return Lazy.string({
      produce: () => renderAppSpecYaml({
        taskDefinition: options.taskDefinition?.taskDefinitionArn ?? TASK_DEFINITION_PLACEHOLDER,
        containerName: service.containerName,
        containerPort: Tokenization.stringifyNumber(service.containerPort),
        platformVersion: options.platformVersion,
        hooks: this.registered.map((hook) => ({ lifecycleEvent: hook.lifecycleEvent, functionName: hook.function.functionName })),
      }),
    });
  }
}

/**
 * Lets `grantee` report a hook's status on `deploymentGroup`, and no other.
 * AWS scopes `PutLifecycleEventHookExecutionStatus` by deployment group.
 */
export function grantReportHookStatus(grantee: iam.IGrantable, deploymentGroup: codedeploy.IEcsDeploymentGroup): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [REPORT_HOOK_STATUS_ACTION],
    resourceArns: [deploymentGroup.deploymentGroupArn],
  });
}

function describeHook(hook: ILifecycleHook): string {
  const construct: IConstruct = hook instanceof Construct ? hook : hook.function;
  return construct.node.path;
}
