import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { MigrationHook, ReleasePipeline, ReleaseSource, ReleaseStageOptions } from '../../lib';
import { awsLimitViolations } from '../aws-limits';
import { synthErrors } from '../synth-errors';
import { CONNECTION_ARN, mockService, testStack } from './util';

const gitSource = (): ReleaseSource => ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' });

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function pipelineStages(stack: Stack): Json[] {
  const pipelines = Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline');
  return (Object.values(pipelines)[0] as Json).Properties.Stages;
}

function approvalInformation(stack: Stack): string {
  const action = pipelineStages(stack).flatMap((s) => s.Actions).find((a: Json) => a.ActionTypeId.Category === 'Approval');
  return action.Configuration.CustomData;
}

function pipeline(scope: Construct, stages: (services: ReturnType<typeof mockService>[]) => ReleaseStageOptions[], props: { notificationEmails?: string[] } = {}) {
  const services = [mockService(scope, 'Staging'), mockService(scope, 'Production')];
  return { services, release: new ReleasePipeline(scope, 'Release', { source: gitSource(), stages: stages(services), ...props }) };
}

describe('stage names of 100 characters', () => {
  test('give artifact names within CodePipeline\'s 100 characters, one per stage, and a template within every limit', () => {
    const stack = testStack();
    const long = 'S'.repeat(99);
    pipeline(stack, ([staging, production]) => [
      { stageName: `${long}1`, service: staging },
      { stageName: `${long}2`, service: production, requireApproval: true, approvalComment: 'c'.repeat(200) },
    ]);
    expect(synthErrors(stack.node.root as App)).toEqual([]);
    const artifacts = pipelineStages(stack).flatMap((s) => s.Actions).flatMap((a: Json) => (a.OutputArtifacts ?? []).map((o: Json) => o.Name));
    const files = artifacts.filter((name: string) => name.startsWith('Files_'));
    expect(files).toHaveLength(2);
    expect(new Set(files).size).toBe(2);
    expect(files.every((name: string) => name.length <= 100 && /^[a-zA-Z0-9_-]+$/.test(name))).toBe(true);
    expect(awsLimitViolations(Template.fromStack(stack).toJSON())).toEqual([]);
  });

  test('a short stage keeps its artifact name', () => {
    const stack = testStack();
    pipeline(stack, ([staging]) => [{ stageName: 'Staging', service: staging }]);
    const artifacts = pipelineStages(stack).flatMap((s) => s.Actions).flatMap((a: Json) => (a.OutputArtifacts ?? []).map((o: Json) => o.Name));
    expect(artifacts).toContain('Files_Staging');
  });
});

describe('notificationEmails', () => {
  test('fails for an address given twice, naming it, instead of aws-cdk-lib\'s duplicate-subscription error', () => {
    const stack = testStack();
    expect(() => pipeline(stack, ([staging]) => [{ stageName: 'Staging', service: staging }],
      { notificationEmails: ['team@example.com', 'ops@example.com', 'team@example.com'] })).not.toThrow();
    expect(synthErrors(stack.node.root as App)).toEqual([
      '[PipelineStack/Release] PipelineStack/Release: invalid notificationEmails: lists \'team@example.com\' twice; each address gets every notification once, '
      + 'remove the duplicate',
    ]);
  });

  test('fails for one address in two spellings of case', () => {
    const stack = testStack();
    pipeline(stack, ([staging]) => [{ stageName: 'Staging', service: staging }], { notificationEmails: ['Team@Example.com', 'team@example.com'] });
    expect(synthErrors(stack.node.root as App)).toEqual([expect.stringContaining(
      'PipelineStack/Release: invalid notificationEmails: lists \'Team@Example.com\' and \'team@example.com\', one address in two spellings')]);
  });
});

describe('the approval request', () => {
  test('stays within CodePipeline\'s 500 characters with a long migration command, keeping the approval comment whole', () => {
    const stack = testStack();
    const comment = 'Check the staging dashboard first, then the error budget.';
    const { services } = pipeline(stack, ([staging, production]) => [
      { stageName: 'Staging', service: staging },
      { stageName: 'Production', service: production, requireApproval: true, approvalComment: comment },
    ]);
    const command = ['bash', '-c', `npm run migrate -- ${'--step '.repeat(45)}`];
    expect(command.join(' ').length).toBeGreaterThanOrEqual(330);
    new MigrationHook(stack, 'Migration', { service: services[1], command });
    expect(synthErrors(stack.node.root as App)).toEqual([]);
    const information = approvalInformation(stack);
    expect(information.length).toBeLessThanOrEqual(500);
    expect(information).toContain('Runs migration: bash -c npm run migrate -- --step');
    expect(information).toContain('...');
    expect(information.endsWith(comment)).toBe(true);
  });

  test('names a short migration command whole', () => {
    const stack = testStack();
    const { services } = pipeline(stack, ([staging, production]) => [
      { stageName: 'Staging', service: staging },
      { stageName: 'Production', service: production, requireApproval: true },
    ]);
    new MigrationHook(stack, 'Migration', { service: services[1], command: ['npm', 'run', 'migrate'] });
    expect(approvalInformation(stack)).toBe('Ship production to Production: commit #{Build.SOURCE_REVISION}, image #{Build.IMAGE_URI}. '
      + 'Runs migration: npm run migrate. Staging deployed it first; the link opens its deployments.');
  });

  test('stays within 500 characters with the longest names, comment and command', () => {
    const stack = testStack();
    const long = 'S'.repeat(99);
    const comment = 'c'.repeat(200);
    const { services } = pipeline(stack, ([staging, production]) => [
      { stageName: `${long}1`, service: staging },
      { stageName: `${long}2`, service: production, requireApproval: true, approvalComment: comment },
    ]);
    new MigrationHook(stack, 'Migration', { service: services[1], command: ['x'.repeat(400)] });
    const information = approvalInformation(stack);
    expect(information.length).toBeLessThanOrEqual(500);
    expect(information.endsWith(comment)).toBe(true);
    expect(information).toContain(`to ${long}2:`);
  });
});

describe('the deploy role', () => {
  test('describes its pipeline in characters IAM accepts, whatever the construct path holds', () => {
    const stack = testStack();
    const scope = new Construct(stack, 'Ā😀'.repeat(400));
    pipeline(scope, ([staging]) => [{ stageName: 'Staging', service: staging }]);
    expect(awsLimitViolations(Template.fromStack(stack).toJSON())).toEqual([]);
    const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
    const description = Object.values(roles).map((r: Json) => r.Properties.Description as string | undefined)
      .find((d) => d?.startsWith('Deploys staging in stage Staging of PipelineStack/'));
    expect(description).toBeDefined();
    expect(description!.length).toBeLessThanOrEqual(1000);
  });
});
