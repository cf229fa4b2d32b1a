/** What CodePipeline says of a pipeline: each stage's state, the execution in it, a pending approval, a freeze. */
import { Aws } from './aws';
import { FoundPipeline } from './discovery';

export interface StageState {
  readonly pipeline: string;
  readonly stage: string;
  readonly status: string;
  readonly executionId?: string;
  /** The actions running now. */
  readonly running: string[];
  /** A manual approval waiting for a person, with the token that answers it. */
  readonly approval?: { readonly actionName: string; readonly token: string };
  /** Why the inbound transition is disabled (a freeze); undefined when it is enabled. */
  readonly frozen?: string;
}

export async function readPipelineState(aws: Aws, pipeline: FoundPipeline): Promise<StageState[]> {
  const codePipeline = await aws.codePipeline();
  const out = await aws.call('codepipeline:GetPipelineState', `pipeline ${pipeline.name}`, () => codePipeline.client.send(
    new codePipeline.sdk.GetPipelineStateCommand({ name: pipeline.name })));
  return (out.stageStates ?? []).map((stage) => {
    const actions = stage.actionStates ?? [];
    const approval = actions.find((action) => action.latestExecution?.status === 'InProgress' && action.latestExecution.token);
    const transition = stage.inboundTransitionState;
    return {
      pipeline: pipeline.name,
      stage: stage.stageName ?? '',
      status: stage.latestExecution?.status ?? 'never run',
      executionId: stage.latestExecution?.pipelineExecutionId,
      running: actions.filter((action) => action.latestExecution?.status === 'InProgress').map((action) => action.actionName ?? ''),
      approval: approval ? { actionName: approval.actionName ?? '', token: approval.latestExecution!.token! } : undefined,
      frozen: transition && transition.enabled === false ? transition.disabledReason ?? 'no reason given' : undefined,
    };
  });
}

/** The first 8 characters of an execution id: enough to tell executions apart at a glance. */
export function shortId(id: string | undefined): string {
  return id ? id.slice(0, 8) : '-';
}

/** How many recent executions `status` reads to name the release in each stage. */
const RECENT_EXECUTIONS = 25;

/**
 * The release of each recent execution, by execution id: the source revision's id (short) and the
 * first line of its summary (a commit message, an image tag), as CodePipeline records them.
 */
export async function releasesOf(aws: Aws, pipeline: FoundPipeline): Promise<Map<string, string>> {
  const codePipeline = await aws.codePipeline();
  const out = await aws.call('codepipeline:ListPipelineExecutions', `pipeline ${pipeline.name}`, () => codePipeline.client.send(
    new codePipeline.sdk.ListPipelineExecutionsCommand({ pipelineName: pipeline.name, maxResults: RECENT_EXECUTIONS })));
  return new Map((out.pipelineExecutionSummaries ?? []).map((execution) => [execution.pipelineExecutionId ?? '', releaseName(execution.sourceRevisions ?? [])]));
}

/** `9f3c2e1 Round the checkout total once`: the revision, then its summary's first line. */
export function releaseName(sources: readonly { revisionId?: string; revisionSummary?: string }[]): string {
  return sources.map((source) => {
    const id = source.revisionId && /^[0-9a-f]{40}$/.test(source.revisionId) ? source.revisionId.slice(0, 7) : source.revisionId;
    const summary = source.revisionSummary?.split('\n')[0];
    return [id, summary].filter((part) => part).join(' ');
  }).filter((name) => name !== '').join('; ');
}
