import * as fc from 'fast-check';
import { CaseSpec, caseSpec } from './arbitraries';
import { failureOf, runCase } from './judge';
import { newApp } from './scenario';

/*
 * A small fixed sample of the property's cases, synthesized under aws-cdk-lib's strict built-in
 * CloudFormation validation: the validator takes seconds to start, so the property file runs
 * without it, and test/example-app.test.ts, which starts it once for all strict syntheses, runs
 * this sample to check that what synthesizes there is also schema-valid.
 */

/**
 * Cases that reach every construct: a pipeline of two stages and a dashboard in an explicit
 * environment; every hook on an imported service, standalone alarms and guard on an imported cluster.
 */
const FIXED: CaseSpec[] = [
  {
    env: 'explicit', network: 'importedWithCidr',
    service: { serviceName: 'orders-api', protocol: 'HTTPS', certificate: true, trafficShifting: { linear: 20, interval: { minutes: 2 } } },
    extra: {
      secondService: { serviceName: 'orders-staging' },
      pipeline: {
        source: { connectionArn: 'arn:aws:codestar-connections:eu-west-1:123456789012:connection/abcd', owner: 'my-org', repo: 'orders', branch: undefined, triggerOnPush: undefined },
        stages: [
          { stageName: 'Staging', second: true, options: {} },
          { stageName: 'Production', second: false, options: { requireApproval: true, approvalComment: 'check the dashboard' } },
        ],
        addStages: [],
        props: { notificationEmails: ['ops@example.com'] },
      },
      dashboard: { services: 'first', pipeline: true },
    },
  },
  {
    env: 'agnostic', network: 'importedCluster',
    service: { trafficShifting: { allAtOnce: true }, rollbackAlarmOptions: { latencyBaseline: { millis: 300 } } },
    extra: {
      importedService: { serviceName: 'imported', trafficShifting: { canary: 10, interval: { minutes: 5 } } },
      hooks: {
        preflight: { alarms: 1 },
        migration: { command: ['npm', 'run', 'migrate'], props: { environment: { MODE: 'migrate' } } },
        smokeTest: { checks: [{ path: '/', http: true, options: { method: 'POST', body: '{}' } }] },
        metricGate: { production: true },
        custom: { lifecycleEvent: 'BeforeAllowTraffic', imported: false },
      },
      rollbackAlarms: { targetGroups: 2, duplicateTargetGroup: false, props: { logGroup: true, deploymentGroup: true, service: true }, options: {} },
      guard: { failedTaskThreshold: 3 },
    },
  },
];

/** The first cases of the property's seed that synthesize without the validator, for variety. */
function sampled(count: number): CaseSpec[] {
  const found: CaseSpec[] = [];
  for (const spec of fc.sample(caseSpec, { numRuns: 40, seed: 20261202 })) {
    if (found.length < count && runCase(spec, newApp('off')).kind === 'synthesized') {
      found.push(spec);
    }
  }
  return found;
}

/** Declares the tests of the sample; call it in a file that has enabled the built-in validation. */
export function describeStrictSample(): void {
  describe('a fixed sample of the property under strict built-in CloudFormation validation', () => {
    test.each([...FIXED, ...sampled(2)].map((spec, i) => [i, spec] as const))('case %i synthesizes, schema-valid and within the AWS limits', (_, spec) => {
      const outcome = runCase(spec, newApp('strict'));
      expect(outcome).toEqual({ kind: 'synthesized', violations: [] });
      expect(failureOf(outcome)).toBeUndefined();
    });
  });
}
