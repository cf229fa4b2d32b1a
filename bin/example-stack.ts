import { Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BlueGreenService, TrafficShifting } from '../lib';

/**
 * The example app: a VPC, a cluster and one service released blue/green with a
 * 10 % / 5-minute canary. Environment-agnostic, so it synthesizes with no AWS account.
 */
export class ExampleReleaseStack extends Stack {
  public readonly service: BlueGreenService;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      flowLogs: {
        Rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs', {
            retention: logs.RetentionDays.ONE_MONTH,
          })),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    // Load balancer access logs. ALB log delivery supports SSE-S3 only, not KMS keys.
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is itself the access-log destination of the load balancer; logging its own access would log into itself.',
    });

    this.service = new BlueGreenService(this, 'OrdersApi', {
      serviceName: 'orders-api',
      cluster,
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
      containerPort: 8080,
      environment: { LOG_LEVEL: 'info' },
      healthCheckPath: '/health',
      desiredCount: 2,
      trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)),
      terminationWait: Duration.minutes(30),
      accessLogsBucket: accessLogs,
    });
    Validations.of(this.service.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The only plain environment variable is LOG_LEVEL, which is not secret; secrets go through Secrets Manager.',
    });
  }
}
