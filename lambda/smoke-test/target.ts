import type { EC2Client as EC2ClientType, DescribeNetworkInterfacesCommand as DescribeCommandType } from '@aws-sdk/client-ec2';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';

interface Ec2Api {
  readonly client: EC2ClientType;
  readonly DescribeNetworkInterfacesCommand: typeof DescribeCommandType;
}

/** Loaded on first use: most services test through an internal load balancer and never need it. */
const loadEc2Api = lazy((): Promise<Ec2Api> => import('@aws-sdk/client-ec2').then((module) => ({
  client: new module.EC2Client(clientConfig()),
  DescribeNetworkInterfacesCommand: module.DescribeNetworkInterfacesCommand,
})));

/** The most network interfaces read; an ALB has one per node, a few per zone at most. */
const MAX_PAGES = 5;

/**
 * The private IPs of an Application Load Balancer, from its network interfaces (their
 * description is `ELB app/<name>/<id>`). Interfaces in use come first.
 */
export async function loadBalancerPrivateIps(
  loadBalancerFullName: string,
  scope: AwsCallScope,
): Promise<string[]> {
  const started = Date.now();
  const { client, DescribeNetworkInterfacesCommand } = await loadEc2Api();
  const description = `ELB ${loadBalancerFullName}`;
  const inUse: string[] = [];
  const others: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await awsCall(scope, 'ec2:DescribeNetworkInterfaces', (abortSignal) => client.send(new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: 'description', Values: [description] }],
      NextToken: nextToken,
    }), { abortSignal }), { baseDelayMs: 100 });
    for (const networkInterface of response.NetworkInterfaces ?? []) {
      const addresses = (networkInterface.PrivateIpAddresses ?? [])
        .map((address) => address.PrivateIpAddress)
        .concat(networkInterface.PrivateIpAddress);
      for (const address of addresses) {
        const list = networkInterface.Status === 'in-use' ? inUse : others;
        if (address && !inUse.includes(address) && !others.includes(address)) {
          list.push(address);
        }
      }
    }
    nextToken = response.NextToken;
    if (!nextToken) {
      break;
    }
  }
  const ips = [...inUse, ...others];
  scope.logger.info('resolved the load balancer\'s private IPs', {
    check: 'target',
    expectation: `network interfaces described "${description}"`,
    observed: ips.length > 0 ? ips.join(', ') : 'none',
    verdict: ips.length > 0 ? 'pass' : 'fail',
    elapsedMs: Date.now() - started,
  });
  if (ips.length === 0) {
    throw new Error(`no network interface is described "${description}"; check that `
      + 'the load balancer full name is right and that it is in this function\'s region');
  }
  return ips;
}
