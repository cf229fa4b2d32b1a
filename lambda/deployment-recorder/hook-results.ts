/**
 * A lifecycle hook's result (`Release Hook Result`, put by the hook runtime) in the deployment
 * item it belongs to: one line per result in `hookResults`, and the metric gate's verdict and
 * figures. Pure, like the other mappings of events.ts.
 */
import type { HookFigure } from '../../contract/release-events';
import type { RecorderSettings } from './config';
import type { EventMapping } from './events';

/**
 * The updates of one hook result. The line starts with the result's time, so that the string
 * set, which keeps no order, reads in order once sorted: `<completedAt> <lifecycle event> <hook
 * kind>: SUCCEEDED|FAILED: <summary>`.
 */
export function hookResult(detail: Record<string, unknown>, settings: RecorderSettings): EventMapping {
  const deploymentId = text(detail.deploymentId);
  const engine = detail.engine === 'ECS' ? 'ECS' : 'CODE_DEPLOY';
  const stage = engine === 'ECS'
    ? settings.ecsServices.find((s) => s.serviceArn === text(detail.serviceArn))
    : settings.deploymentGroups.find((g) => g.applicationName === text(detail.applicationName) && g.deploymentGroupName === text(detail.deploymentGroupName));
  if (!stage || !deploymentId) {
    return { ignored: deploymentId ? `the hook's service ${String(detail.serviceName)} is not one of the pipeline's stages` : 'the hook result names no deployment' };
  }
  const completedAt = text(detail.completedAt);
  const status = detail.status === 'SUCCEEDED' || detail.status === 'FAILED' ? detail.status : undefined;
  if (!completedAt || !status) {
    return { ignored: 'the hook result has no completion time or no SUCCEEDED/FAILED status' };
  }
  const where = text(detail.lifecycleEvent) ?? 'unknown event';
  const hook = text(detail.hookKind) ?? text(detail.hookName) ?? 'hook';
  const line = `${completedAt} ${where} ${hook}: ${status}: ${text(detail.summary) ?? ''}`.trimEnd();
  const verdict = text(detail.verdict);
  const figures = Array.isArray(detail.figures) ? (detail.figures as Partial<HookFigure>[]).filter((f) => text(f?.name)) : [];
  const metricGate = hook === 'metric-gate' && verdict ? {
    metricGateVerdict: verdict,
    ...(figures.length > 0 ? { metricGateFigures: figures.map((f) => `${f.name}=${typeof f.value === 'number' ? f.value : 'none'}`) } : {}),
  } : undefined;
  return {
    updates: [{
      releaseKey: `${stage.serviceName}#${stage.stageName}`,
      recordId: deploymentId,
      setOnce: { kind: 'deployment', stageName: stage.stageName, serviceName: stage.serviceName, engine, deploymentId },
      add: { hookResults: [line] },
      ...(metricGate ? { set: metricGate } : {}),
    }],
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
