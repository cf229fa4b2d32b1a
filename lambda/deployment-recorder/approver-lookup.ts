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
    return (await latestExecution(scope, approval))?.updatedBy || undefined;
  } catch (error) {
    scope.logger.warn('could not read who decided the approval; recorded without it', { ...approval, error: describeError(error) });
    return undefined;
  }
}

/** The variables a build action exported (`IMAGE_URI`, `IMAGE_TAG`, ...); empty when they cannot be read. */
export async function buildVariablesOf(scope: AwsCallScope, build: ApprovalAction): Promise<Record<string, string>> {
  try {
    return (await latestExecution(scope, build))?.output?.outputVariables ?? {};
  } catch (error) {
    scope.logger.warn('could not read the build\'s variables; recorded without them', { ...build, error: describeError(error) });
    return {};
  }
}

/** The action's latest execution in the pipeline execution that has ended. */
async function latestExecution(scope: AwsCallScope, action: ApprovalAction) {
  const { client, sdk } = await codePipelineApi();
  const answer = await awsCall(scope, 'codepipeline:ListActionExecutions', (abortSignal) => client.send(new sdk.ListActionExecutionsCommand({
    pipelineName: action.pipelineName,
    filter: { pipelineExecutionId: action.executionId },
  }), { abortSignal }), { maxAttempts: 3 });
  return (answer.actionExecutionDetails ?? [])
    .filter((detail) => detail.stageName === action.stageName && detail.actionName === action.actionName && detail.status !== 'InProgress')
    .sort((a, b) => (b.lastUpdateTime?.getTime() ?? 0) - (a.lastUpdateTime?.getTime() ?? 0))[0];
}
