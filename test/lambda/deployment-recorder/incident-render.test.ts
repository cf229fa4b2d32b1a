import type { ReleaseRecordItem } from '../../../contract/deployment-record';
import { IncidentInput, renderIncidentReport, restoredAt, trafficSteps } from '../../../lambda/deployment-recorder/incident-render';

const CODEDEPLOY_ITEM: ReleaseRecordItem = {
  releaseKey: 'orders-api#Production', recordId: 'd-2A7K1QXB9', kind: 'deployment', serviceName: 'orders-api', stageName: 'Production',
  engine: 'CODE_DEPLOY', deploymentId: 'd-2A7K1QXB9', status: 'rolled_back', statusOrder: '2026-11-30T12:12:05Z#3',
  imageUri: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders@sha256:5be1c0ffee', imageTag: '1.4.0', commitTime: '2026-11-30T11:40:00Z',
  pipelineExecutionId: 'exec-1', startedAt: '2026-11-30T12:00:00Z', completedAt: '2026-11-30T12:08:00Z',
  url: 'https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-2A7K1QXB9?region=eu-west-1',
  hookResults: [
    'BeforeInstall preflight: SUCCEEDED: no freeze, alarms OK',
    'AfterAllowTestTraffic smoke-test: SUCCEEDED: 3 checks passed',
    'BeforeAllowTraffic metric-gate: SUCCEEDED: error rate 0.1 %',
    'AfterAllowTraffic metric-gate: FAILED: error rate 4.2 % over 1 %',
  ],
  metricGateVerdict: 'FAIL', metricGateFigures: ['errorRate=0.042', 'p99LatencyMs=812'],
  rollbackVerification: 'VERIFIED', rollbackVerificationReason: 'every smoke check passed', restoredVersion: '1.3.9',
  verificationChecks: ['health: passed: status 200', 'version: passed: body contains "1.3.9"'],
  // Out of order on purpose: the timeline sorts.
  notes: ['2026-11-30T12:12:05Z rolled back, verified: every smoke check passed', '2026-11-30T12:08:00Z deployment failed',
    '2026-11-30T12:10:30Z rolled back by CodeDeploy\'s rollback deployment d-RB'],
  seenEvents: ['a'], lastEventTime: '2026-11-30T12:12:05Z',
};

function input(overrides: Partial<IncidentInput> = {}): IncidentInput {
  return {
    item: CODEDEPLOY_ITEM,
    execution: { releaseKey: 'orders-release', recordId: 'exec-1', kind: 'execution', status: 'failed', statusOrder: '', seenEvents: [], lastEventTime: '',
      sourceRevision: '9f8e7d6c', sourceSummary: 'Cache the\norder totals', triggeredBy: 'arn:aws:sts::1:assumed-role/Dev/ana', triggerType: 'Webhook' },
    stage: { releaseKey: 'orders-release#Production', recordId: 'exec-1', kind: 'stage', status: 'failed', statusOrder: '', seenEvents: [], lastEventTime: '',
      approvalRequestedAt: '2026-11-30T11:55:00Z', approvalDecidedAt: '2026-11-30T11:59:00Z', approvalOutcome: 'SUCCEEDED', approvedBy: 'arn:aws:iam::1:user/lead' },
    codeDeploy: { value: { deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes', errorCode: 'HOOK_FAILED',
      errorMessage: 'The AfterAllowTraffic hook failed', rollbackMessage: 'rolled back by d-RB', overview: { Succeeded: 0, Failed: 1 } } },
    alarms: { value: [] },
    renderedAt: '2026-11-30T12:12:06Z',
    ...overrides,
  };
}

function sectionOf(report: string, title: string): string {
  const start = report.indexOf(`## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = report.indexOf('\n## ', start + 1);
  return report.slice(start, end < 0 ? undefined : end);
}

describe('incident report rendering', () => {
  test('has the template\'s sections, in order', () => {
    const report = renderIncidentReport(input());
    const titles = [...report.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(titles).toEqual(['Summary', 'Impact', 'Timeline', 'What decided the rollback', 'Rollback and verification', 'Links', 'Action items']);
    expect(report.startsWith('# Incident: orders-api Production, deployment d-2A7K1QXB9 rolled back\n')).toBe(true);
  });

  test('the summary names the image by digest, the commit, who triggered and who approved', () => {
    const summary = sectionOf(renderIncidentReport(input()), 'Summary');
    expect(summary).toContain('- **Image:** `111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders@sha256:5be1c0ffee` (tag `1.4.0`)');
    expect(summary).toContain('- **Commit:** `9f8e7d6c` Cache the order totals, committed 2026-11-30T11:40:00Z');
    expect(summary).toContain('- **Triggered by:** arn:aws:sts::1:assumed-role/Dev/ana (Webhook)');
    expect(summary).toContain('- **Approved by:** arn:aws:iam::1:user/lead at 2026-11-30T11:59:00Z');
  });

  test('the impact tells how far traffic went and how long until the restore', () => {
    const impact = sectionOf(renderIncidentReport(input()), 'Impact');
    expect(impact).toContain('- **Lifecycle events reached:** AfterAllowTraffic');
    expect(impact).toContain('- **Production traffic on the new version:** 100 %');
    expect(impact).toContain('- **Targets:** Succeeded 0, Failed 1');
    // The first rollback note is the restore, not the verification after it.
    expect(impact).toContain('- **Restored:** 2026-11-30T12:10:30Z');
    expect(impact).toContain('- **Duration from start to restore:** 10 min 30 s');
  });

  test('a canary stopped while traffic shifted reached its first step at most; one stopped before, none', () => {
    const during = { ...CODEDEPLOY_ITEM, hookResults: ['AfterAllowTestTraffic smoke-test: SUCCEEDED: ok', 'BeforeAllowTraffic gate: SUCCEEDED: ok'] };
    expect(sectionOf(renderIncidentReport(input({ item: during })), 'Impact'))
      .toContain('up to 10 %: production traffic was being shifted when the deployment stopped');
    const before = { ...CODEDEPLOY_ITEM, hookResults: ['AfterAllowTestTraffic smoke-test: FAILED: 500 from /health'] };
    expect(sectionOf(renderIncidentReport(input({ item: before })), 'Impact')).toContain('0 %: only the test listener reached the new version');
  });

  test('the timeline is the item\'s times and notes, sorted', () => {
    const lines = sectionOf(renderIncidentReport(input()), 'Timeline').split('\n').filter((line) => line.startsWith('- '));
    expect(lines).toEqual([
      '- `2026-11-30T11:55:00Z` approval requested',
      '- `2026-11-30T11:59:00Z` approval decided by arn:aws:iam::1:user/lead',
      '- `2026-11-30T12:00:00Z` deployment started',
      '- `2026-11-30T12:08:00Z` deployment ended',
      '- `2026-11-30T12:08:00Z` deployment failed',
      '- `2026-11-30T12:10:30Z` rolled back by CodeDeploy\'s rollback deployment d-RB',
      '- `2026-11-30T12:12:05Z` rolled back, verified: every smoke check passed',
    ]);
  });

  test('what decided the rollback: CodeDeploy\'s error, the failing hooks and the metric gate\'s figures', () => {
    const decided = sectionOf(renderIncidentReport(input()), 'What decided the rollback');
    expect(decided).toContain('- **CodeDeploy error:** HOOK_FAILED: The AfterAllowTraffic hook failed');
    expect(decided).toContain('  - AfterAllowTraffic metric-gate: FAILED: error rate 4.2 % over 1 %');
    expect(decided).not.toContain('BeforeInstall preflight');
    expect(decided).toContain('- **Metric gate:** FAIL\n  - `errorRate=0.042`\n  - `p99LatencyMs=812`');
    expect(decided).toContain('- No rollback alarm of the service and stage changed state during the deployment.');
  });

  test('an alarm shows its reason and figures, from StateReasonData when the alarm has no threshold of its own', () => {
    const decided = sectionOf(renderIncidentReport(input({ alarms: { value: [{
      name: 'orders-5xx', state: 'ALARM', updatedAt: '2026-11-30T12:07:00Z', reason: 'Threshold Crossed: 1 datapoint [7.0]\nwas greater',
      reasonData: JSON.stringify({ threshold: 5, recentDatapoints: [7], statistic: 'Average', period: 60 }),
    }] } })), 'What decided the rollback');
    expect(decided).toContain('- **Alarm `orders-5xx`:** ALARM since 2026-11-30T12:07:00Z\n  - Threshold Crossed: 1 datapoint [7.0] was greater\n'
      + '  - threshold 5; recent datapoints 7; statistic Average; period 60 s');
  });

  test('a failed lookup leaves a line saying so, and the rest is still rendered', () => {
    const report = renderIncidentReport(input({ codeDeploy: { failed: 'AccessDeniedException: not authorized' }, alarms: { failed: 'ThrottlingException: slow down' } }));
    expect(report).toContain('- _CodeDeploy GetDeployment could not be read: AccessDeniedException: not authorized_');
    expect(report).toContain('- _CloudWatch DescribeAlarms could not be read: ThrottlingException: slow down_');
    expect(sectionOf(report, 'Impact')).toContain('- **Deployment configuration:** unknown');
    expect(sectionOf(report, 'Rollback and verification')).toContain('- **Verification:** VERIFIED');
  });

  test('an Amazon ECS deployment tells the lifecycle stage and the canary step it reached', () => {
    const item: ReleaseRecordItem = { ...CODEDEPLOY_ITEM, engine: 'ECS', hookResults: ['POST_TEST_TRAFFIC_SHIFT smoke-test: SUCCEEDED: ok'], notes: [] };
    const impact = sectionOf(renderIncidentReport(input({ item, codeDeploy: undefined,
      ecs: { value: { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', strategy: 'CANARY', canaryPercent: 5 } } })), 'Impact');
    expect(impact).toContain('- **Lifecycle stage reached:** PRODUCTION_TRAFFIC_SHIFT');
    expect(impact).toContain('- **Strategy:** CANARY, canary 5 %');
    expect(impact).toContain('- **Production traffic on the new version:** up to 5 % (a step of CANARY)');
    expect(impact).toContain('- **Restored:** unknown');
  });

  test('the rollback section and the action items are left for people, unchecked', () => {
    const report = renderIncidentReport(input());
    expect(sectionOf(report, 'Rollback and verification')).toContain('- **Restored version:** 1.3.9\n- **Checks:**\n  - health: passed: status 200');
    const items = sectionOf(report, 'Action items').split('\n').filter((line) => line.startsWith('- '));
    expect(items).toHaveLength(4);
    expect(items.every((line) => line.startsWith('- [ ] '))).toBe(true);
    expect(items.join('\n')).toMatch(/impact.*\n.*root cause.*\n.*test.*\n.*retry/i);
  });

  test('deployment configurations read as traffic steps', () => {
    expect(trafficSteps('CodeDeployDefault.ECSLinear10PercentEvery1Minutes')).toBe('linear: 10 % more every 1 minutes');
    expect(trafficSteps('CodeDeployDefault.ECSAllAtOnce')).toBe('all at once: 100 %');
    expect(trafficSteps('orders-custom')).toBe('a custom configuration');
    expect(restoredAt({ ...CODEDEPLOY_ITEM, notes: ['2026-11-30T12:08:00Z the rollback failed: tasks did not start'] })).toBeUndefined();
  });
});
