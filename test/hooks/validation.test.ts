import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CustomHook } from '../../lib';
import { serviceWithEveryHook } from './util';

// The context a user gets from cdk.json, including the strict validation flag.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../../cdk.json') as { context: Record<string, unknown> };

// The synthesis of these hooks under the built-in CloudFormation validation runs in
// test/example-app.test.ts, which holds the syntheses under it: its validator takes seconds to
// start in each file.
describe('hooks under policy validation', () => {
  test('cdk-nag AwsSolutions reports nothing in the hooks or the deployment group, whose every wildcard is acknowledged with a reason', () => {
    const app = new App({ context: { ...cdkJson.context }, builtinCloudFormationValidation: false });
    const { stack, service, hooks } = serviceWithEveryHook(app);
    // The hook functions shared by the stack's services, named here by their kind: a shape other
    // than the kind's defaults (the traced migration) ends in a suffix derived from the shape.
    const shared = stack.node.children.filter((c) => /^CdkEcsRelease(Preflight|Migration|SmokeTest|MetricGate)Hook/.test(c.node.id));
    const names = new Map<string, string>();
    for (const c of shared) {
      const kind = c.node.id.match(/^CdkEcsRelease(\w+?)Hook/)![1];
      names.set(stack.getLogicalId(c.node.findChild('Resource').node.defaultChild as never), `${kind}Function`);
      names.set(c.node.id, `${kind}Hook`);
    }
    const named = (text: string) => [...names].reduce((result, [from, to]) => result.split(from).join(to), text);
    const ours = [...hooks.filter((hook) => !(hook instanceof CustomHook)), ...shared, service.deploymentGroup!].map((c) => `${c.node.path}/`);

    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.flatMap((violation) => violation.violatingResources
      .filter((resource) => ours.some((prefix) => resource.constructPath?.startsWith(prefix)))
      .map((resource) => `${violation.ruleName}: ${resource.constructPath}`));
    expect(findings).toEqual([]);

    // Each acknowledgement of a `*` sits on the policy holding the statement, never on a role or a
    // hook, so a wildcard a user adds to a hook's role is still reported (test/security). A finding
    // within one service's resources is acknowledged on the shared role, whose overflow policies
    // may hold it, by its exact resource; the service's task sets are in the WildcardPolicy and
    // acknowledged there. Logical ids lose their hash suffix here.
    const acknowledged = [...hooks, ...shared].flatMap((hook) => hook.node.findAll()).flatMap((c) => c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => [named(`${c.node.path.replace(/^Release\//, '')} ${id.replace(/^annotation::/i, '')}`).replace(/([A-Za-z])[0-9A-F]{8}\b/g, '$1'), reason]));
    const taskSets = 'AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-west-1:<AWS::AccountId>:task-set/<Cluster>/<OrdersService.Name>/*]';
    expect(acknowledged.map(([id]) => id).sort()).toEqual([
      'MetricGateHook/SelfInvokePolicy AwsSolutions-IAM5[Resource::<MetricGateFunction.Arn>:*]', // self-invoke, any qualifier
      'MetricGateHook/ServiceRole/WildcardPolicy AwsSolutions-IAM5[Resource::*]', // cloudwatch:GetMetricData
      'MetricGateHook/ServiceRole/WildcardPolicy AwsSolutions-IAM5[Resource::*]', // codedeploy deployment-target reads
      'MigrationHook/SelfInvokePolicy AwsSolutions-IAM5[Resource::<MigrationFunction.Arn>:*]',
      'MigrationHook/ServiceRole/WildcardPolicy AwsSolutions-IAM5[Resource::*]', // X-Ray, traced
      'MigrationHook/ServiceRole/WildcardPolicy AwsSolutions-IAM5[Resource::*]', // ecs:ListTasks
      'MigrationHook/ServiceRole/WildcardPolicy AwsSolutions-IAM5[Resource::*]', // codedeploy deployment-target reads
      'MigrationHook/ServiceRole AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-west-1:<AWS::AccountId>:task-definition/ReleaseOrdersTaskDefinition:*]',
      `MigrationHook/ServiceRole/WildcardPolicy ${taskSets}`, // the service's task sets, beside the deployment-target reads
      'MigrationHook/ServiceRole AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-west-1:<AWS::AccountId>:task/<Cluster>/*]',
      'PreflightHook/ServiceRole/WildcardPolicy AwsSolutions-IAM5[Resource::*]', // cloudwatch:DescribeAlarms
      'SmokeTestHook/ServiceRole/WildcardPolicy AwsSolutions-IAM5[Resource::*]', // the function's network interfaces in the VPC
      'SmokeTestHook/ServiceRole/WildcardPolicy AwsSolutions-IAM5[Resource::*]', // ec2:DescribeNetworkInterfaces, the load balancer's addresses
      'SmokeTestHook/ServiceRole/WildcardPolicy AwsSolutions-IAM5[Resource::*]', // codedeploy deployment-target reads
      'SmokeTestHook/ServiceRole/WildcardPolicy AwsSolutions-IAM5[Resource::*]', // ecs:DescribeTaskDefinition, for the deployed version
      'SmokeTestHook/ServiceRole/WildcardPolicy AwsSolutions-IAM5[Resource::arn:aws:ec2:eu-west-1:<AWS::AccountId>:network-interface/*]',
      `SmokeTestHook/ServiceRole/WildcardPolicy ${taskSets}`,
    ].sort());
    for (const [, reason] of acknowledged) {
      expect(reason.length).toBeGreaterThan(60);
    }
  });
});
