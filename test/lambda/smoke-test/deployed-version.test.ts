/**
 * Checks that follow each release: the expected version is read at run time from the task
 * definition the deployment installs (RELEASE_VERSION, as ReleasePipeline writes it), and the
 * application on the test listener must report it.
 */
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import {
  ContainerDefinition, DescribeServiceRevisionsCommand, DescribeTaskDefinitionCommand, DescribeTaskSetsCommand, ECSClient,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  SMOKE_CHECKS_ENV,
  SMOKE_DEPLOYED_SERVICE_ENV,
  SMOKE_EXPECTED_VERSION_VARIABLE_ENV,
  SMOKE_TEST_BASE_URL_ENV,
  SmokeCheckSpec,
} from '../../../contract/smoke-test';
import { ecsHandler, handler } from '../../../lambda/smoke-test';
import { CapturedLogs, EVENT, awsError, captureLogs, expectSingleReport, fakeContext, stubDeploymentTarget } from '../helpers';
import { TestServer, json, startServer } from './server';

const codeDeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const ENV_NAMES = [SMOKE_TEST_BASE_URL_ENV, SMOKE_CHECKS_ENV, SMOKE_EXPECTED_VERSION_VARIABLE_ENV, SMOKE_DEPLOYED_SERVICE_ENV];
const GREEN_TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:42';
const RELEASE = '4f1c7d2';

let logs: CapturedLogs;
let server: TestServer | undefined;

beforeEach(() => {
  codeDeploy.reset();
  ecs.reset();
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  stubDeploymentTarget(codeDeploy, {
    taskSetsInfo: [
      { identifer: 'ecs-svc/1111111111111111111', taskSetLabel: 'Blue' },
      { identifer: 'ecs-svc/2222222222222222222', taskSetLabel: 'Green' },
    ],
  });
  ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [{ id: 'ecs-svc/2222222222222222222', taskDefinition: GREEN_TASK_DEFINITION }] });
  logs = captureLogs();
});

afterEach(async () => {
  logs.restore();
  await server?.close();
  server = undefined;
  for (const name of ENV_NAMES) {
    delete process.env[name];
  }
});

/** The green task definition, whose application container `web` has `environment`; a sidecar sets its own RELEASE_VERSION. */
function greenTaskDefinition(environment: { name: string; value: string }[]) {
  const containers: ContainerDefinition[] = [
    { name: 'web', environment: [{ name: 'LOG_LEVEL', value: 'info' }, ...environment] },
    { name: 'xray', environment: [{ name: 'RELEASE_VERSION', value: 'sidecar-3.3' }] },
  ];
  return { taskDefinition: { taskDefinitionArn: GREEN_TASK_DEFINITION, family: 'orders-api', revision: 42, containerDefinitions: containers } };
}

/** The application: reports `version` on /version (JSON) and in the x-app-version header of /health. */
async function startApp(version: string): Promise<TestServer> {
  return startServer((request, res) => {
    if (request.url === '/version') {
      json(res, 200, { version, commit: version });
    } else {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-app-version': version });
      res.end('ok');
    }
  });
}

function configure(baseUrl: string, checks: SmokeCheckSpec[], extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    [SMOKE_TEST_BASE_URL_ENV]: baseUrl,
    [SMOKE_CHECKS_ENV]: JSON.stringify(checks),
    [SMOKE_DEPLOYED_SERVICE_ENV]: JSON.stringify({ cluster: 'prod', service: 'orders-api', container: 'web' }),
    ...extra,
  });
}

const VERSION_CHECK: SmokeCheckSpec = { name: 'version', path: '/version', versionJsonField: 'version', expectedVersionVariable: 'RELEASE_VERSION' };

describe('the expected version from the green task definition', () => {
  test('matches what the application reports: Succeeded, the task definition read once for every check', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves(greenTaskDefinition([{ name: 'RELEASE_VERSION', value: RELEASE }]));
    server = await startApp(RELEASE);
    // The second check takes the hook's default variable.
    configure(server.url, [VERSION_CHECK, { name: 'health', path: '/health', versionHeader: 'x-app-version' }],
      { [SMOKE_EXPECTED_VERSION_VARIABLE_ENV]: 'RELEASE_VERSION' });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary).toMatchObject({ verdict: 'Succeeded', report: 'reported' });
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(ecs.commandCalls(DescribeTaskSetsCommand).map((call) => call.args[0].input))
      .toEqual([{ cluster: 'prod', service: 'orders-api', taskSets: ['ecs-svc/2222222222222222222'] }]);
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand).map((call) => call.args[0].input)).toEqual([{ taskDefinition: GREEN_TASK_DEFINITION }]);
    expect(logs.lines.filter((line) => line.message === 'read the expected version')).toEqual([expect.objectContaining({
      level: 'info',
      expectation: 'RELEASE_VERSION in container web of the task definition the deployment installs',
      observed: `"${RELEASE}" in task definition orders-api:42`,
      verdict: 'pass',
    })]);
    expect(logs.lines.find((line) => line.message === 'smoke check attempt' && line.check === 'version')).toMatchObject({
      expectation: `GET /version → status 200; version "${RELEASE}" (field version; RELEASE_VERSION of task definition orders-api:42); complete within 5000 ms`,
      verdict: 'pass',
    });
  });

  test('differs from what the application reports: Failed, naming both versions', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves(greenTaskDefinition([{ name: 'RELEASE_VERSION', value: RELEASE }]));
    server = await startApp('e9a0b3c');
    configure(server.url, [VERSION_CHECK]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toBe(`smoke check "version" failed: version "e9a0b3c", expected "${RELEASE}" `
      + '(RELEASE_VERSION of task definition orders-api:42) (GET /version); 0 passed');
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('is missing from the application container: Failed, saying how to set it, without sending the request', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves(greenTaskDefinition([]));
    server = await startApp(RELEASE);
    configure(server.url, [VERSION_CHECK]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toBe('smoke check "version" failed: task definition orders-api:42 (the one this deployment installs) has no environment '
      + 'variable RELEASE_VERSION in container web, so the version to expect is unknown. Release through ReleasePipeline, which sets RELEASE_VERSION '
      + '(its releaseVersionVariable) to each release\'s image tag, or add RELEASE_VERSION to the container\'s environment, '
      + 'or expect a fixed version with ExpectedVersion.of(...) (GET /version); 0 passed');
    expectSingleReport(codeDeploy, 'Failed');
    expect(server.requests).toEqual([]);
    expect(logs.lines.find((line) => line.message === 'read the expected version')).toMatchObject({
      level: 'error', observed: 'no RELEASE_VERSION in task definition orders-api:42', verdict: 'fail',
    });
  });

  test('comes from a secret: Failed, saying to make it a plain variable', async () => {
    const taskDefinition = greenTaskDefinition([]);
    taskDefinition.taskDefinition.containerDefinitions[0].secrets = [{ name: 'RELEASE_VERSION', valueFrom: 'arn:aws:ssm:eu-west-1:111122223333:parameter/v' }];
    ecs.on(DescribeTaskDefinitionCommand).resolves(taskDefinition);
    server = await startApp(RELEASE);
    configure(server.url, [VERSION_CHECK]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/in container web: it comes from a secret there, which the task definition does not show; make it a plain variable/);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('DescribeTaskDefinition throttled, then answering: retried, Succeeded', async () => {
    ecs.on(DescribeTaskDefinitionCommand)
      .rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded'))
      .resolves(greenTaskDefinition([{ name: 'RELEASE_VERSION', value: RELEASE }]));
    server = await startApp(RELEASE);
    configure(server.url, [VERSION_CHECK]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary).toMatchObject({ verdict: 'Succeeded' });
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(2);
    expect(logs.lines.filter((line) => line.message === 'retrying AWS call').map((line) => line.call)).toEqual(['ecs:DescribeTaskDefinition']);
  });

  test('cannot be read (access denied): Failed with the error', async () => {
    ecs.on(DescribeTaskSetsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform: ecs:DescribeTaskSets'));
    server = await startApp(RELEASE);
    configure(server.url, [VERSION_CHECK]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/^smoke check "version" failed: could not read the expected version from the deployed task definition: .*ecs:DescribeTaskSets/);
    expectSingleReport(codeDeploy, 'Failed');
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
  });

  test('under Amazon ECS blue/green, comes from the target service revision\'s task definition', async () => {
    const revision = 'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/orders-api/9876543210';
    ecs.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [{ serviceRevisionArn: revision, taskDefinition: GREEN_TASK_DEFINITION }] });
    ecs.on(DescribeTaskDefinitionCommand).resolves(greenTaskDefinition([{ name: 'RELEASE_VERSION', value: RELEASE }]));
    server = await startApp(RELEASE);
    configure(server.url, [VERSION_CHECK]);

    const result = await ecsHandler({
      executionId: 'x-1', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', executionDetails: { targetServiceRevisionArn: revision },
    }, fakeContext());

    expect(result).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(ecs.commandCalls(DescribeTaskSetsCommand)).toHaveLength(0);
    expect(codeDeploy.calls()).toHaveLength(0);
  });
});
