/**
 * A load balancer (given or created) with a production and a test listener, opened to their
 * peers: a service's own, or a SharedLoadBalancer's.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct, IConstruct } from 'constructs';
import type { ServiceListenerOptions } from '../listener-options';
import { noRouteAction } from './ecs-engine';
import { accessLogsBucketOf } from './environment-checks';
import { openListeners } from './listener-access';
import { listenerPortProblems } from './listener-ports';
import { ListenerInput, checkLoadBalancerVpc } from './service-input';
import { createLoadBalancer, protectLoadBalancer } from './vpc';

/** The listeners built, and what clashes with them on their load balancer. */
export interface OwnListeners {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly productionListener: elbv2.ApplicationListener;
  readonly testListener: elbv2.ApplicationListener;
  readonly redirectListener?: elbv2.ApplicationListener;
  /** The listener-port clashes, read at synthesis: listeners of others may be added later. */
  readonly portProblems: () => string[];
}

/** What the listeners are built from besides the props. */
export interface OwnListenerParts {
  readonly input: ListenerInput;
  readonly vpc: ec2.IVpc;
  /** Names the listeners in security-group rule descriptions. */
  readonly name: string;
  /** The access-log prefix of a load balancer created here. */
  readonly logPrefix: string;
  /**
   * What the listeners forward to by default: CodeDeploy swaps these target groups. Without them
   * the listeners answer 404 and every request goes through rules, which Amazon ECS shifts.
   */
  readonly defaultTargetGroups?: { readonly production: elbv2.IApplicationTargetGroup; readonly test: elbv2.IApplicationTargetGroup };
  /** Tells a construct that reports listener-port clashes itself. */
  readonly reportsClashes: (construct: IConstruct) => boolean;
}

export function createOwnListeners(scope: Construct, props: ServiceListenerOptions, parts: OwnListenerParts): OwnListeners {
  const { input, vpc } = parts;
  const loadBalancer = props.loadBalancer
    ?? createLoadBalancer(scope, vpc, { ...props, accessLogsBucket: accessLogsBucketOf(scope, props) }, parts.logPrefix);
  checkLoadBalancerVpc(scope, loadBalancer, vpc);
  protectLoadBalancer(scope, props, loadBalancer);
  const listener = (id: string, port: number, targetGroup: elbv2.IApplicationTargetGroup | undefined) => new elbv2.ApplicationListener(scope, id, {
    loadBalancer,
    port,
    protocol: input.https ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
    certificates: input.https && props.certificate ? [props.certificate] : undefined,
    sslPolicy: input.https ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
    ...(targetGroup ? { defaultTargetGroups: [targetGroup] } : { defaultAction: noRouteAction() }),
    // Opened below only to the peers the props name.
    open: false,
  });
  const productionListener = listener('ProductionListener', input.listenerPort, parts.defaultTargetGroups?.production);
  const testListener = listener('TestListener', input.testListenerPort, parts.defaultTargetGroups?.test);
  const redirectListener = openListeners(scope, props, {
    loadBalancer, vpc, serviceName: parts.name,
    listenerPort: input.listenerPort, testListenerPort: input.testListenerPort, redirectHttp: input.redirectHttp,
  });
  const portProblems = () => listenerPortProblems(scope, loadBalancer, [
    { listener: productionListener, prop: 'listenerPort' },
    { listener: testListener, prop: 'testListenerPort' },
    ...(redirectListener ? [{ listener: redirectListener, prop: 'redirectHttp' }] : []),
  ], parts.reportsClashes);
  return { loadBalancer, productionListener, testListener, redirectListener, portProblems };
}
