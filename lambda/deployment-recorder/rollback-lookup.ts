/**
 * Whether a CodeDeploy deployment is CodeDeploy's own rollback of another: the state-change
 * event does not say, `GetDeployment` does (`creator: codeDeployRollback`). A rollback's record
 * names the deployment it rolled back, so that counting releases can leave it out.
 *
 * The lookup never costs the record: when it fails, the record is written without it.
 */
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { describeError } from '../shared/logger';

const codeDeployApi = lazy(() => import('@aws-sdk/client-codedeploy')
  .then((sdk) => ({ client: new sdk.CodeDeployClient(clientConfig()) as CodeDeployClient, sdk })));

/** The deployment this one rolled back, if it is a rollback; undefined when it is not, or cannot be told. */
export async function rolledBackDeployment(scope: AwsCallScope, deploymentId: string): Promise<string | undefined> {
  try {
    const { client, sdk } = await codeDeployApi();
    const answer = await awsCall(scope, 'codedeploy:GetDeployment', (abortSignal) =>
      client.send(new sdk.GetDeploymentCommand({ deploymentId }), { abortSignal }), { maxAttempts: 3 });
    const info = answer.deploymentInfo;
    return info?.creator === 'codeDeployRollback' ? info.rollbackInfo?.rollbackTriggeringDeploymentId ?? 'unknown' : undefined;
  } catch (error) {
    scope.logger.warn('could not tell whether the deployment is a rollback; recorded without it', { deploymentId, error: describeError(error) });
    return undefined;
  }
}
