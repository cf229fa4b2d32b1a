// Runs the bundled migration hook in a plain Node.js process, as Lambda does (the bundle's
// dynamic imports of SDK clients need it), with the AWS calls stubbed; prints what happened.
// Usage: node migration-handover.js <bundle> <denied|alias>
const { CodeDeployClient, GetDeploymentTargetCommand, ListDeploymentTargetsCommand, PutLifecycleEventHookExecutionStatusCommand } = require('@aws-sdk/client-codedeploy');
const { DescribeTaskSetsCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RunTaskCommand, StopTaskCommand } = require('@aws-sdk/client-ecs');
const { InvokeCommand, LambdaClient } = require('@aws-sdk/client-lambda');
const { mockClient } = require('aws-sdk-client-mock');

const [bundle, scenario] = process.argv.slice(2);
const taskArn = 'arn:aws:ecs:eu-west-1:111111111111:task/prod/abc';
const events = [];
process.env.AWS_REGION = 'eu-west-1';
process.env.CDK_ECS_RELEASE_MIGRATION_CONFIG = JSON.stringify({
  clusterArn: 'prod', serviceName: 'web', containerName: 'web', subnets: ['subnet-1'], securityGroups: [], pollIntervalSeconds: 30,
});
const codeDeploy = mockClient(CodeDeployClient);
codeDeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['prod:web'] });
codeDeploy.on(GetDeploymentTargetCommand).resolves({ deploymentTarget: { ecsTarget: {
  taskSetsInfo: [{ identifer: 'ecs-svc/green', taskSetLabel: 'Green' }],
  lifecycleEvents: [{ lifecycleEventName: 'AfterInstall', status: 'InProgress' }],
} } });
codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake((input) => {
  events.push(`report ${input.status}`);
  return {};
});
const ecs = mockClient(ECSClient);
ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [{ taskDefinition: 'web:42' }] });
ecs.on(ListTasksCommand).resolves({ taskArns: [] });
ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn, lastStatus: 'PROVISIONING' }] });
ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn, lastStatus: 'RUNNING', containers: [{ name: 'web' }] }] });
ecs.on(StopTaskCommand).callsFake((input) => {
  events.push(`stop ${input.task}`);
  return {};
});
const lambda = mockClient(LambdaClient);
const invoked = [];
lambda.on(InvokeCommand).callsFake((input) => {
  invoked.push(input.FunctionName);
  if (scenario === 'denied') {
    throw Object.assign(new Error('not authorized to perform lambda:InvokeFunction'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
  }
  return { StatusCode: 202 };
});

const deadline = Date.now() + 3000;
const context = {
  functionName: 'migration-fn',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:migration-fn:live',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
// The hook's log lines go to stdout too; the result is the last line.
require(bundle).handler({ DeploymentId: 'd-ABCDEF123', LifecycleEventHookExecutionId: 'exec-42' }, context)
  .then((result) => process.stdout.write(`\n${JSON.stringify({ result, events, invoked })}\n`));
