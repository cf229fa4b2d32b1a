/**
 * Where a hook function that must reach the test listener runs in the VPC, and how it reaches
 * the AWS APIs it calls from there.
 *
 * - VPC with internet egress (private subnets behind a NAT gateway): the function runs in those
 *   subnets and may open HTTPS connections anywhere, which is how AWS's public API endpoints are
 *   reached.
 * - VPC without egress (isolated subnets only): the function runs in the isolated subnets and can
 *   reach AWS APIs only through interface VPC endpoints with private DNS. HTTPS is opened to the
 *   VPC's CIDR block (the endpoints' addresses); the endpoints are created when asked, found when
 *   they already exist in the app, and otherwise synthesis fails naming the ones to add.
 */
import { Annotations, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IConstruct } from 'constructs';
import { fitSecurityGroupDescriptions } from '../../private/security-group-descriptions';
import { recordPropProblem } from '../../private/validation';
import { vpcCidrBlockOf } from '../../private/vpc-cidr';

/** An AWS API the hook calls, and the interface endpoint that serves it inside a VPC. */
export interface RequiredEndpoint {
  /** Construct id of the endpoint when this library creates it, e.g. `CodeDeployEndpoint`. */
  readonly id: string;
  /** Short name for messages, e.g. `codedeploy`. */
  readonly shortName: string;
  /** The expression a user writes to add it, e.g. `ec2.InterfaceVpcEndpointAwsService.CODEDEPLOY`. */
  readonly expression: string;
  readonly service: ec2.InterfaceVpcEndpointAwsService;
}

export const CODEDEPLOY_ENDPOINT: RequiredEndpoint = {
  id: 'CodeDeployEndpoint',
  shortName: 'codedeploy',
  expression: 'ec2.InterfaceVpcEndpointAwsService.CODEDEPLOY',
  service: ec2.InterfaceVpcEndpointAwsService.CODEDEPLOY,
};

export const EC2_ENDPOINT: RequiredEndpoint = {
  id: 'Ec2Endpoint',
  shortName: 'ec2',
  expression: 'ec2.InterfaceVpcEndpointAwsService.EC2',
  service: ec2.InterfaceVpcEndpointAwsService.EC2,
};

export const ECS_ENDPOINT: RequiredEndpoint = {
  id: 'EcsEndpoint',
  shortName: 'ecs',
  expression: 'ec2.InterfaceVpcEndpointAwsService.ECS',
  service: ec2.InterfaceVpcEndpointAwsService.ECS,
};

export const SECRETS_MANAGER_ENDPOINT: RequiredEndpoint = {
  id: 'SecretsManagerEndpoint',
  shortName: 'secretsmanager',
  expression: 'ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER',
  service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
};

export interface HookNetworkOptions {
  readonly vpc: ec2.IVpc;
  /** Create the missing endpoints in a VPC without egress. */
  readonly createVpcEndpoints: boolean;
  /** Name of the prop that asks for endpoints, for messages. */
  readonly createVpcEndpointsProp: string;
  /** What the function is, for messages and descriptions: `smoke-test function of orders-api`. */
  readonly description: string;
  /** Where the network's problems are recorded. @default - the scope */
  readonly owner?: IConstruct;
  /**
   * Leave the endpoints to each hook of a shared function ({@link HookNetwork.endpointsFor}),
   * each with its own `createVpcEndpoints` and its own report of missing ones.
   */
  readonly endpointsPerHook?: boolean;
}

/** How one hook asks for the endpoints it needs. */
export interface EndpointRequirementOptions {
  readonly createVpcEndpoints: boolean;
  readonly createVpcEndpointsProp: string;
  readonly description: string;
}

/**
 * The function's security group (id `SecurityGroup`, no outbound rule but HTTPS to AWS APIs) and
 * subnets. The caller adds the rule to the load balancer, and names each AWS API the function
 * calls with {@link HookNetwork.requireEndpoint}.
 */
export class HookNetwork {
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly vpcSubnets: ec2.SubnetSelection;
  /** `egress` when the subnets have a route to the internet, `endpoints` otherwise. */
  public readonly mode: 'egress' | 'endpoints';
  public readonly vpc: ec2.IVpc;
  /** Endpoints created here. */
  public readonly createdEndpoints: ec2.InterfaceVpcEndpoint[] = [];
  private readonly own?: EndpointRequirements;

  constructor(scope: Construct, private readonly options: HookNetworkOptions) {
    const { vpc } = options;
    this.vpc = vpc;
    this.securityGroup = new ec2.SecurityGroup(scope, 'SecurityGroup', {
      vpc,
      description: options.description,
      allowAllOutbound: false,
    });

    if (vpc.privateSubnets.length > 0) {
      this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs over HTTPS');
      this.vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
      this.mode = 'egress';
      return;
    }
    if (vpc.isolatedSubnets.length === 0) {
      recordPropProblem(options.owner ?? scope, 'vpc', 'the VPC has no private subnets, with or without egress; the hook function runs in private subnets only '
        + '(a function in a public subnet gets no public address); add PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED subnets');
      // A stand-in that lets construction go on (no subnet: Lambda refuses public ones); the
      // recorded problem fails the synthesis.
      this.vpcSubnets = { subnets: [] };
      this.mode = 'egress';
      return;
    }
    const cidr = vpcCidrBlockOf(vpc);
    if (cidr === undefined) {
      recordPropProblem(options.owner ?? scope, 'service', 'its VPC has isolated subnets only, so the hook function reaches AWS APIs through '
        + 'interface endpoints, which its security group and theirs admit by the VPC\'s CIDR block, and the imported VPC was given none: '
        + 'pass vpcCidrBlock to ec2.Vpc.fromVpcAttributes');
      // A stand-in without endpoints, which would read the block too; the recorded problem fails the synthesis.
      this.vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
      this.mode = 'egress';
      return;
    }
    this.securityGroup.addEgressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'AWS APIs through interface VPC endpoints');
    this.vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    this.mode = 'endpoints';
    if (!options.endpointsPerHook) {
      this.own = this.endpointsFor(options.owner ?? scope, options);
    }
  }

  /** Declares an AWS API the function calls; in a VPC without egress, its endpoint is created or required. */
  public requireEndpoint(endpoint: RequiredEndpoint): void {
    this.own?.require(endpoint);
  }

  /** The endpoints one hook of this network needs, reported missing on `hook`. */
  public endpointsFor(hook: IConstruct, options: EndpointRequirementOptions): EndpointRequirements {
    return new EndpointRequirements(hook, this, options);
  }

  /** Creates the endpoint under the VPC, unless one exists, so the hooks of several services in one VPC share it. */
  public createEndpoint(endpoint: RequiredEndpoint): void {
    const vpc = this.options.vpc;
    if (findEndpoint(vpc, endpoint.service)) {
      return;
    }
    const created = new ec2.InterfaceVpcEndpoint(vpc, endpoint.id, {
      vpc,
      service: endpoint.service,
      subnets: this.vpcSubnets,
      privateDnsEnabled: true,
      open: true,
    });
    // Its security group is described by the VPC's path, which may hold what EC2 refuses.
    fitSecurityGroupDescriptions(created);
    this.createdEndpoints.push(created);
  }
}

/** The AWS APIs one hook calls in a {@link HookNetwork}; missing endpoints are reported on the hook. */
export class EndpointRequirements {
  private readonly required: RequiredEndpoint[] = [];

  constructor(private readonly hook: IConstruct, private readonly network: HookNetwork, private readonly options: EndpointRequirementOptions) {
    if (network.mode === 'endpoints' && !options.createVpcEndpoints) {
      // Checked at synthesis: endpoints may be added to the VPC after the hook.
      hook.node.addValidation({ validate: () => this.missingEndpointsProblem() });
    }
  }

  /** Declares an AWS API the function calls; in a VPC without egress, its endpoint is created or required. */
  public require(endpoint: RequiredEndpoint): void {
    if (this.network.mode === 'egress' || this.required.includes(endpoint)) {
      return;
    }
    this.required.push(endpoint);
    if (this.options.createVpcEndpoints) {
      this.network.createEndpoint(endpoint);
    }
  }

  private missingEndpointsProblem(): string[] {
    const { description, createVpcEndpointsProp } = this.options;
    const vpc = this.network.vpc;
    const missing = this.required.filter((endpoint) => !findEndpoint(vpc, endpoint.service));
    if (missing.length === 0) {
      return [];
    }
    const names = missing.map((endpoint) => endpoint.shortName).join(', ');
    const adds = missing.map((endpoint) => `vpc.addInterfaceEndpoint('${endpoint.id}', { service: ${endpoint.expression} })`).join('; ');
    const message = `the VPC has no subnets with internet egress (no NAT gateway), so the ${description} runs in isolated subnets `
      + `and reaches AWS APIs only through interface VPC endpoints with private DNS; missing: ${names}. `
      + `Add them (${adds}) or set ${createVpcEndpointsProp}: true to create them`;
    if (!(vpc instanceof ec2.Vpc)) {
      // The endpoints of an imported VPC are not visible to the app: they may well exist.
      Annotations.of(this.hook).addWarningV2('cdk-ecs-release:hookVpcEndpoints',
        `${message}. This VPC is imported, so endpoints created outside this app cannot be seen: ignore this if they exist`);
      return [];
    }
    return [`${this.hook.node.path}: invalid vpc: ${message}`];
  }
}

/**
 * Opens the way from `network`'s function to the test listener of `service`, with the fewest rules:
 * - out: the test listener's port to the VPC's CIDR block, one inline rule of the function's security
 *   group per port, however many services the function serves (the load balancers' private
 *   addresses, which the function connects to, lie in the VPC);
 * - in: nothing when the load balancer's security group already admits the VPC's CIDR block on that
 *   port (the default test listener peers); otherwise a rule admitting the function's security group.
 * In an imported VPC, or one with a secondary IPv4 block, whose subnets may lie outside the block
 * the rules name: a rule each way between the two security groups.
 */
export function allowTestListener(network: HookNetwork, service: TestListenerHost, description: string): void {
  const group = network.securityGroup;
  const port = ec2.Port.tcp(service.testListenerPort);
  const cidr = soleIpv4Block(network.vpc);
  if (cidr === undefined) {
    service.allowTestListenerFrom(group, description);
    return;
  }
  group.addEgressRule(ec2.Peer.ipv4(cidr), port, `test listeners in the VPC on port ${service.testListenerPort}`);
  if (!admitsCidr(service.loadBalancer.connections.securityGroups, cidr, service.testListenerPort)) {
    // The function's group as the peer only: the rule out is the one above.
    service.allowTestListenerFrom({ connections: new ec2.Connections({ peer: group }) }, description);
  }
}

/**
 * Lets the function reach another listener of the load balancer, the production listener say,
 * the way {@link allowTestListener} lets it reach the test listener: out to the VPC's block on
 * that port, and in only when the load balancer's group does not already admit the VPC (or
 * everyone, as an internet-facing production listener does).
 */
export function allowListenerPort(network: HookNetwork, loadBalancer: { readonly connections: ec2.Connections }, port: number, description: string): void {
  const group = network.securityGroup;
  const cidr = soleIpv4Block(network.vpc);
  if (cidr === undefined) {
    group.connections.allowTo(loadBalancer, ec2.Port.tcp(port), description);
    return;
  }
  group.addEgressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(port), `listeners in the VPC on port ${port}`);
  const groups = loadBalancer.connections.securityGroups;
  if (!admitsCidr(groups, cidr, port) && !admitsCidr(groups, '0.0.0.0/0', port)) {
    // The function's group as the peer only: the rule out is the one above.
    new ec2.Connections({ peer: group }).allowTo(loadBalancer, ec2.Port.tcp(port), description);
  }
}

/** The part of a service {@link allowTestListener} needs. */
export interface TestListenerHost {
  readonly loadBalancer: { readonly connections: ec2.Connections };
  readonly testListenerPort: number;
  allowTestListenerFrom(other: ec2.IConnectable, description?: string): void;
}

/** The IPv4 block of a VPC defined in this app that has no other: then every subnet's addresses lie in it. */
function soleIpv4Block(vpc: ec2.IVpc): string | undefined {
  if (!(vpc instanceof ec2.Vpc)) {
    return undefined;
  }
  const secondary = Stack.of(vpc).node.findAll().some((child) => child instanceof ec2.CfnVPCCidrBlock
    && child.vpcId === vpc.vpcId && (child.cidrBlock !== undefined || child.ipv4IpamPoolId !== undefined));
  return secondary ? undefined : vpc.vpcCidrBlock;
}

/** Whether one of `groups` (defined in this app) has an inline rule admitting `cidr` on TCP `port`. */
function admitsCidr(groups: ec2.ISecurityGroup[], cidr: string, port: number): boolean {
  return groups.some((group) => {
    if (!(group instanceof ec2.SecurityGroup)) {
      return false;
    }
    const stack = Stack.of(group);
    const wanted = JSON.stringify(stack.resolve(cidr));
    const rules = stack.resolve((group.node.defaultChild as ec2.CfnSecurityGroup).securityGroupIngress) as unknown;
    return Array.isArray(rules) && rules.some((rule: ec2.CfnSecurityGroup.IngressProperty) => JSON.stringify(rule.cidrIp ?? (rule as { CidrIp?: unknown }).CidrIp) === wanted
      && admitsTcpPort(rule, port));
  });
}

function admitsTcpPort(rule: ec2.CfnSecurityGroup.IngressProperty, port: number): boolean {
  const raw = rule as unknown as { IpProtocol?: string; FromPort?: number; ToPort?: number };
  const protocol = rule.ipProtocol ?? raw.IpProtocol;
  if (protocol === '-1') {
    return true;
  }
  const from = rule.fromPort ?? raw.FromPort;
  const to = rule.toPort ?? raw.ToPort;
  return protocol === 'tcp' && typeof from === 'number' && typeof to === 'number' && from <= port && port <= to;
}

/**
 * An interface endpoint for `service` in `vpc` defined anywhere in the VPC's stack (or under the
 * VPC), with private DNS, so the SDK's default endpoint names resolve to it.
 */
export function findEndpoint(vpc: ec2.IVpc, service: ec2.IInterfaceVpcEndpointService): ec2.CfnVPCEndpoint | undefined {
  const roots: IConstruct[] = [Stack.of(vpc), vpc];
  for (const root of roots) {
    for (const child of root.node.findAll()) {
      if (child instanceof ec2.CfnVPCEndpoint
        && child.vpcId === vpc.vpcId
        && child.serviceName === service.name
        && child.vpcEndpointType === 'Interface'
        && child.privateDnsEnabled !== false) {
        return child;
      }
    }
  }
  return undefined;
}
