/**
 * One listener per port of a load balancer. CodeDeploy shifts traffic by swapping the single
 * default action of the production and test listeners, so two services cannot share one; and
 * the load balancer refuses two listeners on one port at deploy time.
 */
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { IConstruct } from 'constructs';
import { isResolved, propMessage } from '../../private/validation';

/** A listener of the service and the prop that chose its port. */
export interface OwnListener {
  readonly listener: elbv2.ApplicationListener;
  readonly prop: string;
}

/**
 * What clashes with the service's listeners among the other listeners on its load balancer in the
 * construct tree. A clash between two services is reported once, by the one defined later.
 * `isService` tells a construct that reports clashes itself.
 */
export function listenerPortProblems(
  service: IConstruct,
  loadBalancer: elbv2.IApplicationLoadBalancer,
  own: OwnListener[],
  isService: (construct: IConstruct) => boolean,
): string[] {
  const all = service.node.root.node.findAll();
  const order = new Map(all.map((construct, index) => [construct, index]));
  const ownListeners = new Set(own.map((o) => o.listener));
  const others = all.filter((c): c is elbv2.ApplicationListener =>
    c instanceof elbv2.ApplicationListener && c.loadBalancer === loadBalancer && !ownListeners.has(c));
  const problems: string[] = [];
  for (const { listener, prop } of own) {
    if (!isResolved(listener.port)) {
      continue;
    }
    for (const other of others) {
      if (other.port !== listener.port) {
        continue;
      }
      const owner = other.node.scopes.find((scope) => scope !== other && isService(scope));
      if (owner && (order.get(owner) ?? 0) > (order.get(service) ?? 0)) {
        continue;
      }
      const by = owner ? `of service ${owner.node.path}` : other.node.path;
      problems.push(propMessage(service, prop, `port ${listener.port} of load balancer ${loadBalancer.node.path} already has a listener (${by}); `
        + 'CodeDeploy shifts traffic by swapping the one default action of a listener, so each port of a load balancer serves one service. '
        + `Use another ${prop === 'redirectHttp' ? 'port for that listener, redirectHttp: false' : prop}, or another load balancer`));
    }
  }
  return problems;
}
