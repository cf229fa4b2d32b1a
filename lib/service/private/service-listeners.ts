/**
 * How a BlueGreenService is reached: its own load balancer and listeners, or the listeners of a
 * SharedLoadBalancer through rules of its own; its target groups, and on the Amazon ECS engine the
 * rules ECS shifts between them.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct, IConstruct } from 'constructs';
import { recordPropProblem, reportAtSynthesis } from '../../private/validation';
import type { BlueGreenServiceProps } from '../blue-green-service-props';
import type { ServiceListenerOptions } from '../listener-options';
import { ServiceRouting } from '../service-routing';
import type { SharedLoadBalancer } from '../shared-load-balancer';
import { EcsListenerRules, createListenerRules } from './ecs-engine';
import { createOwnListeners } from './own-listeners';
import { ServiceInput, checkLoadBalancerVpc } from './service-input';
import { RuntimeInput } from './runtime-options';

/** The listener props a shared load balancer takes in the service's place. */
const LISTENER_PROPS: (keyof ServiceListenerOptions)[] = [
  'loadBalancer', 'internetFacing', 'protocol', 'listenerPort', 'testListenerPort', 'testListenerPeers',
  'productionListenerPeers', 'redirectHttp', 'accessLogsBucket', 'deletionProtection', 'webAclArn',
];

/** What the service is reached through. */
export interface ServiceListeners {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly productionListener: elbv2.ApplicationListener;
  readonly testListener: elbv2.ApplicationListener;
  readonly redirectListener?: elbv2.ApplicationListener;
  readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
  /** On the Amazon ECS engine. */
  readonly rules?: EcsListenerRules;
  readonly routing?: ServiceRouting;
  readonly https: boolean;
  readonly listenerPort: number;
  readonly testListenerPort: number;
}

/** What the listeners are built from besides the props. */
export interface ServiceListenerParts {
  readonly input: ServiceInput;
  readonly runtime: RuntimeInput;
  readonly vpc: ec2.IVpc;
  readonly serviceName: string;
  readonly logPrefix: string;
  readonly onEcs: boolean;
  /** Tells a construct that reports listener-port clashes itself. */
  readonly isService: (construct: IConstruct) => boolean;
}

/**
 * The service's target groups and listeners. On its own load balancer (given or created) the
 * service has its own production and test listeners; through a shared one it takes the shared
 * listeners and adds a production and a test rule matching its `routing`.
 */
export function createServiceListeners(scope: Construct, props: BlueGreenServiceProps, parts: ServiceListenerParts): ServiceListeners {
  const { input, runtime, vpc, onEcs } = parts;
  const shared = props.sharedLoadBalancer;
  const routing = checkedRouting(scope, props, onEcs);
  const targetGroupProps: elbv2.ApplicationTargetGroupProps = {
    vpc,
    port: input.containerPort,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targetType: elbv2.TargetType.IP,
    deregistrationDelay: input.deregistrationDelay,
    healthCheck: {
      path: input.healthCheckPath,
      interval: input.healthCheckInterval,
      healthyThresholdCount: runtime.healthyThresholdCount,
      unhealthyThresholdCount: runtime.unhealthyThresholdCount,
      healthyHttpCodes: runtime.healthyHttpCodes,
    },
  };
  const blueTargetGroup = new elbv2.ApplicationTargetGroup(scope, 'BlueTargetGroup', targetGroupProps);
  const greenTargetGroup = new elbv2.ApplicationTargetGroup(scope, 'GreenTargetGroup', targetGroupProps);
  const targets = { blue: blueTargetGroup, green: greenTargetGroup };

  if (shared) {
    for (const prop of LISTENER_PROPS.filter((p) => props[p] !== undefined)) {
      recordPropProblem(scope, prop, 'is given together with sharedLoadBalancer, whose listeners the service takes; set it on the '
        + `SharedLoadBalancer ${shared.node.path}, or remove it`);
    }
    checkLoadBalancerVpc(scope, shared.loadBalancer, vpc);
    addServiceCertificate(scope, shared, props.certificate);
    if (routing) {
      shared._addRoute(scope, routing);
    }
    const routed = routing ?? fallbackRouting();
    const rules = onEcs ? createListenerRules(scope, {
      production: shared.productionListener, test: shared.testListener, ...targets, conditions: routed._conditions(), priority: routed.priority,
    }) : undefined;
    return {
      loadBalancer: shared.loadBalancer, productionListener: shared.productionListener, testListener: shared.testListener,
      blueTargetGroup, greenTargetGroup, rules, routing,
      https: shared.https, listenerPort: shared.listenerPort, testListenerPort: shared.testListenerPort,
    };
  }

  // CodeDeploy swaps the listeners' default target groups; ECS shifts rules, so nothing is routed by default.
  const own = createOwnListeners(scope, props, {
    input, vpc, name: parts.serviceName, logPrefix: parts.logPrefix, reportsClashes: parts.isService,
    defaultTargetGroups: onEcs ? undefined : { production: blueTargetGroup, test: greenTargetGroup },
  });
  const { loadBalancer, productionListener, testListener, redirectListener } = own;
  const rules = onEcs ? createListenerRules(scope, {
    production: productionListener, test: testListener, ...targets,
    ...(routing ? { conditions: routing._conditions(), priority: routing.priority } : {}),
  }) : undefined;
  reportAtSynthesis(scope, own.portProblems);
  return {
    loadBalancer, productionListener, testListener, redirectListener, blueTargetGroup, greenTargetGroup, rules, routing,
    https: input.https, listenerPort: input.listenerPort, testListenerPort: input.testListenerPort,
  };
}

/** `routing` where the engine and the load balancer can use it, its problems recorded on `scope`. */
function checkedRouting(scope: Construct, props: BlueGreenServiceProps, onEcs: boolean): ServiceRouting | undefined {
  if (props.sharedLoadBalancer && !onEcs) {
    recordPropProblem(scope, 'sharedLoadBalancer', 'needs the Amazon ECS engine: CodeDeploy shifts traffic by swapping a listener\'s one '
      + 'default action, so it cannot share a listener with other services; use engine: DeploymentEngine.ecs(), which shifts rules, '
      + 'or give the service a load balancer (or listener ports) of its own');
  }
  if (props.sharedLoadBalancer && !props.routing) {
    recordPropProblem(scope, 'routing', 'is required with sharedLoadBalancer: say which requests are this service\'s, e.g. '
      + 'ServiceRouting.hostHeaders([\'orders.example.com\'], 10)');
  }
  const routing = props.routing;
  if (!routing) {
    return undefined;
  }
  if (!onEcs) {
    recordPropProblem(scope, 'routing', 'needs the Amazon ECS engine: CodeDeploy routes every request of a listener to the service; '
      + 'use engine: DeploymentEngine.ecs(), or remove routing');
    return undefined;
  }
  const problems = routing._problems();
  for (const problem of problems) {
    recordPropProblem(scope, 'routing', problem);
  }
  return problems.length === 0 ? routing : undefined;
}

/** What an invalid or missing routing is built as while synthesis reports it: every request, last. */
function fallbackRouting(): ServiceRouting {
  return ServiceRouting.of({ pathPatterns: ['/*'], priority: 50000 });
}

/**
 * The service's own certificate on a shared HTTPS load balancer: both listeners present it by SNI
 * to clients asking for its name. Made in the service's scope, so the network stack never refers
 * to the service's stack.
 */
function addServiceCertificate(scope: Construct, shared: SharedLoadBalancer, certificate: elbv2.IListenerCertificate | undefined): void {
  if (!certificate) {
    return;
  }
  if (!shared.https) {
    recordPropProblem(scope, 'certificate', `is given, but the listeners of the SharedLoadBalancer ${shared.node.path} speak HTTP; `
      + 'give that load balancer a certificate (HTTPS), or remove this one');
    return;
  }
  new elbv2.ApplicationListenerCertificate(scope, 'ProductionCertificate', { listener: shared.productionListener, certificates: [certificate] });
  new elbv2.ApplicationListenerCertificate(scope, 'TestCertificate', { listener: shared.testListener, certificates: [certificate] });
}
