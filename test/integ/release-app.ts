/**
 * What both integration tests deploy: one service of the example application with the release
 * machinery, and a second task definition of the same application told to fail, which each test
 * releases to watch it roll back.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import {
  BlueGreenService, DeploymentEngine, DeploymentEngineKind, ExpectedVersion, JsonValue, SmokeCheck, SmokeTestHook, TrafficShifting, VersionSource,
} from '../../lib';
import { EXAMPLE_APPLICATION } from '../../bin/example-network';

/** The release the service runs once deployed; the failing one reports another. */
export const GOOD_VERSION = '1.0.0';

export interface ReleaseUnderTest {
  readonly app: App;
  readonly stack: Stack;
  readonly service: BlueGreenService;
  /** The application with `FAIL_HEALTH=true`: its health check and smoke checks fail. */
  readonly failingTaskDefinition: ecs.FargateTaskDefinition;
}

export function releaseUnderTest(stackName: string, engine: DeploymentEngine): ReleaseUnderTest {
  const app = new App();
  const stack = new Stack(app, stackName);
  const image = ecs.ContainerImage.fromAsset(EXAMPLE_APPLICATION);
  const service = new BlueGreenService(stack, 'Orders', {
    serviceName: `${stackName.toLowerCase()}-orders`,
    image,
    engine,
    containerPort: 8080,
    healthCheckPath: '/health',
    desiredCount: 1,
    environment: { RELEASE_VERSION: GOOD_VERSION },
    trafficShifting: TrafficShifting.allAtOnce(),
    terminationWait: Duration.minutes(5),
    deployOnStackUpdate: engine.kind === DeploymentEngineKind.CODE_DEPLOY ? true : undefined,
  });
  new SmokeTestHook(stack, 'SmokeTests', {
    service,
    checks: [
      SmokeCheck.get('/health', { jsonFields: { status: JsonValue.fromString('ok') } }),
      SmokeCheck.get('/version', { version: VersionSource.jsonField('version'), expectedVersion: ExpectedVersion.fromDeployedEnvironment() }),
    ],
  });

  const failingTaskDefinition = new ecs.FargateTaskDefinition(stack, 'FailingRelease', {
    cpu: 256,
    memoryLimitMiB: 512,
    executionRole: service.taskDefinition.executionRole,
    taskRole: service.taskDefinition.taskRole,
  });
  failingTaskDefinition.addContainer(service.containerName, {
    image,
    portMappings: [{ containerPort: 8080 }],
    environment: { RELEASE_VERSION: '1.0.1-broken', FAIL_HEALTH: 'true' },
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'failing-release' }),
  });
  return { app, stack, service, failingTaskDefinition };
}
