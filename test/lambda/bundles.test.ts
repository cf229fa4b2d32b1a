import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { SMOKE_CHECKS_ENV, SMOKE_TEST_BASE_URL_ENV } from '../../lib/private/contract/smoke-test';
import { CapturedLogs, EVENT, captureLogs, expectSingleReport, fakeContext } from './helpers';

/**
 * The bundles are what Lambda runs: these tests load `assets/handlers/<name>/index.js` as built by
 * `npm ci` (the prepare script), not the TypeScript sources the other handler tests import.
 */
const HANDLERS_DIR = path.join(__dirname, '..', '..', 'assets', 'handlers');
const SOURCES_DIR = path.join(__dirname, '..', '..', 'lambda');
const MAX_BUNDLE_BYTES = 150 * 1024;

const handlerNames = fs.readdirSync(SOURCES_DIR, { withFileTypes: true })
  // lambda/shared is the runtime the handlers bundle, not a handler of its own.
  .filter((entry) => entry.isDirectory() && entry.name !== 'shared' && fs.existsSync(path.join(SOURCES_DIR, entry.name, 'index.ts')))
  .map((entry) => entry.name);

function bundlePath(name: string): string {
  return path.join(HANDLERS_DIR, name, 'index.js');
}

describe('handler bundles', () => {
  test.each(handlerNames)('%s is bundled, small, self-contained and exports a handler', (name) => {
    const file = bundlePath(name);
    expect(fs.existsSync(file) ? file : `missing ${file}: run npm run bundle`).toBe(file);
    const source = fs.readFileSync(file, 'utf8');
    expect(source.length).toBeLessThan(MAX_BUNDLE_BYTES);
    expect(source).not.toMatch(/require\(["']aws-cdk-lib/);
    // Only the AWS SDK (which the Lambda runtime provides) and Node built-ins stay external.
    const externals = [...source.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
    for (const external of externals) {
      expect(external).toMatch(/^(@aws-sdk\/|@smithy\/|node:|[a-z_]+$)/);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(file) as { handler?: unknown };
    expect(typeof module.handler).toBe('function');
  });

  describe('the bundled smoke test, against a real server', () => {
    const codeDeploy = mockClient(CodeDeployClient);
    let server: http.Server;
    let logs: CapturedLogs;

    beforeEach(async () => {
      codeDeploy.reset();
      codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
      server = http.createServer((req, res) => {
        res.writeHead(req.url === '/health' ? 200 : 500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: req.url === '/health' ? 'ok' : 'broken' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      process.env[SMOKE_TEST_BASE_URL_ENV] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      logs = captureLogs();
    });

    afterEach(async () => {
      logs.restore();
      delete process.env[SMOKE_TEST_BASE_URL_ENV];
      delete process.env[SMOKE_CHECKS_ENV];
      await new Promise((resolve) => server.close(resolve));
    });

    function bundledHandler(): (event: unknown, context: unknown) => Promise<unknown> {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require(bundlePath('smoke-test')) as { handler: (event: unknown, context: unknown) => Promise<unknown> }).handler;
    }

    test('reports Succeeded once when the checks pass', async () => {
      process.env[SMOKE_CHECKS_ENV] = JSON.stringify([{ name: 'health', path: '/health', jsonFields: { status: 'ok' } }]);
      await bundledHandler()(EVENT, fakeContext());
      expectSingleReport(codeDeploy, 'Succeeded');
    });

    test('reports Failed once when a check fails', async () => {
      process.env[SMOKE_CHECKS_ENV] = JSON.stringify([{ name: 'orders', path: '/orders' }]);
      await bundledHandler()(EVENT, fakeContext());
      expectSingleReport(codeDeploy, 'Failed');
      expect(logs.raw()).toContain('500');
    });
  });
});
