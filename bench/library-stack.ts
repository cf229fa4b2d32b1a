import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BlueGreenService, TrafficShifting } from '../lib';

/**
 * One `BlueGreenService`, VPC and cluster included, with the props the hand-written baseline
 * reproduces with L2s, and the same resources: the anchor has no failed-task-set guard (a
 * function, its role and queue, a rule) and matches fatal lines with two patterns, not three.
 * What the library's defaults add beyond these shows in the engines table.
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
      rollbackAlarmOptions: {
        enableFailedTaskSetGuard: false,
        fatalLogPatterns: [logs.FilterPattern.literal('"FATAL"'), logs.FilterPattern.literal('{ ($.level = "fatal") || ($.level = "FATAL") }')],
      },
    });
  }
}
