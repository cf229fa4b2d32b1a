/**
 * Who approved or rejected a manual approval: the action's state change does not say, the
 * pipeline's action executions do (`updatedBy` of the approval's execution).
 *
 * The lookup never costs the record: when it fails, the record is written without it.
 */
import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { describeError } from '../shared/logger';

const codePipelineApi = lazy(() => import('@aws-sdk/client-codepipeline')
  .then((sdk) => ({ client: new sdk.CodePipelineClient(clientConfig()) as CodePipelineClient, sdk })));

export interface ApprovalAction {
  readonly pipelineName: string;
  readonly executionId: string;
  readonly stageName: string;
  readonly actionName: string;
}

/** The ARN of whoever decided the approval, if CodePipeline tells it. */
export async function approverOf(scope: AwsCallScope, approval: ApprovalAction): Promise<string | undefined> {
  try {
    const { client, sdk } = await codePipelineApi();
    const answer = await awsCall(scope, 'codepipeline:ListActionExecutions', (abortSignal) => client.send(new sdk.ListActionExecutionsCommand({
      pipelineName: approval.pipelineName,
      filter: { pipelineExecutionId: approval.executionId },
    }), { abortSignal }), { maxAttempts: 3 });
    const decided = (answer.actionExecutionDetails ?? [])
      .filter((detail) => detail.stageName === approval.stageName && detail.actionName === approval.actionName && detail.status !== 'InProgress')
      .sort((a, b) => (b.lastUpdateTime?.getTime() ?? 0) - (a.lastUpdateTime?.getTime() ?? 0))[0];
    return decided?.updatedBy || undefined;
  } catch (error) {
    scope.logger.warn('could not read who decided the approval; recorded without it', { ...approval, error: describeError(error) });
    return undefined;
  }
}
