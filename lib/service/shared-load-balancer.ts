import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct, IConstruct } from 'constructs';
import { propMessage, recordPropProblem, reportAtSynthesis } from '../private/validation';
import type { ServiceListenerOptions } from './listener-options';
import { createOwnListeners } from './private/own-listeners';
import { checkListenerOptions } from './private/service-input';
import type { ServiceRouting } from './service-routing';

/** Properties of a {@link SharedLoadBalancer}. */
export interface SharedLoadBalancerProps extends ServiceListenerOptions {
  /** The VPC of the load balancer and of the services behind it. */
  readonly vpc: ec2.IVpc;
}

/** A service routed through a shared load balancer, as it registers there. */
interface Route {
  readonly service: IConstruct;
  readonly routing: ServiceRouting;
}

/**
 * An Application Load Balancer with a production and a test listener that several services on
 * the Amazon ECS engine share, each taking the requests its {@link ServiceRouting} names (a host,
 * a path) through rules of its own, which Amazon ECS shifts in its deployments. The listeners
 * answer 404 to requests no service takes. Define it once (in a network stack, say) and give it
 * to each `BlueGreenService` as `sharedLoadBalancer`, with `routing`.
 *
 * @exampleMetadata fixture=lib
 * @example
 * const edge = new SharedLoadBalancer(network, 'Edge', { vpc, certificate });
 * new BlueGreenService(this, 'Orders', {
 *   image, cluster, engine: DeploymentEngine.ecs(),
 *   sharedLoadBalancer: edge, routing: ServiceRouting.hostHeaders(['orders.example.com'], 10),
 * });
 */
export class SharedLoadBalancer extends Construct {
  /** The load balancer. */
  public readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The listener for production traffic; each service adds its rule. */
  public readonly productionListener: elbv2.ApplicationListener;
  /** The listener the new version is tested through before production traffic; each service adds its rule. */
  public readonly testListener: elbv2.ApplicationListener;
  /** The HTTP listener redirecting to HTTPS, with `redirectHttp`. */
  public readonly redirectListener?: elbv2.ApplicationListener;
  /** The VPC of the load balancer. */
  public readonly vpc: ec2.IVpc;
  /** Port of the production listener. */
  public readonly listenerPort: number;
  /** Port of the test listener. */
  public readonly testListenerPort: number;
  /** Whether the listeners speak HTTPS. */
  public readonly https: boolean;

  private readonly routes: Route[] = [];

  constructor(scope: Construct, id: string, props: SharedLoadBalancerProps) {
    super(scope, id);
    const input = checkListenerOptions(this, props);
    this.vpc = props.vpc;
    this.https = input.https;
    this.listenerPort = input.listenerPort;
    this.testListenerPort = input.testListenerPort;
    // Every request goes through a service's rule; the rest find no service.
    const own = createOwnListeners(this, props, {
      input, vpc: this.vpc, name: id, logPrefix: id, reportsClashes: (construct) => construct instanceof SharedLoadBalancer,
    });
    this.loadBalancer = own.loadBalancer;
    this.productionListener = own.productionListener;
    this.testListener = own.testListener;
    this.redirectListener = own.redirectListener;
    reportAtSynthesis(this, () => [...own.portProblems(), ...this.routeProblems()]);
  }

  /** The services routed here so far, with their routing. */
  public get services(): IConstruct[] {
    return this.routes.map((route) => route.service);
  }

  /** Registers `service`'s routing, checked at synthesis against the others'. @internal */
  public _addRoute(service: IConstruct, routing: ServiceRouting): void {
    if (this.routes.some((route) => route.service === service)) {
      recordPropProblem(this, 'routing', `has ${service.node.path} twice`);
      return;
    }
    this.routes.push({ service, routing });
  }

  /** Two services at one priority, or matching the same requests, would leave one unreachable. */
  private routeProblems(): string[] {
    const problems: string[] = [];
    this.routes.forEach((route, index) => {
      for (const earlier of this.routes.slice(0, index)) {
        if (earlier.routing.priority === route.routing.priority) {
          problems.push(propMessage(route.service, 'routing', `has priority ${route.routing.priority}, which ${earlier.service.node.path} `
            + `already has on ${this.node.path}; the load balancer takes each priority once per listener: give each service its own`));
        } else if (earlier.routing._matchKey() === route.routing._matchKey()) {
          problems.push(propMessage(route.service, 'routing', `matches the same requests as ${earlier.service.node.path} on ${this.node.path} `
            + `(${route.routing.describe()}), so the rule with the lower priority would take them all; route by another host or path`));
        }
      }
    });
    return problems;
  }
}
