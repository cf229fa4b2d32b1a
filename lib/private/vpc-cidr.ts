import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** The VPC's CIDR block; undefined for an imported VPC given without one (reading it throws then). */
export function vpcCidrBlockOf(vpc: ec2.IVpc): string | undefined {
  try {
    return vpc.vpcCidrBlock;
  } catch {
    return undefined;
  }
}
