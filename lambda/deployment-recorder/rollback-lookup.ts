/**
 * Whether a CodeDeploy deployment is CodeDeploy's own rollback of another: the state-change
 * event does not say, `GetDeployment` does (`creator: codeDeployRollback`). A rollback's record
 * names the deployment it rolled back, so that counting releases can leave it out; that
 * deployment is rolled back. A deployment that rolled back within itself (CodeDeploy's rollback
 * message, no rollback deployment) is rolled back too.
 *
 * The lookup never costs the record: when it fails, the record is written without it.
 */
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { describeError } from '../shared/logger';

const codeDeployApi = lazy(() => import('@aws-sdk/client-codedeploy')
  .then((sdk) => ({ client: new sdk.CodeDeployClient(clientConfig()) as CodeDeployClient, sdk })));

/** What GetDeployment tells of a deployment's rollback. */
export interface RollbackFacts {
  /** The deployment this one, CodeDeploy's rollback deployment, rolls back (`unknown` when CodeDeploy does not say). */
  readonly rollbackOf?: string;
  /** CodeDeploy's rollback message of a deployment that rolled back within itself (no rollback deployment of its own). */
  readonly rolledBackWithin?: string;
}

/** Whether the deployment is a rollback, or rolled back itself; empty when neither, or when it cannot be told. */
export async function rollbackFacts(scope: AwsCallScope, deploymentId: string): Promise<RollbackFacts> {
  try {
    const { client, sdk } = await codeDeployApi();
    const answer = await awsCall(scope, 'codedeploy:GetDeployment', (abortSignal) =>
      client.send(new sdk.GetDeploymentCommand({ deploymentId }), { abortSignal }), { maxAttempts: 3 });
    const info = answer.deploymentInfo;
    if (info?.creator === 'codeDeployRollback') {
      return { rollbackOf: info.rollbackInfo?.rollbackTriggeringDeploymentId ?? 'unknown' };
    }
    const message = info?.rollbackInfo?.rollbackMessage;
    return message && !info?.rollbackInfo?.rollbackDeploymentId ? { rolledBackWithin: message } : {};
  } catch (error) {
    scope.logger.warn('could not tell whether the deployment is a rollback; recorded without it', { deploymentId, error: describeError(error) });
    return {};
  }
}
