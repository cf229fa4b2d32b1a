import * as path from 'path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** The examples' VPC: two zones, one NAT gateway, rejected flows logged for a month. */
/**
 * The example application's folder (Dockerfile, server): the first image of the example services,
 * built and pushed by `cdk deploy`. Synthesis only copies the folder into cdk.out.
 */
export const EXAMPLE_APPLICATION = path.join(__dirname, '..', 'examples', 'orders-api');

/**
 * Acknowledges the one wildcard of an image asset's pull: ECR's GetAuthorizationToken takes no
 * resource but `*` (the pull itself is granted on the asset repository only).
 */
export function acknowledgeImageAssetPull(taskDefinition: ecs.TaskDefinition): void {
  const policy = taskDefinition.executionRole?.node.tryFindChild('DefaultPolicy');
  if (policy) {
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken, which the pull of the image asset needs, takes no resource but *; the pull is on the asset repository only.',
    });
  }
}

export function exampleVpc(scope: Construct): ec2.Vpc {
  return new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
    ],
    flowLogs: {
      Rejected: {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(scope, 'FlowLogs', {
          retention: logs.RetentionDays.ONE_MONTH,
        })),
        trafficType: ec2.FlowLogTrafficType.REJECT,
      },
    },
  });
}

/** The load balancers' access-log bucket. ALB log delivery supports SSE-S3 only, not KMS keys. */
export function accessLogsBucket(scope: Construct): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    lifecycleRules: [{ expiration: Duration.days(90) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This bucket is itself the access-log destination of the load balancers; logging its own access would log into itself.',
  });
  return bucket;
}
