/**
 * What the pipeline's action executions tell and the action state changes do not: who approved
 * or rejected a manual approval (`updatedBy`), the variables a build exported (the image by digest), and those of
 * the source (the commit's time).
 *
 * A lookup never costs the record: when it fails, the record is written without what it reads.
 */
import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { describeError } from '../shared/logger';

const codePipelineApi = lazy(() => import('@aws-sdk/client-codepipeline')
  .then((sdk) => ({ client: new sdk.CodePipelineClient(clientConfig()) as CodePipelineClient, sdk })));

export interface PipelineAction {
  readonly pipelineName: string;
  readonly executionId: string;
  readonly stageName: string;
  readonly actionName: string;
}

/** The ARN of whoever decided the approval, if CodePipeline tells it. */
export async function approverOf(scope: AwsCallScope, approval: PipelineAction): Promise<string | undefined> {
  try {
    return (await latestExecution(scope, approval))?.updatedBy || undefined;
  } catch (error) {
    scope.logger.warn('could not read who decided the approval; recorded without it', { ...approval, error: describeError(error) });
    return undefined;
  }
}

/** The variables a build action exported (`IMAGE_URI`, `IMAGE_TAG`, ...); empty when they cannot be read. */
export async function buildVariablesOf(scope: AwsCallScope, build: PipelineAction): Promise<Record<string, string>> {
  try {
    return (await latestExecution(scope, build))?.output?.outputVariables ?? {};
  } catch (error) {
    scope.logger.warn('could not read the build\'s variables; recorded without them', { ...build, error: describeError(error) });
    return {};
  }
}

/**
 * The commit's time, from the source action's variables: `CommitterDate` (when the commit was
 * made on the branch), else `AuthorDate`; CodeCommit and CodeStar-connection sources export them,
 * S3 and ECR sources do not. As an ISO 8601 time in UTC; undefined when absent or unreadable.
 */
export async function commitTimeOf(scope: AwsCallScope, source: PipelineAction): Promise<string | undefined> {
  let variables: Record<string, string>;
  try {
    variables = (await latestExecution(scope, source))?.output?.outputVariables ?? {};
  } catch (error) {
    scope.logger.warn('could not read the source\'s variables; recorded without the commit\'s time', { ...source, error: describeError(error) });
    return undefined;
  }
  for (const name of ['CommitterDate', 'AuthorDate']) {
    const ms = variables[name] ? Date.parse(variables[name]) : NaN;
    if (Number.isFinite(ms)) {
      return new Date(ms).toISOString();
    }
  }
  return undefined;
}

/** The action's latest execution in the pipeline execution that has ended. */
async function latestExecution(scope: AwsCallScope, action: PipelineAction) {
  const { client, sdk } = await codePipelineApi();
  const answer = await awsCall(scope, 'codepipeline:ListActionExecutions', (abortSignal) => client.send(new sdk.ListActionExecutionsCommand({
    pipelineName: action.pipelineName,
    filter: { pipelineExecutionId: action.executionId },
  }), { abortSignal }), { maxAttempts: 3 });
  return (answer.actionExecutionDetails ?? [])
    .filter((detail) => detail.stageName === action.stageName && detail.actionName === action.actionName && detail.status !== 'InProgress')
    .sort((a, b) => (b.lastUpdateTime?.getTime() ?? 0) - (a.lastUpdateTime?.getTime() ?? 0))[0];
}
