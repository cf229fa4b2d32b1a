/**
 * The CodeDeploy engine, deployed: the service answers in production, and a release of an image
 * that fails its checks rolls back, leaving the good version serving.
 *
 *   npx integ-runner --directory test/integ --update-on-failed   (deploys to your account)
 */
import { Duration } from 'aws-cdk-lib';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { DeploymentEngine } from '../../lib';
import { GOOD_VERSION, releaseUnderTest } from './release-app';

export const { app, stack, service, failingTaskDefinition } = releaseUnderTest('CdkEcsReleaseIntegCodeDeploy', DeploymentEngine.codeDeploy());
const integ = new IntegTest(app, 'CodeDeployEngine', { testCases: [stack], diffAssets: false });
const deploymentGroup = service.deploymentGroup!;

const productionHealth = integ.assertions.httpApiCall(`${service.url}/health`);
productionHealth.expect(ExpectedResult.objectLike({ status: 200, body: { status: 'ok' } }));

// A release of the failing task definition with the service's own hooks: the smoke test fails it
// through the test listener before production traffic moves, and CodeDeploy rolls back.
const failingRelease = integ.assertions.awsApiCall('CodeDeploy', 'createDeployment', {
  applicationName: deploymentGroup.application.applicationName,
  deploymentGroupName: deploymentGroup.deploymentGroupName,
  revision: { revisionType: 'AppSpecContent', appSpecContent: { content: service._renderAppSpec({ taskDefinition: failingTaskDefinition }) } },
});
const outcome = integ.assertions.awsApiCall('CodeDeploy', 'getDeployment', { deploymentId: failingRelease.getAttString('deploymentId') });
outcome.expect(ExpectedResult.objectLike({ deploymentInfo: { status: 'Failed', errorInformation: { code: 'HEALTH_CONSTRAINTS' } } }))
  .waitForAssertions({ totalTimeout: Duration.minutes(30), interval: Duration.seconds(30) });

// Production never left the good version.
const afterRollback = integ.assertions.httpApiCall(`${service.url}/version`);
afterRollback.expect(ExpectedResult.objectLike({ status: 200, body: { version: GOOD_VERSION } }));

productionHealth.next(failingRelease).next(outcome).next(afterRollback);
