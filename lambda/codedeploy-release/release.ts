/**
 * What a Create or Update needs: nothing when the service already runs the task definition, else
 * a deployment, started or (when this request's own is already under way) adopted, then waited for.
 */
import { AwsCallScope } from '../shared/aws-call';
import { formatSeconds, truncate } from '../shared/invocation';
import { AttemptTimeoutError, sleep } from '../shared/retry';
import {
  ACTIVE_STATUSES,
  DeploymentView,
  activeDeployments,
  deploysSame,
  describeDeployment,
  primaryTaskDefinition,
  startDeployment,
  taskDefinitionRevision,
} from './deployment';
import { ReleaseOutcome, ReleaseRun, failed, succeeded, track, workScope } from './run';
import { waitFor } from './wait';

/** CodeDeploy's own rollbacks in the way, waited out before deciding again (once per round). */
const MAX_DECISION_ROUNDS = 3;

/** What the service needs now. */
type Decision =
  | { readonly kind: 'answer'; readonly outcome: ReleaseOutcome }
  | { readonly kind: 'wait'; readonly deploymentId: string }
  /** A CodeDeploy rollback is under way: what the service runs is about to change. */
  | { readonly kind: 'rollbacks'; readonly rollbacks: DeploymentView[] };

/** Create or Update: release `TaskDefinitionArn` unless the service already runs it. */
export async function release(run: ReleaseRun): Promise<ReleaseOutcome | 'handed-over'> {
  if (run.continuation) {
    track(run, run.continuation.state.deploymentId);
    return waitFor(run, run.continuation.state.deploymentId);
  }
  const scope = workScope(run);
  for (let round = 1; ; round++) {
    const decision = await decide(run, scope);
    if (decision.kind === 'answer') {
      return decision.outcome;
    }
    if (decision.kind === 'wait') {
      track(run, decision.deploymentId);
      return waitFor(run, decision.deploymentId);
    }
    if (round >= MAX_DECISION_ROUNDS) {
      return failed(`CodeDeploy kept rolling back deployment group ${run.settings.deploymentGroupName} `
        + `(${decision.rollbacks.map((r) => r.deploymentId).join(', ')}); deploy the stack again once the rollbacks have ended`);
    }
    const problem = await waitOutRollbacks(run, scope, decision.rollbacks);
    if (problem !== undefined) {
      return failed(problem);
    }
  }
}

async function decide(run: ReleaseRun, scope: AwsCallScope): Promise<Decision> {
  const { settings } = run;
  const wanted = taskDefinitionRevision(settings.taskDefinitionArn);
  const primary = await primaryTaskDefinition(scope, settings);
  const deployed = primary !== undefined && taskDefinitionRevision(primary) === wanted;
  run.logger.info('decision', {
    check: 'task definition of the primary task set',
    expectation: wanted,
    observed: primary ? taskDefinitionRevision(primary) : 'no primary task set',
    verdict: deployed ? 'already-deployed' : 'deploy',
  });
  if (!deployed) {
    return startOrAdopt(run, scope);
  }
  // A deployment of it may still be under way (a repeated request, CodeDeploy rolling back to
  // it), or a rollback about to replace it.
  const others: DeploymentView[] = [];
  const running = await sameDeploymentUnderWay(run, scope, [], others);
  if (running) {
    return { kind: 'wait', deploymentId: running.deploymentId };
  }
  const rollbacks = others.filter(isRollback);
  if (rollbacks.length > 0) {
    return { kind: 'rollbacks', rollbacks };
  }
  return { kind: 'answer', outcome: succeeded(`service ${settings.serviceName} already runs ${wanted}; nothing to deploy`) };
}

/**
 * Starts the deployment. When CodeDeploy answers that the group already runs one, adopts that
 * one if it deploys the same AppSpec (this request delivered twice, or retried). A rollback of
 * CodeDeploy's in the way is waited out: it is what a stack rollback follows, the service's
 * previous task set coming back. Any other deployment is not this request's to wait for or stop.
 */
async function startOrAdopt(run: ReleaseRun, scope: AwsCallScope): Promise<Decision> {
  const { settings } = run;
  let refusal = '';
  // Twice: the deployment in the way may end between CreateDeployment and ListDeployments.
  for (let attempt = 1; attempt <= 2; attempt++) {
    const result = await startDeployment(scope, settings, deploymentDescription(run));
    if ('started' in result) {
      run.logger.info('deployment started', { deploymentId: result.started, taskDefinition: taskDefinitionRevision(settings.taskDefinitionArn) });
      return { kind: 'wait', deploymentId: result.started };
    }
    refusal = result.busy;
    const others: DeploymentView[] = [];
    const same = await sameDeploymentUnderWay(run, scope, result.mentioned ? [result.mentioned] : [], others);
    if (same) {
      return { kind: 'wait', deploymentId: same.deploymentId };
    }
    if (others.length > 0 && others.every(isRollback)) {
      return { kind: 'rollbacks', rollbacks: others };
    }
    if (others.length > 0) {
      const list = others.map((other) => `${other.deploymentId} (${other.status})`).join(', ');
      return {
        kind: 'answer',
        outcome: failed(`deployment group ${settings.deploymentGroupName} is running another deployment, ${list}, which does not deploy `
          + `${taskDefinitionRevision(settings.taskDefinitionArn)}; CodeDeploy runs one deployment per group at a time: `
          + 'wait for it to end, or stop it, then deploy the stack again'),
      };
    }
    run.logger.warn('CodeDeploy refused the deployment but lists none in progress; trying again', { refusal, attempt });
  }
  return { kind: 'answer', outcome: failed(`CodeDeploy refused to start the deployment: ${refusal}`) };
}

/**
 * The deployment of the group, not over yet, that deploys this request's AppSpec or task
 * definition. The ones that deploy something else are added to `others`.
 */
async function sameDeploymentUnderWay(
  run: ReleaseRun,
  scope: AwsCallScope,
  mentioned: string[],
  others: DeploymentView[],
): Promise<DeploymentView | undefined> {
  const ids = [...new Set([...mentioned, ...await activeDeployments(scope, run.settings)])];
  for (const deploymentId of ids) {
    const view = await describeDeployment(scope, deploymentId);
    if (!isActive(view)) {
      continue;
    }
    if (deploysSame(view, run.settings)) {
      run.logger.info('adopting the deployment under way: it deploys the same revision', {
        deploymentId, status: view.status, creator: view.creator,
      });
      return view;
    }
    others.push(view);
  }
  return undefined;
}

/** A timer may fire a millisecond before the clock shows its time. */
const TIMER_SLACK_MS = 5;

/**
 * Polls CodeDeploy's rollbacks until they end, within this invocation: a rollback reroutes
 * traffic back at once, so it seldom takes minutes. Returns a reason when they outlast it.
 */
async function waitOutRollbacks(run: ReleaseRun, scope: AwsCallScope, rollbacks: DeploymentView[]): Promise<string | undefined> {
  const { timing, settings } = run;
  const until = Math.min(scope.deadline, timing.totalDeadline);
  const waitStarted = Date.now();
  let pending = rollbacks;
  run.logger.info('waiting for CodeDeploy\'s rollback to end before deciding again', {
    rollbacks: pending.map((r) => r.deploymentId), verdict: 'waiting',
  });
  const outlasted = () => `CodeDeploy is still rolling back deployment group ${settings.deploymentGroupName} `
    + `(${pending.map((r) => `${r.deploymentId}, ${r.status}`).join('; ')}) after ${formatSeconds(Date.now() - waitStarted)}; `
    + 'deploy the stack again once it has ended';
  for (;;) {
    if (Date.now() + settings.pollMs > until) {
      return outlasted();
    }
    await sleep(settings.pollMs);
    // A sleep may end late (a busy host): a read begun past the deadline would fail on it instead.
    if (Date.now() >= until) {
      return outlasted();
    }
    const views: DeploymentView[] = [];
    try {
      for (const rollback of pending) {
        views.push(await describeDeployment(scope, rollback.deploymentId));
      }
    } catch (error) {
      // A read cut short by the deadline (a slow host) means the rollback outlasted the wait, not a failed read.
      if (error instanceof AttemptTimeoutError && Date.now() + TIMER_SLACK_MS >= until) {
        return outlasted();
      }
      throw error;
    }
    pending = views.filter(isActive);
    if (pending.length === 0) {
      run.logger.info('CodeDeploy\'s rollback ended', { outcomes: views.map((v) => `${v.deploymentId}: ${v.status}`) });
      return undefined;
    }
  }
}

function isActive(view: DeploymentView): boolean {
  return (ACTIVE_STATUSES as readonly string[]).includes(view.status);
}

/** CodeDeploy creates a deployment of its own to roll a failed or stopped one back. */
function isRollback(view: DeploymentView): boolean {
  return view.creator === 'codeDeployRollback';
}

/** What the CodeDeploy console shows as the deployment's description: which stack released what. */
function deploymentDescription(run: ReleaseRun): string {
  const stack = /:stack\/([^/]+)\//.exec(run.event.StackId ?? '')?.[1] ?? 'CloudFormation';
  return truncate(`${stack} ${run.event.LogicalResourceId ?? ''}: ${taskDefinitionRevision(run.settings.taskDefinitionArn)}`
    + ` (request ${run.event.RequestId ?? 'unknown'})`, 200);
}
