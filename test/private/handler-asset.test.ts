import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { handlerAssetPath, packageRoot } from '../../lib/private/handler-asset';

const repoRoot = path.resolve(__dirname, '..', '..');

describe('handler assets', () => {
  test('finds the package root from the sources and from a compiled dist folder', () => {
    expect(packageRoot(path.join(repoRoot, 'lib', 'private'))).toBe(repoRoot);
    expect(packageRoot(path.join(repoRoot, 'dist', 'lib', 'private'))).toBe(repoRoot);
  });

  test('finds the package installed under node_modules, not the project that installs it', () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
    const installed = path.join(project, 'node_modules', 'cdk-ecs-release');
    fs.mkdirSync(path.join(installed, 'dist', 'lib', 'private'), { recursive: true });
    fs.mkdirSync(path.join(installed, 'assets', 'handlers', 'smoke-test'), { recursive: true });
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-infra' }));
    fs.writeFileSync(path.join(installed, 'package.json'), JSON.stringify({ name: 'cdk-ecs-release' }));
    fs.writeFileSync(path.join(installed, 'assets', 'handlers', 'smoke-test', 'index.js'), 'exports.handler = async () => {};');

    const from = path.join(installed, 'dist', 'lib', 'private');
    expect(packageRoot(from)).toBe(installed);
    expect(handlerAssetPath('smoke-test', from)).toBe(path.join(installed, 'assets', 'handlers', 'smoke-test'));
  });

  test('every hook handler is bundled', () => {
    for (const name of ['smoke-test', 'migration', 'preflight', 'metric-gate']) {
      expect(fs.existsSync(path.join(handlerAssetPath(name), 'index.js'))).toBe(true);
    }
  });

  test('fails when a bundle is missing, saying how to build it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pkg-'));
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'cdk-ecs-release' }));
    fs.mkdirSync(path.join(root, 'lib', 'private'), { recursive: true });
    expect(() => handlerAssetPath('smoke-test', path.join(root, 'lib', 'private')))
      .toThrow(/the bundled 'smoke-test' hook handler is missing .*run `npm run bundle`/);
  });

  test('fails when no package root is found', () => {
    const lost = fs.mkdtempSync(path.join(os.tmpdir(), 'lost-'));
    expect(() => packageRoot(lost)).toThrow(/cannot find the cdk-ecs-release package root/);
  });
});
