/**
 * The release notifier's reads of a stage's stopped tasks: list and describe, on that service's
 * cluster only, with the two wildcards acknowledged on their own policy.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { grantReadStoppedTasks } from '../../lib/private/deployment-target-grants';
import { evaluate } from '../pipeline/cfn-eval';
import { mockService, testApp, testStack } from '../pipeline/util';

test('lists and describes tasks on the service\'s cluster only, and acknowledges exactly those wildcards', () => {
  const app = testApp();
  const stack = testStack(app);
  const service = mockService(stack, 'Production');
  const role = new iam.Role(stack, 'NotifierRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  grantReadStoppedTasks(stack, role, service.cluster);
  // A wildcard added to the role later is still reported.
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:ListServices'], resources: ['*'] }));

  const template = Template.fromStack(stack);
  const policy = Object.values(template.findResources('AWS::IAM::Policy'))
    .find((p) => p.Properties.PolicyName.startsWith('StoppedTaskReads'))!;
  expect(policy.Properties.Roles).toEqual([{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }]);
  const statements = policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>;
  const cluster = stack.resolve(service.cluster.clusterArn);
  expect(cluster).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ProductionCluster/), 'Arn'] });
  expect(statements.map((s) => ({ ...s, Resource: evaluate(s.Resource) }))).toEqual([
    // ListTasks authorizes on container instances only: `*`, held to the cluster by condition.
    { Action: 'ecs:ListTasks', Effect: 'Allow', Resource: '*', Condition: { ArnEquals: { 'ecs:cluster': cluster } } },
    {
      Action: 'ecs:DescribeTasks',
      Effect: 'Allow',
      Resource: expect.stringMatching(/:ecs:REF\(AWS::Region\):REF\(AWS::AccountId\):task\/REF\(ProductionCluster[0-9A-F]+\)\/\*$/),
      Condition: { ArnEquals: { 'ecs:cluster': cluster } },
    },
  ]);

  const findings = new AwsSolutionsChecks(app).validateScope(app).violations
    .flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName}: ${resource.constructPath}`))
    .filter((finding) => finding.includes('IAM5'));
  expect(findings).toEqual([expect.stringMatching(/AwsSolutions-IAM5.*: PipelineStack\/NotifierRole\/DefaultPolicy\/Resource$/)]);
});
