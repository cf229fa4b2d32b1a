import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BlueGreenService, SmokeCheck, SmokeTestHook, TrafficShifting } from 'cdk-ecs-release';

const app = new App();
// Environment-agnostic: `cdk deploy` takes the account and region of your AWS credentials.
const stack = new Stack(app, 'OrdersApi');

const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
// Or your existing VPC, without lookups (the CIDR block lets the hooks reach the test listener):
// const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
//   vpcId: 'vpc-0123456789abcdef0', vpcCidrBlock: '10.0.0.0/16', availabilityZones: ['eu-west-1a', 'eu-west-1b'],
//   publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
//   privateSubnetIds: ['subnet-0cccccccccccccccc', 'subnet-0dddddddddddddddd'],
// });
const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });

// A Fargate service behind a load balancer, released blue/green by CodeDeploy whenever `cdk deploy`
// changes its task definition (the image, say): 10 % of the traffic for 5 minutes, then all of it,
// the old version kept running 10 minutes more for an instant rollback. Its rollback alarms (5xx
// rate, p99 latency, unhealthy targets, fatal log lines, missing tasks) roll back a release that
// hurts users.
const service = new BlueGreenService(stack, 'Service', {
  serviceName: 'orders-api',
  cluster,
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
  containerPort: 80,
  healthCheckPath: '/',
  deployOnStackUpdate: true,
  trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)),
  terminationWait: Duration.minutes(10),
  rollbackAlarmOptions: { maxErrorRatePercent: 1 },
});

// Checks the new version through the test listener before any user reaches it.
new SmokeTestHook(stack, 'SmokeTests', {
  service,
  checks: [SmokeCheck.get('/', { bodyContains: 'nginx', retries: 3 })],
});
