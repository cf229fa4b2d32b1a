import * as fs from 'fs';
import * as path from 'path';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { renderTable } from '../../cli/table';
import { mocks, resetMocks, run } from './helpers';

beforeEach(resetMocks);

describe('the command line', () => {
  test('help lists every command; help <command> and <command> --help show its usage', async () => {
    const help = await run('help');
    expect(help.code).toBe(0);
    for (const command of ['status', 'history', 'dora', 'promote', 'abort', 'rollback', 'freeze', 'unfreeze', 'override']) {
      expect(help.out).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    }
    expect((await run()).out).toBe(help.out);
    const promote = await run('help', 'promote');
    expect(promote.out).toMatch(/^cdk-ecs-release promote --service S \[--stage X\]\n/);
    expect((await run('promote', '--help')).out).toBe(promote.out);
    expect(mocks.tagging.send.called).toBe(false);
  });

  test('--version prints the package version', async () => {
    const { code, out } = await run('--version');
    expect(code).toBe(0);
    expect(out).toBe(JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version);
  });

  test.each([
    [['deploy'], "unknown command 'deploy'; the commands are: status, history, dora, promote, abort, rollback, freeze, unfreeze, override (see cdk-ecs-release help)"],
    [['status', '--servce', 'x'], "Unknown option '--servce'; see cdk-ecs-release help"],
    [['status', '--service'], "Option '--service <value>' argument missing; see cdk-ecs-release help"],
    [['status', 'extra'], "unexpected argument 'extra' after status; see cdk-ecs-release help status"],
    [['status', '--reason', 'x'], 'status does not take --reason; see cdk-ecs-release help status'],
    [['help', 'deploy'], "unknown command 'deploy'; the commands are: status, history, dora, promote, abort, rollback, freeze, unfreeze, override"],
  ])('%j is bad usage: exit code 2 and what to do', async (argv, message) => {
    expect(await run(...argv)).toEqual({ code: 2, out: '', err: `cdk-ecs-release: ${message}` });
    expect(mocks.tagging.send.called).toBe(false);
  });

  test('an error thrown inside a call is reported as that call\'s failure', async () => {
    mocks.tagging.on(GetResourcesCommand).callsFake(() => {
      throw new TypeError('boom');
    });
    expect((await run('status')).err).toBe('cdk-ecs-release: tag:GetResources on resources tagged cdk-ecs-release:service failed: TypeError: boom');
  });
});

describe('tables', () => {
  test('align each column to its widest cell, headers in capitals, no trailing spaces', () => {
    expect(renderTable({ columns: ['service', 'tasks', 'alarms'], rows: [['orders-api', '2/2', ''], ['web', '10/10', '3 OK']] })).toBe([
      'SERVICE     TASKS  ALARMS',
      'orders-api  2/2',
      'web         10/10  3 OK',
    ].join('\n'));
  });
});

describe('where the calls go', () => {
  const profile = process.env.AWS_PROFILE;
  afterEach(() => {
    if (profile === undefined) {
      delete process.env.AWS_PROFILE;
    } else {
      process.env.AWS_PROFILE = profile;
    }
  });

  test('--region goes to every client, --profile to the default credential chain', async () => {
    mocks.tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    await run('status', '--region', 'ap-southeast-2', '--profile', 'release-managers');
    expect(process.env.AWS_PROFILE).toBe('release-managers');
    const client = mocks.tagging.send.firstCall.thisValue as { config: { region: () => Promise<string> } };
    expect(await client.config.region()).toBe('ap-southeast-2');
  });
});

