import { RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { recordPropProblem } from '../../private/validation';
import type { ServiceListenerOptions } from '../listener-options';

/*
 * The network a BlueGreenService creates when it is given none. Every construct is created in the
 * service's scope, under the ids it always had.
 */

/** A VPC over two availability zones with one NAT gateway, logging rejected flows. */
export function createServiceVpc(scope: Construct): ec2.IVpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
    ],
  });
  vpc.addFlowLog('FlowLog', {
    destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(scope, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    })),
    trafficType: ec2.FlowLogTrafficType.REJECT,
  });
  return vpc;
}

/** An Application Load Balancer that drops invalid header fields. */
export function createLoadBalancer(scope: Construct, vpc: ec2.IVpc, props: ServiceListenerOptions, logPrefix: string): elbv2.ApplicationLoadBalancer {
  const loadBalancer = new elbv2.ApplicationLoadBalancer(scope, 'LoadBalancer', {
    vpc,
    internetFacing: props.internetFacing ?? true,
    dropInvalidHeaderFields: true,
    deletionProtection: props.deletionProtection,
  });
  if (props.internetFacing ?? true) {
    Validations.of(loadBalancer).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'An internet-facing load balancer serves the public on the production listener only; the test listener admits the VPC and named peers.',
    });
  }
  if (props.accessLogsBucket) {
    loadBalancer.logAccessLogs(props.accessLogsBucket, logPrefix);
  }
  return loadBalancer;
}

/** The VPC's private subnets with egress, else its isolated ones; undefined when it has neither. */
export function privateSubnetsOf(vpc: ec2.IVpc): ec2.SubnetSelection | undefined {
  if (vpc.privateSubnets.length > 0) {
    return { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  }
  return vpc.isolatedSubnets.length > 0 ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } : undefined;
}

/**
 * Private subnets with egress when the VPC has them, else isolated ones: tasks never get public
 * addresses. A VPC with public subnets only is refused rather than silently exposing the tasks.
 */
export function defaultServiceSubnets(scope: Construct, vpc: ec2.IVpc): ec2.SubnetSelection {
  const subnets = privateSubnetsOf(vpc);
  if (subnets) {
    return subnets;
  }
  recordPropProblem(scope, 'vpc', 'has no private or isolated subnets; the tasks must not run in public subnets. '
    + 'Add PRIVATE_WITH_EGRESS subnets, or pass vpcSubnets to choose explicitly');
  return { subnetType: ec2.SubnetType.PUBLIC };
}

/** A regional WAF web ACL's ARN. */
const WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/[^/]+\/[^/]+$/;

/**
 * Associates `webAclArn` with the load balancer; refuses `deletionProtection` for one the
 * library did not create, which it cannot change.
 */
export function protectLoadBalancer(scope: Construct, props: ServiceListenerOptions, loadBalancer: elbv2.IApplicationLoadBalancer): void {
  if (props.deletionProtection !== undefined && props.loadBalancer) {
    recordPropProblem(scope, 'deletionProtection', 'applies to a load balancer created here, and loadBalancer is given; set it on that '
      + 'load balancer, or remove it');
  }
  const webAclArn = props.webAclArn;
  if (webAclArn === undefined) {
    return;
  }
  if (!Token.isUnresolved(webAclArn) && !WEB_ACL_ARN.test(webAclArn)) {
    recordPropProblem(scope, 'webAclArn', `'${webAclArn}' is not the ARN of a regional AWS WAF web ACL, which a load balancer takes; `
      + 'e.g. arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/orders/1a2b3c4d-5678-90ab-cdef-EXAMPLE11111 (a CLOUDFRONT web ACL cannot be associated)');
    return;
  }
  new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', { resourceArn: loadBalancer.loadBalancerArn, webAclArn });
}
