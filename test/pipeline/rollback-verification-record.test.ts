import { Match, Template } from 'aws-cdk-lib/assertions';
import { ReleasePipeline, ReleaseSource } from '../../lib';
import { CONNECTION_ARN, mockService, testStack } from './util';

const source = ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' });

describe('deployment record', () => {
  test('records the rollback verifications and hook results of the pipeline\'s services, next to their deployments, by one rule', () => {
    const stack = testStack();
    const staging = mockService(stack, 'Staging');
    const production = mockService(stack, 'Production');
    new ReleasePipeline(stack, 'Release', {
      source,
      stages: [{ stageName: 'Staging', service: staging }, { stageName: 'Production', service: production, requireApproval: true }],
    });
    const template = Template.fromStack(stack);
    // The record's rule; the notifications have one of their own.
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: {
        Description: Match.stringLikeRegexp('^Records the rollback verifications and hook results'),
        EventPattern: { 'source': ['cdk-ecs-release'], 'detail-type': ['Rollback Verification Result', 'Release Hook Result'] },
      },
    });
    expect(Object.values(rules)).toHaveLength(1);
    const rule = Object.values(rules)[0].Properties;
    expect(rule.EventPattern.detail).toEqual({ serviceName: ['staging', 'production'] });
    // The log group, and the recorder of the record table.
    expect(rule.Targets).toHaveLength(2);
    expect(rule.Targets[0].Arn['Fn::Join'][1].slice(-2)).toEqual([':log-group:', { Ref: expect.stringMatching(/^ReleaseDeploymentRecordLogs/) }]);
  });
});
