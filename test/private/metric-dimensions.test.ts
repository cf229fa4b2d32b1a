import { Stack } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import {
  loadBalancerFullName,
  loadBalancerFullNameFromArn,
  targetGroupFullName,
  targetGroupFullNameFromArn,
} from '../../lib/private/metric-dimensions';

const LB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/orders/50dc6c495c0c9188';
const TG_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/orders-blue/73e2d6bc24d8a067';

test('cuts the metric dimensions out of concrete ARNs', () => {
  expect(loadBalancerFullNameFromArn(LB_ARN)).toBe('app/orders/50dc6c495c0c9188');
  expect(targetGroupFullNameFromArn(TG_ARN)).toBe('targetgroup/orders-blue/73e2d6bc24d8a067');
});

test('fails when an ARN is not of a load balancer or a target group', () => {
  expect(() => loadBalancerFullNameFromArn(TG_ARN)).toThrow(/not a load balancer ARN/);
  expect(() => targetGroupFullNameFromArn(LB_ARN)).toThrow(/not a target group ARN/);
});

test('cuts them out of deploy-time ARNs with intrinsic functions', () => {
  const stack = new Stack();
  const lbToken = stack.resolve(loadBalancerFullNameFromArn(new elbv2.CfnLoadBalancer(stack, 'L', {}).ref));
  expect(lbToken).toEqual({ 'Fn::Select': [1, { 'Fn::Split': [':loadbalancer/', { Ref: 'L' }] }] });
  const tgToken = stack.resolve(targetGroupFullNameFromArn(new elbv2.CfnTargetGroup(stack, 'T', {}).ref));
  expect(tgToken).toEqual({ 'Fn::Select': [5, { 'Fn::Split': [':', { Ref: 'T' }] }] });
});

test('prefers the resources\' own full-name attributes', () => {
  const stack = new Stack();
  const importedLb = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, 'Lb', {
    loadBalancerArn: LB_ARN,
    securityGroupId: 'sg-1',
  });
  expect(loadBalancerFullName(importedLb)).toBe('app/orders/50dc6c495c0c9188');
  const importedTg = elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, 'Tg', { targetGroupArn: TG_ARN });
  expect(targetGroupFullName(importedTg)).toBe('targetgroup/orders-blue/73e2d6bc24d8a067');
});
