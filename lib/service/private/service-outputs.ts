import { CfnOutput } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { tagResource } from '../../private/release-tags';
import { SERVICE_TAG } from '../../../contract/release-tags';

/** The production and test URLs of a load balancer's listeners, the port left out where it is the scheme's. */
export function serviceUrls(loadBalancer: elbv2.IApplicationLoadBalancer, https: boolean, listenerPort: number,
  testListenerPort: number, hostName?: string): { readonly url: string; readonly testUrl: string } {
  // A service with a name of its own (a domain, a routed host) answers at it: its URLs say it.
  const dnsName = hostName ?? loadBalancer.loadBalancerDnsName;
  const scheme = https ? 'https' : 'http';
  const defaultPort = https ? 443 : 80;
  return {
    url: listenerPort === defaultPort ? `${scheme}://${dnsName}` : `${scheme}://${dnsName}:${listenerPort}`,
    testUrl: `${scheme}://${dnsName}:${testListenerPort}`,
  };
}

/** What the stack outputs of a service show. */
export interface ServiceOutputs {
  readonly serviceName: string;
  readonly service: ecs.BaseService;
  readonly url: string;
  readonly testUrl: string;
  readonly deploymentsConsoleUrl: string;
  /** Present on the CodeDeploy engine. */
  readonly deploymentGroup?: unknown;
}

/**
 * The stack outputs of a service: its URLs, and where its deployments show; and the tag the
 * release CLI finds the ECS service by (its name is a literal, so the tag needs no token).
 */
export function addServiceOutputs(scope: Construct, service: ServiceOutputs): void {
  const name = service.serviceName;
  tagResource(service.service.node.defaultChild as ecs.CfnService, SERVICE_TAG, name);
  new CfnOutput(scope, 'ServiceUrl', { value: service.url, description: `${name}: production URL` });
  new CfnOutput(scope, 'TestUrl', { value: service.testUrl, description: `${name}: test listener URL (reachable from inside the VPC only)` });
  if (service.deploymentGroup) {
    new CfnOutput(scope, 'DeploymentGroupConsoleUrl', {
      value: service.deploymentsConsoleUrl,
      description: `${name}: CodeDeploy deployment group in the AWS console`,
    });
    return;
  }
  new CfnOutput(scope, 'DeploymentsConsoleUrl', {
    value: service.deploymentsConsoleUrl,
    description: `${name}: the service's deployments in the Amazon ECS console`,
  });
}
