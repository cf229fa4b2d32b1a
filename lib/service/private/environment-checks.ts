/**
 * Checks of what BlueGreenService needs from its environment: the VPC's CIDR block where the
 * default listener peers use it, a region for access logs, and the subnets `vpcSubnets` names.
 * aws-cdk-lib would otherwise throw at construction with a message that names neither the
 * service nor the prop.
 */
import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { subnetSelectionProblem } from '../../private/subnet-selection';
import { vpcCidrBlockOf } from '../../private/vpc-cidr';
import { recordPropProblem } from '../../private/validation';
import type { BlueGreenServiceProps } from '../blue-green-service-props';
import type { ServiceListenerOptions } from '../listener-options';
import { defaultProductionPeers } from './service-input';
import { defaultServiceSubnets } from './vpc';


/**
 * The VPC's CIDR block as the peer of a listener, by default; a problem naming `vpc` and the
 * prop that replaces the default when the VPC was imported without it.
 */
function vpcPeers(scope: Construct, vpc: ec2.IVpc, peersProp: string): ec2.IPeer[] {
  const cidr = vpcCidrBlockOf(vpc);
  if (cidr !== undefined) {
    return [ec2.Peer.ipv4(cidr)];
  }
  recordPropProblem(scope, 'vpc', `${vpc.node.path} was imported without its CIDR block, which the ${peersProp === 'testListenerPeers' ? 'test' : 'production'} `
    + `listener admits by default; pass vpcCidrBlock to ec2.Vpc.fromVpcAttributes(), or give ${peersProp} explicitly`);
  return [];
}

/** Who may reach the test listener: `testListenerPeers`, or the VPC's CIDR block. */
export function testListenerPeersOf(scope: Construct, props: ServiceListenerOptions, vpc: ec2.IVpc): ec2.IPeer[] {
  return props.testListenerPeers ?? vpcPeers(scope, vpc, 'testListenerPeers');
}

/**
 * Who may reach the production listener: `productionListenerPeers`, or by the load balancer's
 * scheme (see {@link defaultProductionPeers}); the VPC's CIDR block when the scheme is not known.
 */
export function productionListenerPeersOf(scope: Construct, props: ServiceListenerOptions, loadBalancer: elbv2.IApplicationLoadBalancer,
  vpc: ec2.IVpc): ec2.IPeer[] {
  if (props.productionListenerPeers) {
    return props.productionListenerPeers;
  }
  const internal = loadBalancer instanceof elbv2.ApplicationLoadBalancer
    && (loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer | undefined)?.scheme === 'internal';
  if (internal && vpcCidrBlockOf(vpc) === undefined) {
    return vpcPeers(scope, vpc, 'productionListenerPeers');
  }
  const peers = defaultProductionPeers(loadBalancer, vpc);
  if (peers) {
    return peers;
  }
  Annotations.of(scope).addWarningV2('cdk-ecs-release:productionListenerPeers',
    `the scheme of the given load balancer ${loadBalancer.node.path} is not known here, so the production listener admits `
    + 'the VPC\'s CIDR block only; if it is internet-facing, pass productionListenerPeers: [ec2.Peer.anyIpv4()]');
  return vpcPeers(scope, vpc, 'productionListenerPeers');
}

/**
 * `accessLogsBucket` when the load balancer can log to it: the bucket policy names the region's
 * log-delivery principal, so the stack's region must be known at synthesis.
 */
export function accessLogsBucketOf(scope: Construct, props: ServiceListenerOptions): s3.IBucket | undefined {
  if (!props.accessLogsBucket || props.loadBalancer || !Token.isUnresolved(Stack.of(scope).region)) {
    return props.accessLogsBucket;
  }
  recordPropProblem(scope, 'accessLogsBucket', `needs the region of stack ${Stack.of(scope).node.path}, which is environment-agnostic: `
    + 'the bucket policy names the region\'s load balancer log-delivery account. Give the stack an explicit region '
    + '(env: { region: \'eu-west-1\' }), or remove accessLogsBucket');
  return undefined;
}

/** The subnets of the tasks: `vpcSubnets` when the VPC has them, else the default ones. */
export function serviceSubnetsOf(scope: Construct, props: BlueGreenServiceProps, vpc: ec2.IVpc): ec2.SubnetSelection {
  if (props.vpcSubnets) {
    const problem = subnetSelectionProblem(vpc, props.vpcSubnets);
    if (problem === undefined) {
      return props.vpcSubnets;
    }
    recordPropProblem(scope, 'vpcSubnets', problem);
  }
  return defaultServiceSubnets(scope, vpc);
}
