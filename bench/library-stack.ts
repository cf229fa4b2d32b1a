import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { BlueGreenService, TrafficShifting } from '../lib';

/**
 * One `BlueGreenService`, VPC and cluster included, with the props the hand-written baseline
 * reproduces with L2s.
 */
export class LibraryBlueGreenStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    new BlueGreenService(this, 'OrdersApi', {
      serviceName: 'orders-api',
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
      environment: { LOG_LEVEL: 'info' },
      healthCheckPath: '/health',
      trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)),
      terminationWait: Duration.minutes(30),
    });
  }
}
