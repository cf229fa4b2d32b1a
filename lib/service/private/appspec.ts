/**
 * Renders the AppSpec file of a CodeDeploy blue/green deployment on Amazon ECS.
 *
 * The shape is small and fixed, so the YAML is written by hand rather than through a YAML
 * library (which would become a runtime dependency of every user). Every string is emitted as a
 * double-quoted scalar; JSON string syntax is valid YAML, so `JSON.stringify` does the escaping.
 * Values may contain CDK tokens (function names, an ARN): token markers contain no character
 * that needs escaping, so they survive and resolve at synthesis into a CloudFormation string.
 */
import { TASK_DEFINITION_PLACEHOLDER } from '../../../contract/artifacts';
import { LifecycleEvent } from '../lifecycle-event';

export { TASK_DEFINITION_PLACEHOLDER };

/** The lifecycle events in the order CodeDeploy runs them. */
export const LIFECYCLE_EVENT_ORDER: readonly LifecycleEvent[] = [
  LifecycleEvent.BEFORE_INSTALL,
  LifecycleEvent.AFTER_INSTALL,
  LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC,
  LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
  LifecycleEvent.AFTER_ALLOW_TRAFFIC,
];

export interface AppSpecHook {
  readonly lifecycleEvent: LifecycleEvent;
  /** Function name or ARN, as CodeDeploy accepts either. */
  readonly functionName: string;
}

export interface AppSpecInput {
  /** Task definition ARN, or {@link TASK_DEFINITION_PLACEHOLDER} for CodePipeline. */
  readonly taskDefinition: string;
  readonly containerName: string;
  /** The container port as a string (it may be a token). */
  readonly containerPort: string;
  /** Fargate platform version, e.g. `LATEST` or `1.4.0`. */
  readonly platformVersion?: string;
  /** In any order; rendered in lifecycle order. */
  readonly hooks: readonly AppSpecHook[];
}

/** Hooks sorted in the order CodeDeploy runs their events; stable within one event. */
export function sortHooks<T extends { readonly lifecycleEvent: LifecycleEvent }>(hooks: readonly T[]): T[] {
  return hooks
    .map((hook, index) => ({ hook, index }))
    .sort((a, b) => LIFECYCLE_EVENT_ORDER.indexOf(a.hook.lifecycleEvent) - LIFECYCLE_EVENT_ORDER.indexOf(b.hook.lifecycleEvent)
      || a.index - b.index)
    .map(({ hook }) => hook);
}

/** A YAML double-quoted scalar. */
export function yamlString(value: string): string {
  return JSON.stringify(value);
}

/** Renders `appspec.yaml`. */
export function renderAppSpecYaml(input: AppSpecInput): string {
  const lines = [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    `        TaskDefinition: ${yamlString(input.taskDefinition)}`,
    '        LoadBalancerInfo:',
    `          ContainerName: ${yamlString(input.containerName)}`,
    `          ContainerPort: ${input.containerPort}`,
  ];
  if (input.platformVersion !== undefined) {
    lines.push(`        PlatformVersion: ${yamlString(input.platformVersion)}`);
  }
  const hooks = sortHooks(input.hooks);
  if (hooks.length > 0) {
    lines.push('Hooks:');
    for (const hook of hooks) {
      lines.push(`  - ${hook.lifecycleEvent}: ${yamlString(hook.functionName)}`);
    }
  }
  return lines.join('\n') + '\n';
}
