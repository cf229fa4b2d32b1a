/**
 * The stack-update stage's command, run by bash against a stand-in `aws` CLI that answers as
 * CloudFormation does and records every call.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MAX_STATUS_READ_FAILURES, STACK_UPDATE_ENV, renderStackUpdateCommand } from '../../../lib/pipeline/private/stack-update-script';

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders-api@sha256:3f1c0b5e';
const VERSION = '4f1c7d2';
const STACK = 'OrdersApiPreview';
const IMAGE_PARAMETER = 'PreviewPipelineReleaseImage7B22106C';
const VERSION_PARAMETER = 'PreviewPipelineReleaseVersion52D419EB';
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1';

/** What the stand-in CLI answers. */
interface Scenario {
  /** The stack's parameter keys, as DescribeStacks lists them. */
  readonly parameterKeys: string[];
  /** UpdateStack's outcome: success, or the exit code and error text of the CLI. */
  readonly update?: { readonly exitCode: number; readonly stderr: string };
  /** The stack statuses, one per status read; `null` is a read that fails (throttled). */
  readonly statuses: (string | null)[];
  /** What DescribeStackEvents prints. */
  readonly failedEvents?: string;
}

/** One call of the stand-in CLI: its arguments, and for UpdateStack the parameters file it was given. */
interface Call {
  readonly args: string[];
  readonly parameters?: unknown;
}

/** A stand-in `aws`: a node script on PATH, its answers from the scenario, its calls to a file. */
const FAKE_AWS = `#!/usr/bin/env node
const fs = require('fs');
const dir = process.env.FAKE_AWS_DIR;
const scenario = JSON.parse(fs.readFileSync(dir + '/scenario.json', 'utf8'));
const args = process.argv.slice(2);
const call = { args };
const [service, command] = args;
const option = (name) => args[args.indexOf(name) + 1];
if (service !== 'cloudformation') { process.stderr.write('unexpected service ' + service); process.exit(2); }
if (command === 'update-stack') {
  call.parameters = JSON.parse(fs.readFileSync(option('--parameters').replace('file://', ''), 'utf8'));
}
fs.appendFileSync(dir + '/calls.jsonl', JSON.stringify(call) + '\\n');
if (command === 'describe-stacks' && !args.includes('--query')) {
  process.stdout.write(JSON.stringify({ Stacks: [{ StackName: option('--stack-name'), StackStatus: 'UPDATE_COMPLETE',
    Parameters: scenario.parameterKeys.map((key) => ({ ParameterKey: key, ParameterValue: 'previous' })) }] }));
} else if (command === 'describe-stacks') {
  const reads = fs.existsSync(dir + '/reads') ? Number(fs.readFileSync(dir + '/reads', 'utf8')) : 0;
  fs.writeFileSync(dir + '/reads', String(reads + 1));
  const status = scenario.statuses[Math.min(reads, scenario.statuses.length - 1)];
  if (status === null) { process.stderr.write('An error occurred (Throttling) when calling the DescribeStacks operation: Rate exceeded'); process.exit(255); }
  process.stdout.write(status + '\\n');
} else if (command === 'update-stack') {
  if (scenario.update) { process.stderr.write(scenario.update.stderr); process.exit(scenario.update.exitCode); }
  process.stdout.write(JSON.stringify({ StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/' + option('--stack-name') + '/1' }));
} else if (command === 'describe-stack-events') {
  process.stdout.write(scenario.failedEvents || '');
} else { process.stderr.write('unexpected command ' + command); process.exit(2); }
`;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: Call[];
}

/** Runs the stage's command with the stand-in CLI, and the environment CodeBuild gives it. */
function runUpdate(scenario: Scenario, env: Record<string, string | undefined> = {}): Run {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-update-'));
  try {
    fs.writeFileSync(path.join(dir, 'aws'), FAKE_AWS, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'scenario.json'), JSON.stringify(scenario));
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', renderStackUpdateCommand()], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: `${dir}:${process.env.PATH}`,
        FAKE_AWS_DIR: dir,
        POLL_SECONDS: '0',
        CODEBUILD_BUILD_ID: 'OrdersApiRelease_Preview:0b6c1f0e-8d3a-4c7e-9b8f-2d1e0a9c7b6d',
        [STACK_UPDATE_ENV.stackName]: STACK,
        [STACK_UPDATE_ENV.imageParameter]: IMAGE_PARAMETER,
        [STACK_UPDATE_ENV.versionParameter]: VERSION_PARAMETER,
        [STACK_UPDATE_ENV.executionRole]: EXECUTION_ROLE,
        [STACK_UPDATE_ENV.image]: IMAGE,
        [STACK_UPDATE_ENV.version]: VERSION,
        ...env,
      },
    });
    const callsFile = path.join(dir, 'calls.jsonl');
    const calls = fs.existsSync(callsFile)
      ? fs.readFileSync(callsFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Call)
      : [];
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const KEYS = [IMAGE_PARAMETER, VERSION_PARAMETER, 'BootstrapVersion', 'AlertEmail'];
const commandOf = (call: Call) => call.args[1];
const updateOf = (run: Run) => run.calls.find((call) => commandOf(call) === 'update-stack');

describe('the stack-update stage', () => {
  test('updates the deployed template with the release\'s image and version, keeps every other parameter, and succeeds once the update completes', () => {
    const run = runUpdate({ parameterKeys: KEYS, statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE'] });

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const update = updateOf(run)!;
    expect(update.parameters).toEqual([
      { ParameterKey: IMAGE_PARAMETER, ParameterValue: IMAGE },
      { ParameterKey: VERSION_PARAMETER, ParameterValue: VERSION },
      { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
      { ParameterKey: 'AlertEmail', UsePreviousValue: true },
    ]);
    const args = update.args.join(' ');
    expect(args).toContain(`--stack-name ${STACK} --use-previous-template`);
    expect(args).toContain(`--role-arn ${EXECUTION_ROLE}`);
    expect(args).toContain('--capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND');
    // CloudFormation's token: letters, digits and '-', from the build's id.
    expect(args).toContain('--client-request-token release-OrdersApiRelease-Preview-0b6c1f0e-8d3a-4c7e-9b8f-2d1e0a9c7b6d');
    // Reads the status until the update completes, each change printed once.
    expect(run.calls.filter((call) => commandOf(call) === 'describe-stacks' && call.args.includes('--query'))).toHaveLength(4);
    expect(run.stdout.match(/: UPDATE_IN_PROGRESS$/gm)).toHaveLength(1);
    expect(run.stdout).toContain(`Released ${IMAGE} to ${STACK}`);
  });

  test('fails when the deployment rolls the stack back, printing what failed in this update only', () => {
    const reason = 'PreviewService  UPDATE_FAILED  Error occurred during operation \'ECS Deployment Circuit Breaker was triggered\'.';
    const run = runUpdate({
      parameterKeys: KEYS,
      statuses: ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'],
      failedEvents: reason,
    });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`The release failed: stack ${STACK} is UPDATE_ROLLBACK_COMPLETE. What failed:`);
    expect(run.stderr).toContain(reason);
    const events = run.calls.find((call) => commandOf(call) === 'describe-stack-events')!;
    expect(events.args.join(' ')).toContain('ClientRequestToken==\'release-OrdersApiRelease-Preview-0b6c1f0e-8d3a-4c7e-9b8f-2d1e0a9c7b6d\'');
  });

  test.each(['UPDATE_ROLLBACK_FAILED', 'UPDATE_FAILED'])('fails when the stack ends %s', (status) => {
    const run = runUpdate({ parameterKeys: KEYS, statuses: ['UPDATE_IN_PROGRESS', status] });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`is ${status}`);
  });

  test('succeeds without waiting when the stack already runs the release', () => {
    const run = runUpdate({
      parameterKeys: KEYS,
      update: { exitCode: 254, stderr: 'An error occurred (ValidationError) when calling the UpdateStack operation: No updates are to be performed.' },
      statuses: ['UPDATE_COMPLETE'],
    });

    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Stack ${STACK} already runs ${IMAGE}: nothing to release`);
    expect(run.calls.filter((call) => call.args.includes('--query'))).toEqual([]);
  });

  test('fails with CloudFormation\'s reason when it refuses the update, e.g. while a cdk deploy updates the stack', () => {
    const refusal = `An error occurred (ValidationError) when calling the UpdateStack operation: Stack:${STACK} is in UPDATE_IN_PROGRESS state and can not be updated.`;
    const run = runUpdate({ parameterKeys: KEYS, update: { exitCode: 254, stderr: refusal }, statuses: ['UPDATE_IN_PROGRESS'] });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain(refusal);
    expect(run.stderr).toContain('release again once it ends');
    expect(run.calls.filter((call) => call.args.includes('--query'))).toEqual([]);
  });

  test('fails before updating a stack whose deployed template has no release parameters yet, saying to cdk deploy it once', () => {
    const run = runUpdate({ parameterKeys: ['BootstrapVersion'], statuses: ['UPDATE_COMPLETE'] });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`Stack ${STACK} has no parameter ${IMAGE_PARAMETER} or ${VERSION_PARAMETER}: its deployed template predates `
      + 'this release stage. Deploy the stack once with cdk deploy, then release again.');
    expect(updateOf(run)).toBeUndefined();
  });

  test('waits through status reads that fail, and gives up after ten in a row, while the update goes on', () => {
    const throttled = runUpdate({ parameterKeys: KEYS, statuses: [null, null, 'UPDATE_IN_PROGRESS', null, 'UPDATE_COMPLETE'] });
    expect(throttled.status).toBe(0);

    const unreadable = runUpdate({ parameterKeys: KEYS, statuses: [null] });
    expect(unreadable.status).toBe(1);
    expect(unreadable.calls.filter((call) => call.args.includes('--query'))).toHaveLength(MAX_STATUS_READ_FAILURES);
    expect(unreadable.stderr).toContain(`Could not read the status of ${STACK} ${MAX_STATUS_READ_FAILURES} times in a row`);
  });

  test('fails without calling CloudFormation when the build exported no image', () => {
    const run = runUpdate({ parameterKeys: KEYS, statuses: ['UPDATE_COMPLETE'] }, { [STACK_UPDATE_ENV.image]: '' });

    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('the build exported no image');
    expect(run.calls).toEqual([]);
  });
});
