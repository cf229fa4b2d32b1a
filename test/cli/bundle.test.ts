import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { doraAnswers, doraRecords } from '../../bench/dora-records';
import { FakeAws, NOTHING_TAGGED, ONE_SERVICE, fakeAwsEnvironment, startFakeAws } from '../../bench/fake-aws';
import { FakeRecordTable } from '../../bench/fake-record-table';

/**
 * What `npx cdk-ecs-release` runs: assets/cli/index.mjs (and its chunks) as the package's prepare
 * script bundles it, in a fresh node process, against a fake AWS endpoint on 127.0.0.1.
 */
const BUNDLE_DIR = path.join(__dirname, '..', '..', 'assets', 'cli');
const BUNDLE = path.join(BUNDLE_DIR, 'index.mjs');

function runBundle(args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BUNDLE, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

describe('the bundled CLI', () => {
  let fake: FakeAws | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  test('is an executable node script, with the SDK clients inside', () => {
    expect(fs.existsSync(BUNDLE) ? BUNDLE : `missing ${BUNDLE}: run npm run bundle`).toBe(BUNDLE);
    expect(fs.readFileSync(BUNDLE, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    // Only Node.js's own modules and its own chunks, and the optional CRT signer the SDK tries for SigV4a alone.
    const files = [BUNDLE, ...fs.readdirSync(path.join(BUNDLE_DIR, 'chunks')).map((name) => path.join(BUNDLE_DIR, 'chunks', name))];
    const imported = new Set(files.flatMap((file) => [...fs.readFileSync(file, 'utf8').matchAll(/(?:from\s*|import\(|require\()"([^"]+)"/g)].map((match) => match[1])));
    expect([...imported].filter((name) => !name.startsWith('node:') && !name.startsWith('./'))).toEqual(['@aws-sdk/signature-v4-crt']);
    // --help and bad usage need no client: the entry imports none of them before a command calls it.
    expect(fs.statSync(BUNDLE).size).toBeLessThan(64 * 1024);
    expect(fs.statSync(BUNDLE).mode & 0o111).not.toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).bin).toEqual({ 'cdk-ecs-release': 'assets/cli/index.mjs' });
  });

  test('--help prints the usage; a bad command exits 2 with what to do', async () => {
    const help = await runBundle(['--help']);
    expect(help).toMatchObject({ code: 0, err: '' });
    expect(help.out).toMatch(/^Usage: cdk-ecs-release <command> \[options\]\n/);
    expect(await runBundle(['deploy'])).toEqual({ code: 2, out: '',
      err: "cdk-ecs-release: unknown command 'deploy'; the commands are: status, history, dora, promote, abort, rollback, freeze, unfreeze, override (see cdk-ecs-release help)\n" });
  });

  test('status against an account with nothing tagged: "no services found", exit code 1, no SDK warning', async () => {
    fake = await startFakeAws(NOTHING_TAGGED);
    const result = await runBundle(['status'], fakeAwsEnvironment(fake));
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toMatch(/^cdk-ecs-release: no services found: no ECS service in this account and region has the tag cdk-ecs-release:service;[^\n]*\n$/);
    expect(fake.calls).toEqual(['ResourceGroupsTaggingAPI_20170126.GetResources', 'ResourceGroupsTaggingAPI_20170126.GetResources']);
  });

  test('status against an account with one service prints its tables', async () => {
    fake = await startFakeAws(ONE_SERVICE);
    const result = await runBundle(['status'], fakeAwsEnvironment(fake));
    expect(result).toEqual({ code: 0, err: '', out: [
      'PIPELINE        STAGE       STATUS     EXECUTION  RELEASE                                NOW  INBOUND',
      'orders-release  Production  Succeeded  a1b2c3d4   9f3c2e1 Round the checkout total once  -    -',
      '',
      'SERVICE            STAGE                      ENGINE  TASK DEFINITION  TASKS  DEPLOYMENT  STEP  ALARMS',
      'orders/orders-api  orders-release/Production  ECS     orders-api:7     2/2    none        -     none',
      '',
    ].join('\n') });
  });

  test('dora reads every page of the record table through DynamoDB\'s own protocol', async () => {
    // The bundle's clock is the real one: records of the 29 days to now all lie in its 30 days.
    const table = new FakeRecordTable(doraRecords(400, new Date()), 40);
    fake = await startFakeAws(doraAnswers(table));
    const result = await runBundle(['dora', '--service', 'orders-api', '--stage', 'Production', '--json'], fakeAwsEnvironment(fake));
    expect(result).toMatchObject({ code: 0, err: '' });
    const [keys] = JSON.parse(result.out).keys;
    // 100 releases of orders-api in Production over 29 days; every 10th failed, every 25th rolled back.
    expect(keys.deploymentFrequency.releases).toBe(100);
    expect(keys.changeFailureRate).toMatchObject({ failures: 12, percent: 12 });
    expect(keys.leadTime).toMatchObject({ medianSeconds: 49 * 60, p90Seconds: 49 * 60, withoutCommitTime: 2 });
    expect(keys.timeToRestore).toMatchObject({ medianSeconds: 1200, maxSeconds: 1200 });
    // 100 deployments at 40 a page: 3 pages; its restores in one; and the service item.
    expect(fake.calls.filter((call) => call === 'DynamoDB_20120810.Query')).toHaveLength(4);
    expect(fake.calls.filter((call) => call === 'DynamoDB_20120810.GetItem')).toHaveLength(1);
  });

  test('without credentials it says how to give them', async () => {
    fake = await startFakeAws(NOTHING_TAGGED);
    const env = fakeAwsEnvironment(fake);
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    const result = await runBundle(['status', '--json'], env);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toMatch(/^cdk-ecs-release: no AWS credentials: set AWS_PROFILE/);
    expect(fake.calls).toEqual([]);
  });

  test('an endpoint nobody answers on is a network problem, said as one', async () => {
    fake = await startFakeAws(NOTHING_TAGGED);
    const env = { ...fakeAwsEnvironment(fake), AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' };
    const result = await runBundle(['history'], env);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toMatch(/^cdk-ecs-release: could not reach AWS calling tag:GetResources \(ECONNREFUSED: .*\); check the network, --region and AWS_ENDPOINT_URL\n$/);
  });
});
