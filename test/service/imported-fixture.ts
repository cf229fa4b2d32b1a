import { Stack } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { BlueGreenService, BlueGreenServiceAttributes } from '../../lib';

/**
 * The attributes that import `defined` into `scope` as another app would: the deployment group
 * by name, everything else from the service. `overrides` replace or add attributes.
 */
export function importAttributes(scope: Stack, defined: BlueGreenService, overrides: Partial<BlueGreenServiceAttributes> = {}): BlueGreenServiceAttributes {
  return {
    service: defined.service,
    deploymentGroup: codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(scope, 'DeploymentGroup', {
      application: codedeploy.EcsApplication.fromEcsApplicationName(scope, 'Application', 'orders'),
      deploymentGroupName: 'orders-api',
    }),
    loadBalancer: defined.loadBalancer,
    productionListener: defined.productionListener,
    testListener: defined.testListener,
    testListenerPort: defined.testListenerPort,
    blueTargetGroup: defined.blueTargetGroup,
    greenTargetGroup: defined.greenTargetGroup,
    taskDefinition: defined.taskDefinition,
    logGroup: defined.logGroup,
    logStreamPrefix: defined.logStreamPrefix,
    serviceName: 'orders-api',
    ...overrides,
  };
}
