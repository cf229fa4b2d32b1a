import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { ServiceListenerOptions } from '../listener-options';
import { productionListenerPeersOf, testListenerPeersOf } from './environment-checks';

/**
 * Opens the production and test listeners to their peers, and adds the HTTP to HTTPS redirect
 * when asked; returns the redirect listener.
 */
export function openListeners(scope: Construct, props: ServiceListenerOptions, parts: {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly vpc: ec2.IVpc;
  readonly serviceName: string;
  readonly listenerPort: number;
  readonly testListenerPort: number;
  readonly redirectHttp: boolean;
}): elbv2.ApplicationListener | undefined {
  const { loadBalancer, serviceName } = parts;
  const productionPeers = productionListenerPeersOf(scope, props, loadBalancer, parts.vpc);
  for (const peer of productionPeers) {
    loadBalancer.connections.allowFrom(peer, ec2.Port.tcp(parts.listenerPort), `production listener of ${serviceName}`);
  }
  let redirectListener: elbv2.ApplicationListener | undefined;
  if (parts.redirectHttp) {
    redirectListener = new elbv2.ApplicationListener(scope, 'RedirectListener', {
      loadBalancer,
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: String(parts.listenerPort), permanent: true }),
      open: false,
    });
    for (const peer of productionPeers) {
      loadBalancer.connections.allowFrom(peer, ec2.Port.tcp(80), `HTTP to HTTPS redirect of ${serviceName}`);
    }
  }
  for (const peer of testListenerPeersOf(scope, props, parts.vpc)) {
    loadBalancer.connections.allowFrom(peer, ec2.Port.tcp(parts.testListenerPort), `test listener of ${serviceName}`);
  }
  return redirectListener;
}
