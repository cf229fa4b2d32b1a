/**
 * What the guard asks AWS: the deployment group's deployment in progress and its green task set
 * (CodeDeploy), the failed tasks of that task set (ECS), and the stop. Every call goes through
 * `awsCall`: bounded retries within the invocation's deadline.
 */
import { answerOf, objectList, optionalObject, stringList } from '../shared/answer';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { codeDeployApi } from '../shared/codedeploy';
import { ecsDeploymentTarget } from '../shared/deployment-target';
import { StoppedTask, StoppedTaskFields, judge, stoppedTask, taskDefinitionFamily } from './classify';

/** Loaded on first use, like every client package, so the handler's module loads without it. */
const ecsApi = lazy(() => import('@aws-sdk/client-ecs').then((sdk) => ({ client: new sdk.ECSClient(clientConfig()), sdk })));

/** One page of ListTasks, and as many tasks as one DescribeTasks call accepts. */
const PAGE_SIZE = 100;
/** ListTasks pages read at most: stopped tasks stay listed for about an hour. */
const MAX_PAGES = 3;
const LOOKUP_RETRY = { baseDelayMs: 100 } as const;

/** A deployment the guard may stop, with its green task set. */
export interface GuardedDeployment {
  readonly deploymentId: string;
  /** The green task set's id, `ecs-svc/…`: what its tasks carry as `startedBy`. */
  readonly greenTaskSetId?: string;
}

/**
 * The deployment group's deployments in progress (or waiting to reroute traffic) that are not
 * themselves rollbacks: stopping a rollback would leave the service half-way. Each with its green
 * task set, once CodeDeploy has created it.
 */
export async function deploymentsInProgress(scope: AwsCallScope, applicationName: string, deploymentGroupName: string): Promise<GuardedDeployment[]> {
  const { client, sdk } = await codeDeployApi();
  const listCall = 'codedeploy:ListDeployments';
  const listed = answerOf(listCall, await awsCall(scope, listCall, (abortSignal) => client.send(new sdk.ListDeploymentsCommand({
    applicationName, deploymentGroupName, includeOnlyStatuses: ['InProgress', 'Ready'],
  }), { abortSignal }), LOOKUP_RETRY));
  const found: GuardedDeployment[] = [];
  // A deployment group runs one deployment at a time; a few ids at most.
  for (const deploymentId of stringList(listCall, listed, 'deployments').slice(0, 5)) {
    const getCall = 'codedeploy:GetDeployment';
    const got = answerOf(getCall, await awsCall(scope, getCall, (abortSignal) =>
      client.send(new sdk.GetDeploymentCommand({ deploymentId }), { abortSignal }), LOOKUP_RETRY));
    const info = optionalObject<{ creator?: unknown; status?: unknown }>(getCall, got, 'deploymentInfo');
    if (info?.creator === 'codeDeployRollback' || (info?.status !== 'InProgress' && info?.status !== 'Ready')) {
      continue;
    }
    const target = await ecsDeploymentTarget(scope, deploymentId);
    const green = objectList<{ identifer?: unknown; taskSetLabel?: unknown }>('codedeploy:GetDeploymentTarget', target, 'taskSetsInfo')
      .find((set) => set.taskSetLabel === 'Green');
    found.push({ deploymentId, greenTaskSetId: typeof green?.identifer === 'string' ? green.identifer : undefined });
  }
  return found;
}

/**
 * The failed tasks of the task set `taskSetId`, read from ECS rather than counted across events:
 * the count is the same however often, late or out of order EventBridge delivers. ListTasks
 * filters by family (startedBy admits no other filter); the task set is matched on the tasks.
 */
export async function failedTasksOf(scope: AwsCallScope, clusterArn: string, taskDefinitionArn: string, taskSetId: string): Promise<StoppedTask[]> {
  const { client, sdk } = await ecsApi();
  const taskArns: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const call = 'ecs:ListTasks';
    const listed = answerOf(call, await awsCall(scope, call, (abortSignal) => client.send(new sdk.ListTasksCommand({
      cluster: clusterArn, family: taskDefinitionFamily(taskDefinitionArn), desiredStatus: 'STOPPED', maxResults: PAGE_SIZE, nextToken,
    }), { abortSignal }), LOOKUP_RETRY));
    taskArns.push(...stringList(call, listed, 'taskArns'));
    nextToken = typeof listed.nextToken === 'string' && listed.nextToken !== '' ? listed.nextToken : undefined;
    if (!nextToken) {
      break;
    }
  }
  const failed: StoppedTask[] = [];
  for (let i = 0; i < taskArns.length; i += PAGE_SIZE) {
    const call = 'ecs:DescribeTasks';
    const described = answerOf(call, await awsCall(scope, call, (abortSignal) =>
      client.send(new sdk.DescribeTasksCommand({ cluster: clusterArn, tasks: taskArns.slice(i, i + PAGE_SIZE) }), { abortSignal }), LOOKUP_RETRY));
    for (const fields of objectList<StoppedTaskFields>(call, described, 'tasks')) {
      const task = stoppedTask(fields);
      if (task && task.startedBy === taskSetId && judge(task).failed) {
        failed.push(task);
      }
    }
  }
  return failed;
}

export type StopResult = 'stopped' | 'already-stopped';

/**
 * Stops `deploymentId` and rolls it back. A deployment that has already ended (another invocation
 * stopped it, or it failed by itself) is not an error: the stop is done.
 */
export async function stopWithRollback(scope: AwsCallScope, deploymentId: string): Promise<StopResult> {
  const { client, sdk } = await codeDeployApi();
  try {
    await awsCall(scope, 'codedeploy:StopDeployment', (abortSignal) =>
      client.send(new sdk.StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }), { abortSignal }), LOOKUP_RETRY);
    return 'stopped';
  } catch (error) {
    if ((error as { name?: unknown })?.name === 'DeploymentAlreadyCompletedException') {
      return 'already-stopped';
    }
    throw error;
  }
}
