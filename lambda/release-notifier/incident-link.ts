/**
 * The incident report a rollback's message links: the deployment recorder writes it to the
 * incident bucket under a key the deployment alone decides, so the link is known before the
 * report is (the recorder writes it from the same events).
 */
import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { incidentReportKey, s3ObjectConsoleUrl } from '../../contract/deployment-record';

/** The report's console link; undefined for a service and stage the recorder writes no report of (another environment's, a notified service's). */
export function incidentReportUrl(reports: { readonly bucket: string; readonly releaseKeys: readonly string[] } | undefined, region: string,
  serviceName: string, stageName: string, deploymentId: string): string | undefined {
  return reports && reports.releaseKeys.includes(`${serviceName}#${stageName}`)
    ? s3ObjectConsoleUrl(reports.bucket, region, incidentReportKey(serviceName, stageName, deploymentId))
    : undefined;
}

/**
 * The CodeDeploy deployment a state change reports rolled back, if it did: the one a rollback
 * deployment rolls back, or the deployment itself when it ended rolled back within itself or by a
 * rollback deployment.
 */
export function rolledBackCodeDeployDeployment(deploymentId: string, state: string, deployment: DeploymentInfo | undefined): string | undefined {
  const info = deployment?.rollbackInfo;
  if (deployment?.creator === 'codeDeployRollback' || info?.rollbackTriggeringDeploymentId) {
    return info?.rollbackTriggeringDeploymentId || undefined;
  }
  if (state === 'SUCCESS' || state === 'START' || state === 'READY') {
    return undefined;
  }
  // As the recorder tells a rollback: a rollback deployment, or CodeDeploy's rollback message.
  return info?.rollbackDeploymentId || info?.rollbackMessage ? deploymentId : undefined;
}
