/**
 * The package as a user gets it: packed by `npm pack` (its lifecycle scripts included), installed
 * into a copy of examples/quick-start/ and synthesized there with `cdk synth`. One pack, one
 * install, one synth, in beforeAll; the tests read what they left.
 *
 * No network: the package has no dependencies of its own, so installing its tarball reads nothing
 * from a registry; the quick start's other packages (aws-cdk-lib, constructs, the CDK CLI, ts-node,
 * typescript, swc) are linked from this repository's node_modules, at the versions the quick
 * start's package.json names (checked below).
 */
import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';

const ROOT = path.resolve(__dirname, '..', '..');
const QUICK_START = path.join(ROOT, 'examples', 'quick-start');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

/** What the tarball may hold: the compiled library, the bundles, and these files at its root. */
const SHIPPED_FOLDERS = ['dist/lib/', 'dist/contract/', 'assets/handlers/', 'assets/artifact-writer/', 'assets/migration-dry-run/', 'assets/cli/'];
const SHIPPED_ROOT_FILES = ['package.json', 'README.md', 'LICENSE', 'NOTICE', 'CHANGELOG.md', '.jsii'];

/** The packages the quick start needs besides this one, linked from this repository. */
const LINKED = ['aws-cdk-lib', 'constructs', 'aws-cdk', 'ts-node', 'typescript', '@swc/core', '@types/node'];
const LINKED_BINS: Record<string, string> = { cdk: 'aws-cdk/bin/cdk', 'ts-node': 'ts-node/dist/bin.js', tsc: 'typescript/bin/tsc' };

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

interface Packed {
  readonly tarball: string;
  readonly files: string[];
  readonly manifest: { scripts?: Record<string, string>; files?: string[] };
  readonly pack: Run;
  readonly manifestRestored: boolean;
  readonly asideLeft: boolean;
  readonly extracted: string;
}

let work: string;
let packed: Packed;
let install: Run;
let typecheck: Run;
let synth: Run;
let cli: Run;
let app: string;

/** The environment of the commands: none of the npm or CDK settings of the jest run around them. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|CDK_)/i.test(key)) {
      env[key] = value;
    }
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', CDK_DISABLE_CLI_TELEMETRY: 'true' };
}

function run(command: string, args: string[], cwd: string): Run {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, env: childEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw result.error;
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, seconds: (Date.now() - started) / 1000 };
}

/** As `run`, without waiting: the type check and the synthesis run side by side. */
function runInBackground(command: string, args: string[], cwd: string): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv() });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({
      status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), seconds: (Date.now() - started) / 1000,
    }));
  });
}

function expectSuccess(what: string, result: Run): void {
  if (result.status !== 0) {
    throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

/**
 * This checkout's files as git sees them (tracked and new, not ignored) in a folder of their own,
 * with this repository's node_modules: `npm pack` rebuilds dist/ and assets/ there, not under the
 * tests that read this checkout's bundles while this one runs.
 */
function copyCheckout(to: string): void {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) {
    throw new Error(`git ls-files failed: ${listed.stderr}`);
  }
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const from = path.join(ROOT, file);
    if (fs.existsSync(from) && fs.statSync(from).isFile()) {
      fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
      fs.copyFileSync(from, path.join(to, file));
    }
  }
  fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(to, 'node_modules'), 'dir');
}

function packCheckout(): Packed {
  const checkout = path.join(work, 'checkout');
  copyCheckout(checkout);
  const manifestBefore = fs.readFileSync(path.join(checkout, 'package.json'), 'utf8');
  const pack = run('npm', ['pack', '--json', '--pack-destination', work], checkout);
  expectSuccess('npm pack', pack);
  // The report is the JSON array npm prints last (a script's output on stdout would come before it).
  const [report] = JSON.parse(pack.stdout.slice(Math.max(0, pack.stdout.search(/^\[/m)))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = path.join(work, report.filename);
  const extracted = path.join(work, 'extracted');
  fs.mkdirSync(extracted);
  expectSuccess('tar', run('tar', ['-xzf', tarball, '-C', extracted], work));
  return {
    tarball,
    files: report.files.map((file) => file.path),
    manifest: JSON.parse(fs.readFileSync(path.join(extracted, 'package', 'package.json'), 'utf8')),
    pack,
    manifestRestored: fs.readFileSync(path.join(checkout, 'package.json'), 'utf8') === manifestBefore,
    asideLeft: fs.existsSync(path.join(checkout, '.package.json.before-pack')),
    extracted: path.join(extracted, 'package'),
  };
}

/** The quick start's files, its package.json naming the packed tarball as its only dependency. */
function createInfraRepo(tarball: string): string {
  const dir = path.join(work, 'orders-infra');
  fs.cpSync(QUICK_START, dir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  manifest.dependencies = { [PACKAGE.name]: `file:${tarball}` };
  delete manifest.devDependencies;
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

/** Links the quick start's other packages, and their commands, from this repository's node_modules. */
function linkFromRepository(dir: string): void {
  const modules = path.join(dir, 'node_modules');
  for (const name of LINKED) {
    fs.mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
    fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules', name)), path.join(modules, name), 'dir');
  }
  fs.mkdirSync(path.join(modules, '.bin'), { recursive: true });
  for (const [bin, target] of Object.entries(LINKED_BINS)) {
    fs.symlinkSync(path.join('..', target), path.join(modules, '.bin', bin));
  }
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ecs-release-packaging-'));
  packed = packCheckout();
  app = createInfraRepo(packed.tarball);
  // --legacy-peer-deps: npm would otherwise resolve the peers (aws-cdk-lib, constructs) at the
  // registry; they are linked from this repository below.
  install = run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--legacy-peer-deps'], app);
  expectSuccess('npm install', install);
  linkFromRepository(app);
  [typecheck, synth, cli] = await Promise.all([
    runInBackground('npx', ['--offline', 'tsc', '--noEmit', '-p', '.'], app),
    runInBackground('npx', ['--offline', 'cdk', 'synth', '--quiet', '--no-notices'], app),
    runInBackground('npx', ['--offline', PACKAGE.name, '--version'], app),
  ]);
  console.log(`packaging: npm pack ${packed.pack.seconds.toFixed(1)} s (build included), npm install ${install.seconds.toFixed(1)} s, `
    + `tsc ${typecheck.seconds.toFixed(1)} s, cdk synth ${synth.seconds.toFixed(1)} s; tarball ${(fs.statSync(packed.tarball).size / 1024).toFixed(0)} KB, `
    + `${packed.files.length} files`);
}, 300_000);

afterAll(() => {
  if (work) {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

describe('the tarball', () => {
  test('holds only the compiled library, the bundles and the root files', () => {
    const unexpected = packed.files.filter((file) => !SHIPPED_ROOT_FILES.includes(file) && !SHIPPED_FOLDERS.some((folder) => file.startsWith(folder)));
    expect(unexpected).toEqual([]);
    expect(packed.files.filter((file) => /\.ts$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);
    expect(packed.files).toEqual(expect.arrayContaining(['LICENSE', 'NOTICE', 'CHANGELOG.md', 'README.md', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'assets/cli/index.mjs']));
  });

  test('has each handler bundled once, and no two bundles alike', () => {
    const handlers = fs.readdirSync(path.join(ROOT, 'lambda'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !['shared', 'artifact-writer', 'migration-dry-run'].includes(entry.name))
      .map((entry) => entry.name).sort();
    expect(packed.files.filter((file) => file.startsWith('assets/handlers/')).sort()).toEqual(handlers.map((name) => `assets/handlers/${name}/index.js`));
    const byContent = new Map<string, string[]>();
    // Files of 1 KB and more: the compiled modules that only declare types are all alike, and tiny.
    for (const file of packed.files.filter((name) => fs.statSync(path.join(packed.extracted, name)).size >= 1024)) {
      const hash = createHash('sha256').update(fs.readFileSync(path.join(packed.extracted, file))).digest('hex');
      byContent.set(hash, [...(byContent.get(hash) ?? []), file]);
    }
    expect([...byContent.values()].filter((files) => files.length > 1)).toEqual([]);
  });

  test('has a NOTICE naming every third-party package a bundle holds', () => {
    const notice = fs.readFileSync(path.join(packed.extracted, 'NOTICE'), 'utf8');
    // Written by scripts/bundle-handlers.js while npm pack built the package.
    const bundled = JSON.parse(fs.readFileSync(path.join(work, 'checkout', 'assets', 'bundled-packages.json'), 'utf8')) as Record<string, string[]>;
    expect(Object.keys(bundled)).toEqual(expect.arrayContaining(['@aws-sdk/client-ecs', 'bowser']));
    const named = (name: string) => notice.includes(name) || (name.startsWith('@') && notice.includes(`${name.split('/')[0]}/*`));
    expect(Object.entries(bundled).filter(([name]) => !named(name))).toEqual([]);
  });

  test('ships a package.json without scripts, and npm pack puts the repository\'s back unchanged', () => {
    expect(packed.manifest.scripts).toBeUndefined();
    expect(packed.manifestRestored).toBe(true);
    expect(packed.asideLeft).toBe(false);
    // npm ci in the repository still bundles the handlers.
    const repository = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(repository.scripts.prepare).toMatch(/bundle/);
  });

  test('is published from the tarball only: npm publish of the folder would send the repository\'s scripts', () => {
    const publish = run('npm', ['publish', '--dry-run', '--offline'], path.join(work, 'checkout'));
    expect(publish.status).not.toBe(0);
    expect(publish.stderr).toContain(`publish the packed tarball, not this folder: npm publish of a folder sends the registry package.json as it is after postpack, with the repository's scripts. Run: npm pack && npm publish ${PACKAGE.name}-${PACKAGE.version}.tgz`);
  });

  test('is packed with one build: the handlers are bundled once', () => {
    const output = packed.pack.stdout + packed.pack.stderr;
    expect(output.match(/^bundled smoke-test:/gm)).toHaveLength(1);
    // The build writes to stderr: npm pack --json prints its report alone, for the tools that read it.
    expect(() => JSON.parse(packed.pack.stdout)).not.toThrow();
    expect(output).not.toMatch(/> \S+ prepare$/m);
  });
});

describe('installed into the quick start', () => {
  test('installs with no warning', () => {
    expect(install.stderr).not.toMatch(/npm (warn|WARN)/);
    expect(install.stdout + install.stderr).not.toMatch(/install-scripts|allowScripts|scripts\/bundle-handlers/);
  });

  test('names the versions of its other packages that the test links', () => {
    const { dependencies, devDependencies } = JSON.parse(fs.readFileSync(path.join(QUICK_START, 'package.json'), 'utf8'));
    expect(satisfies(PACKAGE.version, dependencies[PACKAGE.name])).toBe(true);
    for (const name of LINKED) {
      const range = dependencies[name] ?? devDependencies[name];
      const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
      expect({ name, range, fits: range !== undefined && satisfies(installed, range) }).toEqual({ name, range, fits: true });
    }
  });

  test('gives the release CLI as a command of the infra repo', () => {
    expect({ status: cli.status, stdout: cli.stdout.trim(), stderr: cli.stderr }).toEqual({ status: 0, stdout: PACKAGE.version, stderr: '' });
  });

  test('type-checks against the shipped declarations', () => {
    expect({ status: typecheck.status, output: typecheck.stdout + typecheck.stderr }).toEqual({ status: 0, output: '' });
  });

  test('synthesizes, with no warning, the service, its deployment group, its release on cdk deploy and the smoke-test hook from the packed bundle', () => {
    expectSuccess('cdk synth', synth);
    expect(synth.stderr).not.toMatch(/\[Warning|Token\[/);
    const templateFile = path.join(app, 'cdk.out', 'OrdersApi.template.json');
    const template = Template.fromJSON(JSON.parse(fs.readFileSync(templateFile, 'utf8')));
    template.hasResourceProperties('AWS::ECS::Service', { DeploymentController: { Type: 'CODE_DEPLOY' }, LaunchType: 'FARGATE' });
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      AlarmConfiguration: Match.objectLike({ Enabled: true }),
    });
    // deployOnStackUpdate: a cdk deploy that changes the task definition is a CodeDeploy release.
    template.resourceCountIs('Custom::CodeDeployRelease', 1);
    const functions = template.findResources('AWS::Lambda::Function');
    const smokeBundle = fs.readFileSync(path.join(packed.extracted, 'assets', 'handlers', 'smoke-test', 'index.js'), 'utf8');
    const smokeFunctions = Object.values(functions).filter((resource) => {
      const asset = path.join(app, 'cdk.out', String(resource.Metadata?.['aws:asset:path']), 'index.js');
      return fs.existsSync(asset) && fs.readFileSync(asset, 'utf8') === smokeBundle;
    });
    expect(smokeFunctions).toHaveLength(1);
  });
});

/** Whether `version` is in `range`: an exact version, or `^` / `~` of one (all the quick start uses). */
function satisfies(version: string, range: string): boolean {
  const wanted = /^([\^~]?)(\d+)\.(\d+)\.(\d+)$/.exec(range);
  const given = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!wanted || !given) {
    return false;
  }
  const want = wanted.slice(2).map(Number);
  const have = given.slice(1).map(Number);
  if (wanted[1] === '') {
    return have.join('.') === want.join('.');
  }
  // ^0.y.z keeps the minor version, ^x.y.z the major one; ~ keeps the minor version.
  const kept = wanted[1] === '~' || want[0] === 0 ? 2 : 1;
  const order = have[0] - want[0] || have[1] - want[1] || have[2] - want[2];
  return order >= 0 && have.slice(0, kept).join('.') === want.slice(0, kept).join('.');
}
