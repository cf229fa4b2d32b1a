import { Fn, Token } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

/**
 * The `LoadBalancer` dimension of ALB metrics (`app/<name>/<id>`).
 * Uses the load balancer's own attribute when it has one, else cuts it out of the ARN.
 */
export function loadBalancerFullName(loadBalancer: elbv2.IApplicationLoadBalancer): string {
  const own = (loadBalancer as { loadBalancerFullName?: unknown }).loadBalancerFullName;
  if (typeof own === 'string') {
    return own;
  }
  return loadBalancerFullNameFromArn(loadBalancer.loadBalancerArn);
}

/** `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>` → `app/<name>/<id>`. */
export function loadBalancerFullNameFromArn(arn: string): string {
  if (Token.isUnresolved(arn)) {
    return Fn.select(1, Fn.split(':loadbalancer/', arn));
  }
  const at = arn.indexOf(':loadbalancer/');
  if (at < 0) {
    throw new Error(`not a load balancer ARN: ${arn}`);
  }
  return arn.slice(at + ':loadbalancer/'.length);
}

/**
 * The `TargetGroup` dimension of ALB metrics (`targetgroup/<name>/<id>`).
 * Uses the target group's own attribute when it has one, else cuts it out of the ARN.
 */
export function targetGroupFullName(targetGroup: elbv2.IApplicationTargetGroup): string {
  const own = (targetGroup as { targetGroupFullName?: unknown }).targetGroupFullName;
  if (typeof own === 'string') {
    return own;
  }
  return targetGroupFullNameFromArn(targetGroup.targetGroupArn);
}

/** `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>` → `targetgroup/<name>/<id>`. */
export function targetGroupFullNameFromArn(arn: string): string {
  if (Token.isUnresolved(arn)) {
    return Fn.select(5, Fn.split(':', arn));
  }
  const parts = arn.split(':');
  if (parts.length < 6 || !parts[5].startsWith('targetgroup/')) {
    throw new Error(`not a target group ARN: ${arn}`);
  }
  return parts.slice(5).join(':');
}
