/**
 * The Amazon ECS engine's parts of a BlueGreenService: the production and test listener rules ECS
 * shifts between the target groups, the role ECS shifts them and invokes the hooks with, and the
 * service's alternate target.
 */
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { literalAlarmName } from '../../private/alarm-names';
import { consoleUrl } from '../../private/console-url';
import { valid } from '../../private/validation';
import { HookRegistry } from './hook-registry';
import { stackServiceRoleOf } from './stack-service-role';
import type { HookHost } from './hook-registry';

/** The managed policy AWS documents for the role ECS shifts listener rules with. */
const LOAD_BALANCER_POLICY = 'AmazonECSInfrastructureRolePolicyForLoadBalancers';

/** The listener rules ECS shifts: both forward to blue and green, weighted 100 and 0 when created. */
export interface EcsListenerRules {
  readonly productionRule: elbv2.ApplicationListenerRule;
  readonly testRule: elbv2.ApplicationListenerRule;
}

/**
 * One rule per listener that takes every request (`/*`), or those of the service's routing, and forwards them to both target groups,
 * blue weighted 100 and green 0. ECS changes the weights in every deployment; CloudFormation
 * writes them again only when the rule's own properties change, and nothing a release changes
 * (image, environment, size, hooks, alarms, strategy) is part of them, so a stack update never
 * sends traffic back to a target group ECS has emptied (aws-cdk #36649). The listeners' default
 * actions answer 404: they route nothing, so ECS has only the rules to shift.
 */
export function createListenerRules(scope: Construct, listeners: {
  readonly production: elbv2.ApplicationListener;
  readonly test: elbv2.ApplicationListener;
  readonly blue: elbv2.IApplicationTargetGroup;
  readonly green: elbv2.IApplicationTargetGroup;
  /** The requests the rules take (a service's routing on a shared load balancer). @default every request */
  readonly conditions?: elbv2.ListenerCondition[];
  /** @default 1 */
  readonly priority?: number;
}): EcsListenerRules {
  const rule = (id: string, listener: elbv2.ApplicationListener) => new elbv2.ApplicationListenerRule(scope, id, {
    listener,
    priority: listeners.priority ?? 1,
    conditions: listeners.conditions ?? [elbv2.ListenerCondition.pathPatterns(['/*'])],
    action: elbv2.ListenerAction.weightedForward([
      { targetGroup: listeners.blue, weight: 100 },
      { targetGroup: listeners.green, weight: 0 },
    ]),
  });
  return { productionRule: rule('ProductionRule', listeners.production), testRule: rule('TestRule', listeners.test) };
}

/** The default action of a listener whose requests all go through rules. */
export function noRouteAction(): elbv2.ListenerAction {
  return elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'no route' });
}

/** The id, under its stack, of the role the stack's services on the Amazon ECS engine deploy with. */
export const ECS_DEPLOYMENT_ROLE_ID = 'CdkEcsReleaseEcsDeploymentRole';

/**
 * The one role Amazon ECS assumes in the deployments of a stack's services: to shift their
 * listener rules and register targets (the managed policy AWS documents and maintains as ECS adds
 * calls, which covers every load balancer alike), and to invoke their hooks (one statement per
 * hook function, added as hooks are). The library's hook functions are shared by the stack's
 * services too, so a role per service would hold the same statements again, two resources more
 * per service.
 */
export function ecsDeploymentRoleOf(stack: Stack): iam.Role {
  return stackServiceRoleOf(stack, {
    id: ECS_DEPLOYMENT_ROLE_ID,
    assumedBy: 'ecs.amazonaws.com',
    managedPolicyName: LOAD_BALANCER_POLICY,
    managedPolicyReason: `${LOAD_BALANCER_POLICY} is the policy AWS documents for the role Amazon ECS shifts listener rules with in blue/green deployments; AWS maintains it as ECS adds calls.`,
    description: 'Amazon ECS shifts the listener rules of this stack\'s services and invokes their hooks with it in blue/green deployments',
  });
}

/**
 * Registers `service` with blue, green being its alternate target group, shifted on the two
 * rules with `role`.
 */
export function attachAlternateTarget(service: ecs.FargateService, parts: {
  readonly blue: elbv2.ApplicationTargetGroup;
  readonly green: elbv2.IApplicationTargetGroup;
  readonly rules: EcsListenerRules;
  readonly role: iam.IRole;
  readonly containerName: string;
  readonly containerPort: number;
}): void {
  parts.blue.addTarget(service.loadBalancerTarget({
    containerName: parts.containerName,
    containerPort: parts.containerPort,
    alternateTarget: new ecs.AlternateTarget('AlternateTarget', {
      alternateTargetGroup: parts.green,
      productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(parts.rules.productionRule),
      testListener: ecs.ListenerRuleConfiguration.applicationListenerRule(parts.rules.testRule),
      role: parts.role,
    }),
  }));
  // ECS refuses a target group no listener forwards to: both rules must exist first.
  service.node.addDependency(parts.rules.productionRule, parts.rules.testRule);
}

/**
 * Makes `alarms` the service's deployment alarms with rollback, rendered at synthesis so that
 * alarms added later count; none leaves the setting out.
 */
export function renderDeploymentAlarms(service: ecs.FargateService, alarms: () => cloudwatch.IAlarm[]): void {
  const resource = service.node.defaultChild as ecs.CfnService;
  resource.addPropertyOverride('DeploymentConfiguration.Alarms', Lazy.any({
    produce: () => {
      const names = alarms().map(literalAlarmName);
      return names.length === 0 ? undefined : { AlarmNames: names, Enable: true, Rollback: true };
    },
  }));
}

/**
 * The Amazon ECS engine of a service: its deployment role, green as its alternate target on the
 * two rules, the registry of its lifecycle hooks and, with `approvalWait`, the pause hook.
 */
export function setUpEcsDeployments(host: HookHost & Construct, parts: {
  readonly service: ecs.FargateService;
  readonly blue: elbv2.ApplicationTargetGroup;
  readonly green: elbv2.IApplicationTargetGroup;
  readonly rules: EcsListenerRules;
  readonly containerName: string;
  readonly containerPort: number;
  readonly approvalWait?: Duration;
}): { readonly role: iam.Role; readonly hookRegistry: HookRegistry } {
  const role = ecsDeploymentRoleOf(Stack.of(host));
  attachAlternateTarget(parts.service, { ...parts, role });
  const hookRegistry = new HookRegistry(host, undefined, false, { service: parts.service, role });
  const wait = parts.approvalWait;
  if (wait && valid(host, 'approvalWait', wait.isUnresolved()
    ? 'must be a literal duration on the Amazon ECS engine, whose pause hook takes it as its timeout; give e.g. Duration.hours(4)' : undefined)) {
    hookRegistry.addEcsPause(wait);
  }
  return { role, hookRegistry };
}

/** A link to the service's deployments in the Amazon ECS console. */
export function serviceDeploymentsConsoleUrlOf(scope: IConstruct, cluster: ecs.ICluster, service: ecs.IBaseService): string {
  return consoleUrl(scope, `ecs/v2/clusters/${cluster.clusterName}/services/${service.serviceName}/deployments`);
}
