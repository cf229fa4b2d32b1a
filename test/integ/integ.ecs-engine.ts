/**
 * The Amazon ECS engine, deployed: the service answers in production, and an update to an image
 * that fails its checks rolls back (ECS's own blue/green with the library's hooks), leaving the
 * good version serving.
 *
 *   npx integ-runner --directory test/integ --update-on-failed   (deploys to your account)
 */
import { Duration } from 'aws-cdk-lib';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { DeploymentEngine } from '../../lib';
import { GOOD_VERSION, releaseUnderTest } from './release-app';

export const { app, stack, service, failingTaskDefinition } = releaseUnderTest('CdkEcsReleaseIntegEcs', DeploymentEngine.ecs());
const integ = new IntegTest(app, 'EcsEngine', { testCases: [stack], diffAssets: false });

const productionHealth = integ.assertions.httpApiCall(`${service.url}/health`);
productionHealth.expect(ExpectedResult.objectLike({ status: 200, body: { status: 'ok' } }));

// An update to the failing task definition is a blue/green deployment with the service's hooks:
// the smoke test fails it through the test listener rule, and Amazon ECS rolls back.
const failingRelease = integ.assertions.awsApiCall('ECS', 'updateService', {
  cluster: service.cluster.clusterName,
  service: service.service.serviceName,
  taskDefinition: failingTaskDefinition.taskDefinitionArn,
});
const rolledBack = integ.assertions.awsApiCall('ECS', 'listServiceDeployments', {
  cluster: service.cluster.clusterName,
  service: service.service.serviceName,
  status: ['ROLLBACK_SUCCESSFUL'],
}, ['serviceDeployments.0.status']);
rolledBack.expect(ExpectedResult.objectLike({ 'serviceDeployments.0.status': 'ROLLBACK_SUCCESSFUL' }))
  .waitForAssertions({ totalTimeout: Duration.minutes(30), interval: Duration.seconds(30) });

const afterRollback = integ.assertions.httpApiCall(`${service.url}/version`);
afterRollback.expect(ExpectedResult.objectLike({ status: 200, body: { version: GOOD_VERSION } }));

productionHealth.next(failingRelease).next(rolledBack).next(afterRollback);
