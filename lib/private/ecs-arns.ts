import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IConstruct } from 'constructs';

/**
 * The ARN pattern of a service's deployments or revisions, as Amazon ECS names them at
 * deployment time: `<resource>/<cluster>/<service>/<id>`.
 */
export function serviceArnPatternOf(scope: IConstruct, resource: 'service-deployment' | 'service-revision',
  cluster: ecs.ICluster, service: ecs.IBaseService): string {
  return Stack.of(scope).formatArn({
    service: 'ecs',
    resource,
    resourceName: `${cluster.clusterName}/${service.serviceName}/*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
