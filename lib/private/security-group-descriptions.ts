/**
 * aws-cdk-lib describes the security groups it creates by construct path (`Automatically created
 * Security Group for ELB <path>`). A construct id may hold any character but '/', and a path any
 * length, while EC2 takes at most 255 characters of a small set; EC2 then refuses the group at
 * deploy time. Only such descriptions are replaced: a group's description cannot change without
 * replacing the group, so every description EC2 accepts is kept as it is.
 */
import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { ec2Description, isEc2Description } from './text-limits';

/** Makes the descriptions of the security groups under `scope` acceptable to EC2. */
export function fitSecurityGroupDescriptions(scope: IConstruct): void {
  for (const construct of scope.node.findAll()) {
    if (construct instanceof ec2.CfnSecurityGroup) {
      const description = construct.groupDescription;
      if (!Token.isUnresolved(description) && !isEc2Description(description)) {
        construct.groupDescription = ec2Description(description);
      }
    }
  }
}
