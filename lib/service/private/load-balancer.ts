import { Fn } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { IConstruct } from 'constructs';
import { consoleUrl } from '../../private/console-url';

/** The full name of a load balancer (`app/<name>/<id>`), as CloudWatch dimensions and ENI descriptions use it. */
export function loadBalancerFullNameOf(loadBalancer: elbv2.IApplicationLoadBalancer): string {
  if (loadBalancer instanceof elbv2.ApplicationLoadBalancer) {
    return loadBalancer.loadBalancerFullName;
  }
  // arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>
  return Fn.select(1, Fn.split(':loadbalancer/', loadBalancer.loadBalancerArn));
}

/** A link to a deployment group in the CodeDeploy console. */
export function deploymentGroupConsoleUrlOf(scope: IConstruct, deploymentGroup: codedeploy.IEcsDeploymentGroup): string {
  return consoleUrl(scope,
    `codesuite/codedeploy/applications/${deploymentGroup.application.applicationName}/deployment-groups/${deploymentGroup.deploymentGroupName}`);
}

/** Whether the load balancer serves IPv6 as well as IPv4. */
export function isDualStack(loadBalancer: elbv2.IApplicationLoadBalancer): boolean {
  return loadBalancer.ipAddressType === elbv2.IpAddressType.DUAL_STACK
    || loadBalancer.ipAddressType === elbv2.IpAddressType.DUAL_STACK_WITHOUT_PUBLIC_IPV4;
}
