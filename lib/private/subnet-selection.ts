/**
 * Whether a VPC has the subnets a `vpcSubnets` selection names. aws-cdk-lib throws on a
 * selection the VPC cannot meet (`There are no 'Isolated' subnet groups in this VPC`) without
 * naming the construct or the prop; this says which subnet groups there are instead.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** What is wrong with selecting `selection` in `vpc`; undefined when the VPC has such subnets. */
export function subnetSelectionProblem(vpc: ec2.IVpc, selection: ec2.SubnetSelection, prop = 'vpcSubnets'): string | undefined {
  try {
    vpc.selectSubnets(selection);
    return undefined;
  } catch (e) {
    const groups = subnetGroupsOf(vpc);
    const example = groups.find((g) => g.type !== ec2.SubnetType.PUBLIC);
    return `selects subnets that VPC ${vpc.node.path} does not have (${(e as Error).message.split('\n')[0]}); `
      + `its subnet groups are ${describeSubnetGroups(vpc)}. Select one of them`
      + `${example ? `, e.g. { subnetGroupName: '${example.name}' }` : ''}, or leave ${prop} unset for the default`;
  }
}

/** The VPC's subnet groups as a message lists them: `'Public' (Public, 2 subnets), …`, or `none`. */
export function describeSubnetGroups(vpc: ec2.IVpc): string {
  const groups = subnetGroupsOf(vpc);
  return groups.length > 0 ? groups.map(describe).join(', ') : 'none';
}

interface SubnetGroup {
  readonly name: string;
  readonly type: ec2.SubnetType;
  readonly count: number;
}

/** `'Public' (Public, 2 subnets)`. */
function describe(group: SubnetGroup): string {
  return `'${group.name}' (${group.type}, ${group.count} subnet${group.count === 1 ? '' : 's'})`;
}

/** The VPC's subnet groups: private ones first, then isolated and public ones. */
function subnetGroupsOf(vpc: ec2.IVpc): SubnetGroup[] {
  const groups: SubnetGroup[] = [];
  const add = (subnets: ec2.ISubnet[], type: ec2.SubnetType) => {
    for (const subnet of subnets) {
      // aws-cdk-lib names a subnet `<group name>Subnet<n>`, in VPCs defined and imported alike.
      const name = subnet.node.id.replace(/Subnet\d+$/, '');
      const index = groups.findIndex((g) => g.name === name && g.type === type);
      if (index >= 0) {
        groups[index] = { ...groups[index], count: groups[index].count + 1 };
      } else {
        groups.push({ name, type, count: 1 });
      }
    }
  };
  add(vpc.privateSubnets, ec2.SubnetType.PRIVATE_WITH_EGRESS);
  add(vpc.isolatedSubnets, ec2.SubnetType.PRIVATE_ISOLATED);
  add(vpc.publicSubnets, ec2.SubnetType.PUBLIC);
  return groups;
}
